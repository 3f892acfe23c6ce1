import { spawn, type ChildProcess } from 'node:child_process';
import { HAPPY_PATH } from '@dabba/protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Centrifuge, type PublicationContext, type Subscription } from 'centrifuge';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../src/dev-credentials.js';
import { DEMO_DROPOFF, DEMO_KITCHEN, DEMO_MENU, demoPlan, seedDemoData } from '../src/dev/seed.js';
import { distanceMeters, routePoints } from '../src/dev/route.js';
import { OrderSimulator, resolveSimulatorOptions, type LocationRecorder } from '../src/dev/simulator.js';
import { SYSTEM, type Order } from '../src/domain/orders/order.js';
import { createDomain } from '../src/domain/domain.js';
import { MemoryEngine } from '../src/engines/memory.js';
import { Hub } from '../src/hub/hub.js';
import { createLogger } from '../src/logger.js';
import { Metrics } from '../src/metrics.js';
import { openStore } from '../src/store/database.js';
import { startTestServer } from './support/fixture.js';
import { createTestDatabase } from './support/test-database.js';

/** The built CLI (`npm run build` runs before the tests). */
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const WAIT_MS = 15_000;
const LIFECYCLE = [...HAPPY_PATH];

/** Ref'd timers: what would keep a process from exiting. */
const liveTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** `promise`, or a failure naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('demo data', () => {
  it('seeds the demo users and kitchen; a second run changes nothing, and restores an edited kitchen', async () => {
    const database = await createTestDatabase();
    const store = await openStore(database.url);
    const logger = createLogger('silent');
    const hub = new Hub(new MemoryEngine(), new Metrics(), logger);
    await hub.start();
    const domain = await createDomain(store, hub, logger);
    try {
      const count = async (table: 'users' | 'stores' | 'products'): Promise<number> =>
        Number(
          (
            await store.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );

      const first = await seedDemoData(domain);
      const counts = { users: await count('users'), stores: await count('stores'), products: await count('products') };
      expect(counts).toEqual({ users: DEMO_USERS.length, stores: 1, products: DEMO_MENU.length });
      const menu = await domain.commerce.catalog.listForStore(DEMO_KITCHEN.id, true);
      expect(menu.map((p) => p.id).sort()).toEqual(DEMO_MENU.map((p) => p.id).sort());
      expect(first).toMatchObject({ ...DEMO_KITCHEN, isActive: true });
      expect(await domain.users.get('driver-1')).toEqual({
        id: 'driver-1',
        role: 'driver',
        name: 'Meera (driver)',
        phone: expect.stringMatching(/^\+91 /),
      });

      await domain.stores.update(SYSTEM, DEMO_KITCHEN.id, { isActive: false, name: 'Renamed' });
      const second = await seedDemoData(domain);
      expect({
        users: await count('users'),
        stores: await count('stores'),
        products: await count('products'),
      }).toEqual(counts);
      expect(second).toEqual({ ...first, updatedAt: second.updatedAt });
    } finally {
      await domain.close();
      await hub.close();
      await store.close();
      await database.drop();
    }
  });
});

describe('the order simulator', () => {
  it('walks the route in steps under the speed limit and refuses options the location service would reject', () => {
    const points = routePoints([DEMO_KITCHEN, DEMO_DROPOFF], 50);
    expect(points.at(-1)).toEqual({ latitude: DEMO_DROPOFF.latitude, longitude: DEMO_DROPOFF.longitude });
    let from: { latitude: number; longitude: number } = DEMO_KITCHEN;
    for (const point of points) {
      expect(distanceMeters(from, point)).toBeLessThanOrEqual(50);
      from = point;
    }
    expect(points.length).toBe(Math.ceil(distanceMeters(DEMO_KITCHEN, DEMO_DROPOFF) / 50));
    expect(() => resolveSimulatorOptions({ locationIntervalMs: 999 })).toThrow(/locationIntervalMs/);
    expect(() => resolveSimulatorOptions({ driverSpeedKmh: 200 })).toThrow(/driverSpeedKmh/);
    expect(() => resolveSimulatorOptions({ stepIntervalMs: -1 })).toThrow(/stepIntervalMs/);
  });

  it('delivers an order through the whole lifecycle, places the next, and stop() cancels that one and leaves no timer', async () => {
    const timersBefore = liveTimers();
    const t = await startTestServer({ logLevel: 'warn' });
    try {
      const kitchen = await seedDemoData(t.server.domain);
      // A dropoff 33 m from the kitchen and a driver waiting there: one order takes about 2 s.
      const plan = {
        ...demoPlan(kitchen),
        driverStart: kitchen,
        via: [],
        dropoff: { ...DEMO_DROPOFF, latitude: kitchen.latitude + 0.0003, longitude: kitchen.longitude },
      };
      const reports: Array<{ latitude: number; longitude: number; atMs: number }> = [];
      const locations: LocationRecorder = {
        async record(driver, input) {
          const accepted = await t.server.domain.locations.record(driver, input);
          reports.push({ latitude: input.latitude, longitude: input.longitude, atMs: Date.now() });
          return accepted;
        },
      };
      const placed: Order[] = [];
      let secondPlaced: () => void = () => undefined;
      const second = new Promise<void>((resolve) => (secondPlaced = resolve));
      const simulator = new OrderSimulator(
        { orders: t.server.domain.orders, locations, logger: t.server.logger },
        plan,
        { stepIntervalMs: 10, pauseBetweenOrdersMs: 10, driverSpeedKmh: 180 },
        { placed: (order) => placed.push(order) === 2 && secondPlaced() },
      );
      simulator.start();
      await within(second, WAIT_MS, 'the second simulated order');
      await simulator.stop();

      const [firstOrder, nextOrder] = placed as [Order, Order];
      const tracking = await t.server.domain.tracking(SYSTEM, firstOrder.id);
      expect(tracking.statusHistory.map((h) => h.status)).toEqual(LIFECYCLE);
      expect(tracking).toMatchObject({
        status: 'delivered',
        driverName: 'Meera (driver)',
        driverLatitude: plan.dropoff.latitude,
        driverLongitude: plan.dropoff.longitude,
      });
      expect(await t.server.domain.orders.find(nextOrder.id)).toMatchObject({
        status: 'cancelled',
        cancelReason: 'demo_simulation_stopped',
      });
      // One report per second at most, never faster than 180 km/h.
      for (let i = 1; i < reports.length; i++) {
        const [a, b] = [reports[i - 1], reports[i]] as [(typeof reports)[0], (typeof reports)[0]];
        expect(b.atMs - a.atMs).toBeGreaterThanOrEqual(1000);
        expect((distanceMeters(a, b) / ((b.atMs - a.atMs) / 1000)) * 3.6).toBeLessThanOrEqual(180);
      }
    } finally {
      await t.close();
    }
    expect(liveTimers()).toBeLessThanOrEqual(timersBefore);
  });
});

/** A spawned `dabba` whose stdout can be awaited with a bound. */
class Cli {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private wake: () => void = () => undefined;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => this.append('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.append('stderr', chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The first match of `pattern` in stdout, once it is printed. */
  async match(pattern: RegExp, what: string): Promise<RegExpExecArray> {
    const deadline = Date.now() + WAIT_MS;
    for (let found = pattern.exec(this.stdout); ; found = pattern.exec(this.stdout)) {
      if (found) return found;
      if (Date.now() >= deadline || this.child.exitCode !== null)
        throw new Error(`${what}: not printed\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await within(new Promise<void>((resolve) => (this.wake = resolve)), deadline - Date.now(), what).catch(
        () => undefined,
      );
    }
  }

  private append(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this[stream] += chunk.toString('utf8');
    this.wake();
  }
}

/** The parent's environment without Dabba settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('DABBA_') && !['PORT', 'HOST', 'LOG_LEVEL'].includes(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Resolves with the first publication on `sub` that `accept` takes. */
function publication<T>(sub: Subscription, accept: (ctx: PublicationContext) => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const listener = (ctx: PublicationContext): void => {
      const value = accept(ctx);
      if (value === undefined) return;
      sub.removeListener('publication', listener);
      resolve(value);
    };
    sub.on('publication', listener);
  });
}

describe('dabba serve --dev --simulate', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(args: string[]): Promise<Cli> {
    const cwd = await mkdtemp(join(tmpdir(), 'dabba-dev-'));
    const cli = new Cli(
      spawn(process.execPath, [CLI, 'serve', ...args], {
        cwd,
        env: cleanEnv({ PORT: '0', HOST: '127.0.0.1' }),
        stdio: 'pipe',
      }),
    );
    cleanups.push(async () => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
      await within(cli.exited, WAIT_MS, 'dabba to exit');
      await rm(cwd, { recursive: true, force: true });
    });
    return cli;
  }

  it('prints how to watch a simulated order, whose tracking advances and shows the driver moving; SIGTERM exits 0', async () => {
    const cli = await serve(['--dev', '--simulate', '--simulate-step-ms', '50', '--simulate-speed-kmh', '180']);
    await cli.match(/Demo kitchen: +kitchen-1 /, 'the demo kitchen in the banner');
    const [, url, orderId, token] = await cli.match(
      /curl -s (http:\/\/[\d.:]+)\/orders\/([\w-]+)\/tracking -H 'Authorization: Bearer ([\w.-]+)'/,
      'the tracking curl line',
    );
    expect(cli.stdout).toContain(`Channels: order:${orderId} `);
    expect(cli.stdout).toContain(`tracking:${orderId} `);
    const track = async (): Promise<Record<string, unknown>> => {
      const reply = await fetch(`${url}/orders/${orderId}/tracking`, { headers: { Authorization: `Bearer ${token}` } });
      expect(reply.status).toBe(200);
      return (await reply.json()) as Record<string, unknown>;
    };

    // Follow the driver as the customer would: the position on tracking:{id}, pushed every second.
    const client = new Centrifuge(`${url?.replace('http', 'ws')}/connection/websocket`, {
      token,
      websocket: WebSocket,
    });
    cleanups.push(async () => void client.disconnect());
    const sub = client.newSubscription(`tracking:${orderId}`);
    type Position = { latitude: number; longitude: number };
    const position = (ctx: PublicationContext): Position | undefined =>
      ctx.tags?.type === 'driver:location_update' ? (ctx.data as Position) : undefined;
    const first = publication(sub, position);
    sub.subscribe();
    client.connect();
    const at = await within(first, WAIT_MS, 'a driver position on tracking:{id}');

    const snapshot = await track();
    const statuses = (snapshot.statusHistory as Array<{ status: string }>).map((h) => h.status);
    expect(statuses).toEqual(LIFECYCLE.slice(0, statuses.length));
    expect(statuses.length).toBeGreaterThanOrEqual(LIFECYCLE.indexOf('assigned_to_driver') + 1);
    expect(snapshot).toMatchObject({
      driverAssigned: true,
      driverName: 'Meera (driver)',
      driverPhone: expect.stringMatching(/^\+91 /),
      chefBusinessName: DEMO_KITCHEN.name,
      driverLatitude: expect.any(Number),
      driverLongitude: expect.any(Number),
    });

    const moved = await within(
      publication(sub, (ctx) => {
        const next = position(ctx);
        return next && distanceMeters(next, at) > 1 ? next : undefined;
      }),
      WAIT_MS,
      'the driver to move',
    );
    const later = await track();
    expect(distanceMeters(moved, at)).toBeLessThan(60); // ≤ 50 m per second at 180 km/h
    expect(later.driverLatitude).not.toBe(snapshot.driverLatitude);

    cli.child.kill('SIGTERM');
    expect(await within(cli.exited, WAIT_MS, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toContain('"msg":"dabba stopped"');
  });

  it.each([
    [['--simulate'], /--simulate needs --dev/],
    [
      ['--dev', '--simulate', '--simulate-location-interval-ms', '500'],
      /--simulate-location-interval-ms: .*at least 1000/,
    ],
    [['--dev', '--simulate', '--simulate-speed-kmh', '250'], /--simulate-speed-kmh: .*at most 180/],
    [['--dev', '--simulate-step-ms', '50'], /--simulate-step-ms needs --simulate/],
  ])('exits 2 with a message for %j', async (args, message) => {
    const cli = await serve(args);
    expect(await within(cli.exited, WAIT_MS, 'exit')).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toMatch(message);
  });
});
