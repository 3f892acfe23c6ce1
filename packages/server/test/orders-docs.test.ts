import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  STAGE_TIMESTAMP,
  TERMINAL_STATUSES,
  type OrderStatus,
} from '@dabba/protocol';
import { SIMULATE_FLAGS } from '../src/dev/flags.js';
import { DEFAULT_SIMULATOR_OPTIONS } from '../src/dev/simulator.js';
import { customerNotice } from '../src/domain/orders/customer-notices.js';
import type { Order } from '../src/domain/orders/order.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/orders.md', import.meta.url)), 'utf8');

/** The body rows of the first table under `## {heading}`, each as its trimmed cells. */
function table(heading: string): string[][] {
  const section = doc.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  if (!section) throw new Error(`docs/orders.md has no "## ${heading}" section`);
  const lines = section.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i]?.startsWith('|'); i++) {
    rows.push(
      (lines[i] as string)
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  if (start === -1 || rows.length === 0) throw new Error(`"## ${heading}" has no table`);
  return rows;
}

/** The `code` spans of a cell. */
const codes = (cell: string | undefined): string[] => [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');

describe('docs/orders.md matches the code', () => {
  it('has the transition table of ORDER_TRANSITIONS: every move, with exactly who may make it', () => {
    const documented: Record<string, Record<string, string[]>> = {};
    for (const [from, to, who] of table('Transitions')) {
      const [f] = codes(from);
      const [t] = codes(to);
      expect(f && t, `row ${from} → ${to}`).toBeTruthy();
      const moves = (documented[f as string] ??= {});
      expect(moves[t as string], `${f} → ${t} is listed twice`).toBeUndefined();
      moves[t as string] = codes(who).sort();
    }
    const expected: Record<string, Record<string, string[]>> = {};
    for (const [from, moves] of Object.entries(ORDER_TRANSITIONS)) {
      if (Object.keys(moves).length === 0) continue;
      expected[from] = Object.fromEntries(Object.entries(moves).map(([to, actors]) => [to, [...actors].sort()]));
    }
    expect(documented).toEqual(expected);
  });

  it('lists every status with its stage timestamp, and marks exactly the terminal ones', () => {
    const rows = table('Statuses');
    expect(rows.map(([status]) => codes(status)[0])).toEqual([...ORDER_STATUSES]);
    for (const [status, meaning, stamp] of rows) {
      const name = codes(status)[0] as OrderStatus;
      expect(codes(stamp), name).toEqual([STAGE_TIMESTAMP[name]]);
      expect(meaning?.includes('**Terminal**'), name).toBe(TERMINAL_STATUSES.has(name));
    }
    const sentence = /^Terminal statuses: (.*)$/m.exec(doc)?.[1];
    expect(codes(sentence).sort()).toEqual([...TERMINAL_STATUSES].sort());
  });

  it('lists exactly the stages a customer is notified of, with their notification types', () => {
    const order: Order = {
      id: 'o1',
      orderNumber: 'RND-20260131-0001',
      customerId: 'c',
      storeId: 's',
      chefId: 'k',
      driverId: null,
      status: 'pending',
      statusChangedAt: '2026-01-31T12:00:00.000Z',
      items: [],
      subtotalMinor: 0,
      deliveryFeeMinor: 0,
      totalMinor: 0,
      currency: 'INR',
      delivery: { address: 'a', latitude: 0, longitude: 0 },
      etaMinutes: null,
      estimatedDeliveryAt: null,
      timestamps: { createdAt: '2026-01-31T12:00:00.000Z' },
      cancelReason: null,
      cancelledBy: null,
      createdAt: '2026-01-31T12:00:00.000Z',
      updatedAt: '2026-01-31T12:00:00.000Z',
      version: 1,
    };
    const documented = Object.fromEntries(
      table('Customer notifications').map(([stage, type]) => [codes(stage)[0], codes(type)[0]]),
    );
    const expected = Object.fromEntries(
      ORDER_STATUSES.flatMap((status) => {
        const notice = customerNotice(order, status, 'Kitchen');
        return notice ? [[status, notice.type]] : [];
      }),
    );
    expect(documented).toEqual(expected);
  });

  it('documents every simulator flag with its default', () => {
    const documented = Object.fromEntries(table('Try it').map(([flag, value]) => [codes(flag)[0], value]));
    const expected = Object.fromEntries(
      SIMULATE_FLAGS.map(({ flag, key }) => [`--${flag}`, String(DEFAULT_SIMULATOR_OPTIONS[key])]),
    );
    expect(documented).toEqual(expected);
  });
});
