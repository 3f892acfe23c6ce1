import { afterEach, describe, expect, it } from 'vitest';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { eventCatalog } from '@dabba/protocol';
import { DriverStates } from '../src/domain/drivers/driver-states.js';
import type { LatLng } from '../src/domain/drivers/eta.js';
import { UpdatePacer } from '../src/domain/drivers/location-rules.js';
import { openStore } from '../src/store/database.js';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { createTestDatabase } from './support/test-database.js';
import { waitUntil } from './support/wait.js';

/** Where orders-world puts the kitchen and the customer. */
const KITCHEN: LatLng = { latitude: 19.0596, longitude: 72.8295 };
const CUSTOMER: LatLng = { latitude: 19.0544, longitude: 72.8406 };
const KM_PER_DEGREE = (6371.0088 * Math.PI) / 180;
/** After pickup the ETA is the ride to the customer: 3.9 minutes per km (× 1.3 detour, 20 km/h). */
const minutesAway = (minutes: number): LatLng => ({
  latitude: CUSTOMER.latitude + minutes / 3.9 / KM_PER_DEGREE,
  longitude: CUSTOMER.longitude,
});

interface Received {
  type: string | undefined;
  data: Record<string, unknown>;
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serverWith(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const t = await startTestServer({ logLevel: 'warn', locationMinIntervalMs: 0, ...options });
  cleanup.push(() => t.close());
  return t;
}

/** An accepted order with `driver` assigned early (still cooking). */
async function assignedOrder(w: OrdersWorld, driver = w.ids.driver): Promise<string> {
  const orderId = await w.placeOrder();
  await w.move(orderId, 'payment_confirmed', 'api');
  await w.move(orderId, 'accepted', w.tokens.chef);
  await w.assign(orderId, driver);
  return orderId;
}

async function connected(t: TestServer, token: string): Promise<Centrifuge> {
  const client = t.centrifuge({ token });
  client.connect();
  await client.ready(5000);
  return client;
}

/** Subscribes and collects what arrives, snapshot included. */
async function follow(client: Centrifuge, channel: string): Promise<Received[]> {
  const received: Received[] = [];
  const sub = client.newSubscription(channel);
  sub.on('publication', (ctx: PublicationContext) =>
    received.push({ type: ctx.tags?.type, data: ctx.data as Record<string, unknown> }),
  );
  sub.subscribe();
  await sub.ready(5000);
  return received;
}

/** A clock for fixes: starts in the past so that steps stay behind the server's clock. */
function fixClock(startMsAgo = 10 * 60_000): (stepMs?: number) => number {
  let at = Date.now() - startMsAgo;
  return (stepMs = 60_000) => (at += stepMs);
}

/** Reads until `ok` holds; for state only the store shows. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function rpcError(client: Centrifuge, data: unknown): Promise<{ code: number; message: string }> {
  try {
    await client.rpc('driver.location', data);
  } catch (error) {
    return error as { code: number; message: string };
  }
  throw new Error(`expected ${JSON.stringify(data)} to be refused`);
}

describe('driver location', () => {
  it('goes from the driver, by REST and by rpc, to the tracking channel; a late subscriber gets the latest fix', async () => {
    const t = await serverWith();
    const w = await ordersWorld(t);
    const orderId = await assignedOrder(w);
    const watched = await follow(await connected(t, w.tokens.customer), `tracking:${orderId}`);
    const next = fixClock();

    const first = await t.rest('POST', '/drivers/me/location', {
      as: w.tokens.driver,
      body: { ...KITCHEN, accuracy: 8, heading: 90, speed: 4.5, timestamp: new Date(next()).toISOString() },
    });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ accepted: true, orderIds: [orderId], etaMinutes: expect.any(Number) });

    const driver = await connected(t, w.tokens.driver);
    const at = next();
    const second = await driver.rpc('driver.location', { ...minutesAway(8), timestamp: at });
    expect(second.data).toMatchObject({ accepted: true, orderIds: [orderId] });

    await waitUntil(() => watched.length === 2);
    expect(watched.map((r) => r.type)).toEqual(['driver:location_update', 'driver:location_update']);
    expect(watched[0]?.data).toEqual({
      orderId,
      driverId: w.ids.driver,
      ...KITCHEN,
      accuracy: 8,
      heading: 90,
      speed: 4.5,
      timestamp: expect.any(String),
    });
    expect(watched[1]?.data).toMatchObject({ ...minutesAway(8), timestamp: new Date(at).toISOString() });
    for (const r of watched) expect(eventCatalog['driver:location_update'].safeParse(r.data).success).toBe(true);

    // Latest-only: the support agent who opens the order now sees where the driver is, once.
    const late = await follow(await connected(t, w.tokens.support), `tracking:${orderId}`);
    await waitUntil(() => late.length === 1);
    expect(late[0]?.data).toMatchObject({ ...minutesAway(8), driverId: w.ids.driver });
  });

  it('recomputes the ETA via the kitchen before pickup and straight after; announces it only when the damped minutes change', async () => {
    const t = await serverWith({ locationOrderCacheTtlMs: 200 });
    const w = await ordersWorld(t);
    const orderId = await assignedOrder(w);
    const customer = await connected(t, w.tokens.customer);
    const etas = await follow(customer, `order:${orderId}`);
    const tracked = await follow(customer, `tracking:${orderId}`);
    const announced = () => etas.filter((r) => r.type === 'order:eta_update').map((r) => r.data.etaMinutes);
    const next = fixClock();
    const report = async (position: LatLng) => {
      const reply = await t.rest('POST', '/drivers/me/location', {
        as: w.tokens.driver,
        body: { ...position, timestamp: next() },
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      return reply.body.etaMinutes;
    };

    // Cooking, driver at the kitchen: 15 min prep left (just accepted) + 5.4 min ride ≈ 20.
    expect(await report(KITCHEN)).toBe(20);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    await w.move(orderId, 'picked_up', w.tokens.driver);
    // A status change is seen once the driver's cached orders expire.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const seen = tracked.length;
    // Straight to the customer now: 10, then noise around 10, a 1-minute change confirmed twice, a big drop.
    for (const minutes of [10, 10.4, 9.4, 10.2, 9.3, 8.8, 5, 5.2]) await report(minutesAway(minutes));
    await waitUntil(() => tracked.length === seen + 8);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(announced()).toEqual([20, 10, 9, 5]);

    const last = etas.filter((r) => r.type === 'order:eta_update').at(-1)?.data;
    expect(eventCatalog['order:eta_update'].safeParse(last).success).toBe(true);
    const tracking = await t.rest('GET', `/orders/${orderId}/tracking`, { as: w.tokens.customer });
    expect(tracking.body).toMatchObject({
      etaMinutes: 5,
      estimatedDeliveryTime: last?.estimatedDeliveryTime,
      driverLatitude: minutesAway(5.2).latitude,
      driverLongitude: minutesAway(5.2).longitude,
      lastLocationUpdate: expect.any(String),
    });
  });

  it('refuses bad fixes with validation_failed, saying which rule, and keeps the connection', async () => {
    const t = await serverWith();
    const w = await ordersWorld(t);
    await assignedOrder(w);
    const driver = await connected(t, w.tokens.driver);
    const lastAt = fixClock()();
    await driver.rpc('driver.location', { ...KITCHEN, accuracy: 10, timestamp: lastAt });

    const refused: Array<[unknown, RegExp]> = [
      [{ latitude: 91, longitude: 72.8 }, /^latitude/],
      [{ latitude: null, longitude: 72.8 }, /^latitude/],
      [{ latitude: 19, longitude: -180.5 }, /^longitude/],
      [{ longitude: 72.8 }, /^latitude/],
      [{ ...KITCHEN, heading: 400 }, /^heading/],
      [{ ...KITCHEN, timestamp: 'yesterday' }, /^timestamp/],
      [{ ...KITCHEN, accuracy: 150 }, /^accuracy: 150 m is worse than the 100 m/],
      [{ ...KITCHEN, timestamp: Date.now() + 5 * 60_000 }, /^timestamp: \d+ s in the future/],
      [{ ...KITCHEN, timestamp: lastAt }, /^stale: /],
      [{ ...KITCHEN, timestamp: lastAt - 1 }, /^stale: /],
      // 10 km in 60 s: about 600 km/h.
      [
        { latitude: KITCHEN.latitude + 10 / KM_PER_DEGREE, longitude: KITCHEN.longitude, timestamp: lastAt + 60_000 },
        /^implausible jump: moving \d+ km\/h since the last fix exceeds 200 km\/h/,
      ],
      ['not an object', /^location: /],
    ];
    for (const [data, message] of refused) {
      const error = await rpcError(driver, data);
      expect(error.code, JSON.stringify(data)).toBe(107);
      expect(error.message, JSON.stringify(data)).toMatch(message);
    }

    // REST says the same with 400; a non-finite number in raw JSON is refused too.
    const rest = await t.rest('POST', '/drivers/me/location', {
      as: w.tokens.driver,
      body: { ...KITCHEN, accuracy: 500 },
    });
    expect(rest.status).toBe(400);
    expect(rest.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/^accuracy/) });
    const infinite = await fetch(`${t.url}/drivers/me/location`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${w.tokens.driver}`, 'Content-Type': 'application/json' },
      body: '{"latitude":1e999,"longitude":72.8}',
    });
    expect(infinite.status).toBe(400);

    // Still connected, and a good fix goes through: 50 m in half a second would be 360 km/h, but
    // it is within the two fixes' accuracy radii (10 m + 60 m), so it is GPS wander, not a jump.
    expect(driver.state).toBe('connected');
    const ok = await driver.rpc('driver.location', {
      latitude: KITCHEN.latitude + 0.05 / KM_PER_DEGREE,
      longitude: KITCHEN.longitude,
      accuracy: 60,
      timestamp: lastAt + 500,
    });
    expect(ok.data).toMatchObject({ accepted: true });
  });

  it('takes locations from drivers only, and an orderId only for one of their active orders', async () => {
    const t = await serverWith();
    const w = await ordersWorld(t);
    const mine = await assignedOrder(w);
    const theirs = await assignedOrder(w, w.ids.otherDriver);
    const customer = await t.rest('POST', '/drivers/me/location', { as: w.tokens.customer, body: KITCHEN });
    expect(customer.status).toBe(403);
    expect(customer.body.error?.code).toBe('forbidden');
    const api = await t.rest('POST', '/drivers/me/location', { as: 'api', body: KITCHEN });
    expect(api.status).toBe(403);
    const chef = await connected(t, w.tokens.chef);
    expect((await rpcError(chef, KITCHEN)).code).toBe(103);

    const driver = await connected(t, w.tokens.driver);
    const wrong = await rpcError(driver, { ...KITCHEN, orderId: theirs });
    expect(wrong).toMatchObject({ code: 103, message: expect.stringContaining(theirs) });
    const named = await driver.rpc('driver.location', { ...KITCHEN, orderId: mine });
    expect(named.data).toMatchObject({ accepted: true, orderIds: [mine] });
    expect(driver.state).toBe('connected');
  });

  it('stops publishing to an order at once when its driver is reassigned (the new one takes over) or it ends', async () => {
    const t = await serverWith();
    const w = await ordersWorld(t);
    const orderId = await assignedOrder(w);
    const watched = await follow(await connected(t, w.tokens.customer), `tracking:${orderId}`);
    const first = await connected(t, w.tokens.driver);
    const second = await connected(t, w.tokens.otherDriver);
    const firstClock = fixClock();
    const secondClock = fixClock();

    await first.rpc('driver.location', { ...KITCHEN, timestamp: firstClock() });
    // The second driver's (empty) order list is cached now.
    expect((await second.rpc('driver.location', { ...CUSTOMER, timestamp: secondClock() })).data).toMatchObject({
      orderIds: [],
    });
    await waitUntil(() => watched.length === 1);

    await w.assign(orderId, w.ids.otherDriver);
    const old = await first.rpc('driver.location', { ...KITCHEN, timestamp: firstClock() });
    expect(old.data).toEqual({ accepted: true, orderIds: [] });
    // The new driver's cached (empty) list is dropped as soon as the reassignment is read back.
    await eventually(
      async () => (await second.rpc('driver.location', { ...CUSTOMER, timestamp: secondClock(1_000) })).data,
      (data) => (data as { orderIds: string[] }).orderIds.includes(orderId),
      1_000,
    );
    await waitUntil(() => watched.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(watched.map((r) => r.data.driverId)).toEqual([w.ids.driver, w.ids.otherDriver]);

    // Cancelled: the order leaves the driver's orders at once, cache or not.
    await t.rest('POST', `/orders/${orderId}/cancel`, { as: w.tokens.support, body: { reason: 'test' } });
    const after = await second.rpc('driver.location', { ...CUSTOMER, timestamp: secondClock(1_000) });
    expect(after.data).toEqual({ accepted: true, orderIds: [] });
  });

  it('rate limits each driver to one accepted update per second: 429 / 111 rate_limited, connection kept', async () => {
    const t = await serverWith({ locationMinIntervalMs: undefined });
    const w = await ordersWorld(t);
    await assignedOrder(w);
    const body = (timestamp: number) => ({ ...KITCHEN, timestamp });
    const next = fixClock();
    expect((await t.rest('POST', '/drivers/me/location', { as: w.tokens.driver, body: body(next()) })).status).toBe(
      200,
    );
    const limited = await t.rest('POST', '/drivers/me/location', { as: w.tokens.driver, body: body(next()) });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', details: { retryAfterMs: expect.any(Number) } });

    const driver = await connected(t, w.tokens.driver);
    expect(await rpcError(driver, body(next()))).toMatchObject({ code: 111 });
    expect(driver.state).toBe('connected');
    // A refused update takes nothing from the allowance: once the second is up, one gets through.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await driver.rpc('driver.location', body(next()))).data).toMatchObject({ accepted: true });
    expect((await rpcError(driver, body(next()))).code).toBe(111);
  });

  it('keeps the last N trail points and the latest fix in the store, and checks new fixes against it after a restart', async () => {
    const database = await createTestDatabase({ persistent: true });
    cleanup.push(() => database.drop());
    const store = await openStore(database.url);
    cleanup.push(() => store.close());
    const trail = (): Promise<Array<{ recorded_at: string }>> =>
      store.db
        .selectFrom('driver_location_trail')
        .select(['recorded_at'])
        .where('driver_id', '=', 'drv-9')
        .orderBy('recorded_at')
        .execute();
    const next = fixClock();
    const times: number[] = [];

    const first = await serverWith({ databaseUrl: database.url, locationTrailLength: 5, locationFlushIntervalMs: 20 });
    const token = await first.token('drv-9', 'driver');
    for (let i = 0; i < 8; i++) {
      times.push(next(10_000));
      const position = { latitude: KITCHEN.latitude + i * 0.0005, longitude: KITCHEN.longitude };
      const reply = await first.rest('POST', '/drivers/me/location', {
        as: token,
        body: { ...position, timestamp: times.at(-1) },
      });
      expect(reply.body).toEqual({ accepted: true, orderIds: [] });
    }
    const iso = (ms: number) => new Date(ms).toISOString();
    let rows = await eventually(trail, (r) => r.length === 5 && r.at(-1)?.recorded_at === iso(times[7] ?? 0));
    expect(rows.map((r) => r.recorded_at)).toEqual(times.slice(3).map(iso));
    await first.close();

    const second = await serverWith({ databaseUrl: database.url, locationTrailLength: 5, locationFlushIntervalMs: 20 });
    const again = await second.rest('POST', '/drivers/me/location', {
      as: token,
      body: { ...KITCHEN, timestamp: times[6] },
    });
    expect(again.status).toBe(400);
    expect(again.body.error?.message).toMatch(/^stale/);
    const later = next(10_000);
    const ok = await second.rest('POST', '/drivers/me/location', {
      as: token,
      body: { latitude: KITCHEN.latitude + 8 * 0.0005, longitude: KITCHEN.longitude, timestamp: later },
    });
    expect(ok.status).toBe(200);
    rows = await eventually(trail, (r) => r.at(-1)?.recorded_at === iso(later));
    expect(rows.map((r) => r.recorded_at)).toEqual([...times.slice(4), later].map(iso));
  });
});

describe('per-driver pacing and memory', () => {
  it('lets a 1 Hz GPS with network jitter through, but never two updates back to back or more than one a second', () => {
    const pacer = new UpdatePacer(1_000);
    let nextDueMs = 0;
    let accepted = 0;
    // Sent every second, arriving up to 120 ms early or late (so as little as 760 ms apart).
    for (let i = 1; i <= 100; i++) {
      const at = 10_000 + i * 1_000 + (i % 2 === 0 ? -120 : 120);
      expect(pacer.allows(nextDueMs, at), `update ${i}`).toBe(true);
      nextDueMs = pacer.next(nextDueMs, at);
      accepted++;
      expect(pacer.allows(nextDueMs, at + 10), `a second one right after update ${i}`).toBe(false);
    }
    expect(accepted).toBe(100);
    // Flooding: one accepted per interval however many are sent.
    let flooded = 0;
    for (let at = 200_000; at < 210_000; at += 10) {
      if (!pacer.allows(nextDueMs, at)) continue;
      nextDueMs = pacer.next(nextDueMs, at);
      flooded++;
    }
    expect(flooded).toBeLessThanOrEqual(11);
    expect(new UpdatePacer(0).allows(Number.MAX_SAFE_INTEGER, 0)).toBe(true);
  });

  it('forgets drivers idle for longer than the eviction time, and loads each driver once', async () => {
    let loads = 0;
    const states = new DriverStates(async () => {
      loads++;
      return { lastFix: undefined, nextTrailSlot: 0 };
    });
    const [a, again] = await Promise.all([states.get('a'), states.get('a')]);
    expect(a).toBe(again);
    expect(loads).toBe(1);
    await states.get('b');
    a.lastSeenMs = Date.now() - 11 * 60_000;
    expect(states.evictIdle(Date.now(), 10 * 60_000)).toBe(1);
    expect(states.peek('a')).toBeUndefined();
    expect(states.peek('b')).toBeDefined();
    expect(states.size).toBe(1);
  });
});
