import { afterEach, describe, expect, it } from 'vitest';
import { DabbaError } from '../src/errors.js';
import { RpcRegistry } from '../src/hub/rpc.js';
import { RpcIdempotencyStore } from '../src/hub/rpc-idempotency.js';
import { MemoryEngine } from '../src/engines/memory.js';
import { startTestServer, type TestServer } from './support/fixture.js';

const claims = (sub: string) => ({ sub, role: 'customer' as const });
const context = (sub = 'u1') => ({ claims: claims(sub), clientId: 'c1' });

describe('rpc idempotency keys', () => {
  it('runs a keyed call once per (user, method, key) and returns the first result to retries', async () => {
    const rpc = new RpcRegistry(new MemoryEngine());
    const seen: unknown[] = [];
    rpc.register('count', async (ctx, data) => {
      seen.push({ data, key: ctx.idempotencyKey });
      return { n: seen.length };
    });
    const first = await rpc.call('count', context(), { idempotencyKey: 'k1', text: 'hi' });
    const retry = await rpc.call('count', context(), { idempotencyKey: 'k1', text: 'hi' });
    expect(first).toEqual({ n: 1 });
    expect(retry).toEqual({ n: 1 });
    // The handler saw data without the reserved field, and the key in its context.
    expect(seen).toEqual([{ data: { text: 'hi' }, key: 'k1' }]);

    // Another key, another user, or no key: each runs.
    expect(await rpc.call('count', context(), { idempotencyKey: 'k2' })).toEqual({ n: 2 });
    expect(await rpc.call('count', context('u2'), { idempotencyKey: 'k1' })).toEqual({ n: 3 });
    expect(await rpc.call('count', context(), { text: 'no key' })).toEqual({ n: 4 });
    expect(await rpc.call('count', context(), { text: 'no key' })).toEqual({ n: 5 });
  });

  it('makes a concurrent retry wait for the first call instead of running again', async () => {
    const rpc = new RpcRegistry(new MemoryEngine());
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    rpc.register('slow', async () => {
      runs++;
      await gate;
      return { runs };
    });
    const a = rpc.call('slow', context(), { idempotencyKey: 'same' });
    const b = rpc.call('slow', context(), { idempotencyKey: 'same' });
    release();
    expect(await Promise.all([a, b])).toEqual([{ runs: 1 }, { runs: 1 }]);
    expect(runs).toBe(1);
  });

  it('forgets a failed call, so a retry runs it again', async () => {
    const rpc = new RpcRegistry(new MemoryEngine());
    let runs = 0;
    rpc.register('flaky', async () => {
      runs++;
      if (runs === 1) throw new DabbaError('conflict', 'not now');
      return { ok: runs };
    });
    await expect(rpc.call('flaky', context(), { idempotencyKey: 'k' })).rejects.toMatchObject({ code: 'conflict' });
    expect(await rpc.call('flaky', context(), { idempotencyKey: 'k' })).toEqual({ ok: 2 });
    expect(await rpc.call('flaky', context(), { idempotencyKey: 'k' })).toEqual({ ok: 2 });
  });

  it('rejects keys that are not strings or too long', async () => {
    const rpc = new RpcRegistry(new MemoryEngine());
    rpc.register('m', async () => ({}));
    await expect(rpc.call('m', context(), { idempotencyKey: 42 })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(rpc.call('m', context(), { idempotencyKey: 'x'.repeat(201) })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(rpc.call('m', context(), { idempotencyKey: '' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('forgets keys after the TTL, and tells a retry that reaches another node while the first call runs to come back', async () => {
    const shared = new MemoryEngine({ maxKeyValueEntries: 2 });
    const nodeA = new RpcIdempotencyStore(shared, { ttlMs: 30 });
    const nodeB = new RpcIdempotencyStore(shared, { ttlMs: 30 });
    let runs = 0;
    expect(await nodeA.run('u', 'm', 'a', async () => ++runs)).toBe(1);
    // Another node sees the result.
    expect(await nodeB.run('u', 'm', 'a', async () => ++runs)).toBe(1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = nodeA.run('u', 'm', 'slow', async () => {
      await gate;
      return ++runs;
    });
    await expect(nodeB.run('u', 'm', 'slow', async () => ++runs)).rejects.toMatchObject({ code: 'too_many_requests' });
    release();
    expect(await slow).toBe(2);
    expect(await nodeB.run('u', 'm', 'slow', async () => ++runs)).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await nodeB.run('u', 'm', 'a', async () => ++runs)).toBe(3);
    await shared.close();
  });
});

describe('rpc idempotency over the native protocol', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('a retried call with the same key runs once, the reply carries the first result', async () => {
    t = await startTestServer({ logLevel: 'warn' });
    let calls = 0;
    t.server.hub.rpc.register('test.count', async (ctx) => ({ calls: ++calls, key: ctx.idempotencyKey }));
    const client = t.centrifuge({ token: await t.token('u1') });
    client.connect();
    const first = await client.rpc('test.count', { idempotencyKey: 'key-1' });
    const retry = await client.rpc('test.count', { idempotencyKey: 'key-1' });
    const other = await client.rpc('test.count', { idempotencyKey: 'key-2' });
    expect(first.data).toEqual({ calls: 1, key: 'key-1' });
    expect(retry.data).toEqual({ calls: 1, key: 'key-1' });
    expect(other.data).toEqual({ calls: 2, key: 'key-2' });
    await expect(client.rpc('test.count', { idempotencyKey: 7 })).rejects.toMatchObject({ code: 107 });
  });
});
