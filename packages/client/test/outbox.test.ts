import { afterEach, describe, expect, it } from 'vitest';
import {
  asyncStorage,
  DabbaClientError,
  memoryStorage,
  webStorage,
  type DabbaClient,
  type OutboxEntry,
} from '../src/index.js';
import { startTestServer, type TestServer } from '../../server/test/support/fixture.js';
import { ordersWorld } from '../../server/test/support/orders-world.js';
import { closeClients, isStatus, stateWhere, testClient, until } from './support.js';

let t: TestServer | undefined;
afterEach(async () => {
  closeClients();
  await t?.close();
  t = undefined;
});

interface Applied {
  method: string;
  data: unknown;
  key: string | undefined;
}

/** A server whose test methods record what they apply, in order. */
async function recordingServer(): Promise<{ t: TestServer; applied: Applied[] }> {
  const server = await startTestServer({ logLevel: 'warn' });
  const applied: Applied[] = [];
  for (const method of ['test.note', 'test.location']) {
    server.server.hub.rpc.register(method, async (ctx, data) => {
      applied.push({ method, data, key: ctx.idempotencyKey });
      return { applied: applied.length };
    });
  }
  server.server.hub.rpc.register('test.reject', async () => {
    const { DabbaError } = await import('../../server/src/errors.js');
    throw new DabbaError('validation_failed', 'text: too long');
  });
  t = server;
  return { t: server, applied };
}

const sent = (client: DabbaClient) => (listener: () => void) => client.outbox.on('sent', listener);

describe('offline outbox', () => {
  it('keeps actions while offline and sends them on connect: latest-wins first, then the rest in order', async () => {
    const { t, applied } = await recordingServer();
    const client = testClient(t, { token: await t.token('drv-1', 'driver'), autoConnect: false });
    const dropped: Array<[OutboxEntry, DabbaClientError]> = [];
    client.outbox.on('dropped', (entry, reason) => dropped.push([entry, reason]));

    const replies = [
      client.send('test.note', { text: 'one' }),
      client.send('test.location', { latitude: 1, longitude: 1 }, { kind: 'latest' }),
      client.send('test.note', { text: 'two' }),
      client.send('test.location', { latitude: 2, longitude: 2 }, { kind: 'latest' }),
      client.send('test.note', { text: 'three' }),
      client.send('test.location', { latitude: 3, longitude: 3 }, { kind: 'latest' }),
    ];
    await client.outbox.restored;
    expect(client.outbox.entries().map((e) => [e.method, e.data])).toEqual([
      ['test.location', { latitude: 3, longitude: 3 }],
      ['test.note', { text: 'one' }],
      ['test.note', { text: 'two' }],
      ['test.note', { text: 'three' }],
    ]);
    expect(dropped.map(([entry, reason]) => [entry.data, reason.code])).toEqual([
      [{ latitude: 1, longitude: 1 }, 'outbox_superseded'],
      [{ latitude: 2, longitude: 2 }, 'outbox_superseded'],
    ]);
    await expect(replies[1]).rejects.toMatchObject({ code: 'outbox_superseded' });
    expect(applied).toEqual([]);

    client.connect();
    await until(sent(client), () => client.outbox.size === 0, 5000, 'outbox drained');
    expect(applied.map((a) => [a.method, a.data])).toEqual([
      ['test.location', { latitude: 3, longitude: 3 }],
      ['test.note', { text: 'one' }],
      ['test.note', { text: 'two' }],
      ['test.note', { text: 'three' }],
    ]);
    // Each went with its own idempotency key, which the server saw (and the handler's data did not).
    const keys = applied.map((a) => a.key);
    expect(new Set(keys).size).toBe(4);
    expect(keys.every((k) => typeof k === 'string' && k.length > 0)).toBe(true);
    await expect(replies[0]).resolves.toEqual({ applied: 2 });
    await expect(replies[5]).resolves.toEqual({ applied: 1 });
  });

  it('is bounded: beyond maxEntries the oldest is dropped, with an event and a rejected send', async () => {
    const { t, applied } = await recordingServer();
    const client = testClient(t, { token: await t.token('u1'), autoConnect: false, outbox: { maxEntries: 3 } });
    const dropped: string[] = [];
    client.outbox.on('dropped', (entry, reason) => dropped.push(`${String(entry.data.text)}:${reason.code}`));
    const replies = ['a', 'b', 'c', 'd', 'e'].map((text) => client.send('test.note', { text }));
    await expect(replies[0]).rejects.toBeInstanceOf(DabbaClientError);
    await expect(replies[1]).rejects.toMatchObject({ code: 'outbox_overflow', details: { maxEntries: 3 } });
    expect(dropped).toEqual(['a:outbox_overflow', 'b:outbox_overflow']);
    expect(client.outbox.size).toBe(3);

    client.connect();
    await Promise.all(replies.slice(2));
    expect(applied.map((a) => a.data)).toEqual([{ text: 'c' }, { text: 'd' }, { text: 'e' }]);
  });

  it('a rejected action fails (event and rejected send) without blocking the ones after it', async () => {
    const { t, applied } = await recordingServer();
    const client = testClient(t, { token: await t.token('u1'), autoConnect: false });
    const failed: string[] = [];
    client.outbox.on('failed', (entry, error) =>
      failed.push(`${entry.method}:${error.code}:${String(error.details.serverCode)}`),
    );
    const rejected = client.send('test.reject', { text: 'x' });
    const after = client.send('test.note', { text: 'after' });
    client.connect();
    await expect(rejected).rejects.toMatchObject({ code: 'rpc_failed', details: { serverCode: 107 } });
    await expect(after).resolves.toEqual({ applied: 1 });
    expect(failed).toEqual(['test.reject:rpc_failed:107']);
    expect(applied.map((a) => a.data)).toEqual([{ text: 'after' }]);
  });

  it('persists through a storage adapter and restores at start, so a new run sends what the last one could not', async () => {
    const { t, applied } = await recordingServer();
    const token = await t.token('u1');
    const storage = memoryStorage();
    const first = testClient(t, { token, autoConnect: false, storage });
    void first.send('test.note', { text: 'queued offline' }).catch(() => undefined);
    void first.send('test.location', { latitude: 5, longitude: 5 }, { kind: 'latest' }).catch(() => undefined);
    await first.outbox.persisted();
    first.close();
    const persisted = JSON.parse(storage.items.get('dabba.outbox') ?? 'null') as { entries: OutboxEntry[] };
    expect(persisted.entries.map((e) => e.method)).toEqual(['test.note', 'test.location']);

    // The next run, with an AsyncStorage-shaped store over the same items.
    const asyncStore = asyncStorage({
      getItem: async (key) => storage.getItem(key) as string | null,
      setItem: async (key, value) => storage.setItem(key, value),
      removeItem: async (key) => storage.removeItem(key),
    });
    const second = testClient(t, { token, storage: asyncStore });
    const late = second.send('test.note', { text: 'queued while restoring' });
    await late;
    await until(sent(second), () => second.outbox.size === 0, 5000, 'restored entries sent');
    expect(applied.map((a) => a.data)).toEqual([
      { latitude: 5, longitude: 5 },
      { text: 'queued offline' },
      { text: 'queued while restoring' },
    ]);
    expect(applied.map((a) => a.key).slice(0, 2)).toEqual(persisted.entries.map((e) => e.id).reverse());
    await second.outbox.persisted();
    expect(JSON.parse(storage.items.get('dabba.outbox') ?? 'null')).toEqual({ version: 1, entries: [] });
  });

  it('web storage adapter; unreadable storage is reported and the outbox starts empty', async () => {
    const { t } = await recordingServer();
    const items = new Map<string, string>([['dabba.outbox', '{"not":"an outbox"}']]);
    const local = {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    };
    const client = testClient(t, { token: await t.token('u1'), autoConnect: false, storage: webStorage(local) });
    const errors: Error[] = [];
    client.onError((error) => errors.push(error));
    await client.outbox.restored;
    expect(errors).toMatchObject([{ code: 'storage_failed' }]);
    void client.send('test.note', { text: 'hi' }).catch(() => undefined);
    await client.outbox.persisted();
    expect(JSON.parse(items.get('dabba.outbox') ?? 'null').entries).toHaveLength(1);
  });

  it('a reply lost with the connection is resent with the same key and applied once', async () => {
    const server = await startTestServer({ logLevel: 'warn' });
    t = server;
    const runs: Array<{ key: string | undefined; data: unknown }> = [];
    server.server.hub.rpc.register('test.pay', async (ctx, data) => {
      runs.push({ key: ctx.idempotencyKey, data });
      // The first time, the connection drops before the reply can go out.
      if (runs.length === 1) {
        await server.api('disconnect', { user: 'u1', disconnect: { code: 3011, reason: 'force reconnect' } });
      }
      return { charged: runs.length };
    });
    const client = testClient(server, { token: await server.token('u1') });
    await stateWhere(client, isStatus('connected'));
    let calls = 0;
    const original = client.centrifuge.rpc.bind(client.centrifuge);
    const keysSent: unknown[] = [];
    client.centrifuge.rpc = (method, data: { idempotencyKey?: string }) => {
      calls++;
      keysSent.push(data.idempotencyKey);
      return original(method, data);
    };
    const reply = await client.send('test.pay', { amountMinor: 500 });
    expect(calls).toBe(2);
    expect(keysSent[0]).toBe(keysSent[1]);
    expect(runs).toEqual([{ key: keysSent[0], data: { amountMinor: 500 } }]);
    // The retry got the first call's result.
    expect(reply).toEqual({ charged: 1 });
  });

  it('sends real driver locations: a rate-limited one is kept, sent again, and reaches the customer', async () => {
    const server = await startTestServer({ logLevel: 'warn', locationMinIntervalMs: 400 });
    t = server;
    const w = await ordersWorld(server);
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    await w.assign(orderId, w.ids.driver);
    await w.move(orderId, 'picked_up', w.tokens.driver);
    const customer = testClient(server, { token: w.tokens.customer });
    const fixes: string[] = [];
    const tracking = customer.subscribe(`tracking:${orderId}`);
    tracking.on('driver:location_update', (data) => fixes.push(data.timestamp));
    await tracking.ready(5000);

    const driver = testClient(server, { token: w.tokens.driver, outbox: { retryDelayMs: 100 } });
    const failed: unknown[] = [];
    driver.outbox.on('failed', (entry) => failed.push(entry));
    // The driver stands still (a moving fix sent milliseconds later would be an implausible jump).
    const location = () =>
      driver.send('driver.location', { latitude: 19.058, longitude: 72.835, orderId }, { kind: 'latest' });
    expect(await location()).toMatchObject({ accepted: true, orderIds: [orderId] });
    // At once after the first: the server refuses it for now (rate_limited, temporary); the outbox
    // keeps it and sends it again until it is accepted.
    const startedAt = Date.now();
    expect(await location()).toMatchObject({ accepted: true, orderIds: [orderId] });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(200);
    expect(failed).toEqual([]);
    await until(
      (listener) => tracking.on('driver:location_update', listener),
      () => fixes.length === 2,
      5000,
      'both fixes',
    );
    expect(Date.parse(fixes[1] ?? '') - Date.parse(fixes[0] ?? '')).toBeGreaterThanOrEqual(200);
  });
});
