import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { HAPPY_PATH } from '@dabba/protocol';
import type { TrackingSnapshot } from '@dabba/protocol';
import type { OrderTracker, OrderTrackingState } from '../src/index.js';
import type { TrackingPayload } from '../../server/src/domain/orders/tracking.js';
import { startTestServer, type TestServer } from '../../server/test/support/fixture.js';
import { ordersWorld, type OrdersWorld } from '../../server/test/support/orders-world.js';
import { redirectingWebSocket } from '../../server/test/support/redirecting-websocket.js';
import { createTestDatabase } from '../../server/test/support/test-database.js';
import { closeClients, isStatus, stateWhere, testClient, until } from './support.js';

// The server's payload and the protocol's schema describe the same object.
expectTypeOf<TrackingPayload>().toMatchTypeOf<TrackingSnapshot>();
expectTypeOf<TrackingSnapshot>().toMatchTypeOf<TrackingPayload>();

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  closeClients();
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(databaseUrl?: string): Promise<TestServer> {
  const t = await startTestServer({ logLevel: 'warn', databaseUrl, locationMinIntervalMs: 0 });
  cleanup.push(() => t.close());
  return t;
}

function stateOf(tracker: OrderTracker, condition: (s: OrderTrackingState) => boolean, what: string) {
  return until(tracker.subscribe, () => (condition(tracker.getState()) ? tracker.getState() : undefined), 5000, what);
}

const statuses = (s: OrderTrackingState) => s.history.map((h) => h.status);

/**
 * A `fetch` that can hold tracking calls back: `request` holds the call before it reaches the
 * server (the snapshot is read later), `response` holds its reply (the snapshot was read, its
 * reply arrives later). Either way events can overtake it.
 */
function gatedFetch() {
  const gate = { hold: 'none' as 'none' | 'request' | 'response', held: [] as Array<() => void>, requests: 0 };
  const wait = () => new Promise<void>((resolve) => gate.held.push(resolve));
  const fetchFn: typeof fetch = async (input, init) => {
    gate.requests++;
    const mode = gate.hold;
    if (mode === 'request') await wait();
    const response = await fetch(input, init);
    if (mode === 'response') await wait();
    return response;
  };
  const heldOne = async () => {
    // Nothing announces that fetch was called: poll the gate.
    while (gate.held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const release = () => {
    gate.hold = 'none';
    for (const resolve of gate.held.splice(0)) resolve();
  };
  return { fetchFn, gate, heldOne, release };
}

async function driverAt(t: TestServer, w: OrdersWorld, orderId: string, latitude: number, longitude: number) {
  const driver = testClient(t, { token: w.tokens.driver });
  await stateWhere(driver, isStatus('connected'));
  const reply = await driver.call('driver.location', { latitude, longitude, orderId });
  driver.close();
  return reply;
}

describe('trackOrder', () => {
  it('follows an order through its life: status, history, driver, position and ETA', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    const client = testClient(t, { token: w.tokens.customer });
    const tracker = client.trackOrder(orderId);
    expect(tracker.getState()).toMatchObject({ orderId, phase: 'loading', status: undefined });

    const live = await stateOf(tracker, (s) => s.phase === 'live', 'first snapshot');
    expect(live).toMatchObject({ status: 'payment_confirmed', snapshots: 1, driver: undefined });
    expect(live.snapshot).toMatchObject({ orderId, chefBusinessName: "Ravi's Dabba Kitchen" });

    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'preparing', w.tokens.chef);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    await w.assign(orderId, w.ids.driver);
    const assigned = await stateOf(
      tracker,
      (s) => s.status === 'assigned_to_driver' && s.driver?.name !== undefined,
      'assignment',
    );
    expect(assigned.driver).toMatchObject({ id: w.ids.driver, name: 'Meera', assignedAt: expect.any(String) });

    await w.move(orderId, 'picked_up', w.tokens.driver);
    await w.move(orderId, 'in_transit', w.tokens.driver);
    await driverAt(t, w, orderId, 19.058, 72.835);
    const moving = await stateOf(
      tracker,
      (s) => s.driver?.position !== undefined && s.eta !== undefined,
      'position and ETA',
    );
    expect(moving.driver?.position).toMatchObject({ latitude: 19.058, longitude: 72.835 });
    expect(moving.eta).toMatchObject({ minutes: expect.any(Number), estimatedDeliveryTime: expect.any(String) });

    await w.move(orderId, 'delivered', w.tokens.driver);
    const delivered = await stateOf(tracker, (s) => s.status === 'delivered', 'delivery');
    const snapshot = (await t.rest('GET', `/orders/${orderId}/tracking`, { as: w.tokens.customer })).body;
    expect(delivered.history).toEqual(snapshot.statusHistory);
    expect(statuses(delivered)).toEqual([...HAPPY_PATH]);
    expect(delivered.snapshots).toBe(1);

    tracker.close();
    expect(tracker.getState().phase).toBe('closed');
    expect(client.centrifuge.subscriptions()).toEqual({});
  });

  it('an event that overtakes the snapshot is neither lost nor applied twice', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const orderId = await w.placeOrder();
    const { fetchFn, gate, heldOne, release } = gatedFetch();

    /** Tracks the order while `change` happens between the snapshot's request and its reply. */
    const trackAcross = async (hold: 'request' | 'response', change: () => Promise<unknown>) => {
      const client = testClient(t, { token: w.tokens.customer, fetch: fetchFn });
      const probe = client.subscribe(`order:${orderId}`);
      let events = 0;
      probe.on('order:status_update', () => events++);
      gate.hold = hold;
      const tracker = client.trackOrder(orderId);
      await heldOne();
      await change();
      await until(
        (listener) => probe.on('order:status_update', listener),
        () => events === 1,
        5000,
        'the event',
      );
      expect(tracker.getState().phase).toBe('loading');
      release();
      const live = await stateOf(tracker, (s) => s.phase === 'live', 'snapshot');
      client.close();
      return live;
    };

    // Read before the change, replied after its event: the event must not be lost.
    const first = await trackAcross('response', () => w.move(orderId, 'payment_confirmed', 'api'));
    expect(statuses(first)).toEqual(['pending', 'payment_confirmed']);
    expect(first.status).toBe('payment_confirmed');
    expect(first.snapshot?.status).toBe('pending');

    // Read after the change (the snapshot has it) and its event came first: applied once.
    const second = await trackAcross('request', () => w.move(orderId, 'accepted', w.tokens.chef));
    expect(second.snapshot?.status).toBe('accepted');
    expect(statuses(second)).toEqual(['pending', 'payment_confirmed', 'accepted']);
    expect(gate.requests).toBe(2);
  });

  it('recovers a dropped connection without a refetch, and refetches when a resubscribe cannot recover', async () => {
    const db = await createTestDatabase({ persistent: true });
    cleanup.push(() => db.drop());
    const first = await server(db.url);
    const w = await ordersWorld(first);
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    const redirect = redirectingWebSocket(first.wsUrl);
    cleanup.push(() => redirect.close());
    let current = first;
    const client = testClient(first, {
      token: w.tokens.customer,
      websocket: redirect.WebSocket,
      // REST follows the current server too.
      fetch: (input, init) => fetch(String(input).replace(first.url, current.url), init),
    });
    const tracker = client.trackOrder(orderId);
    await stateOf(tracker, (s) => s.phase === 'live', 'first snapshot');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await stateOf(tracker, (s) => s.status === 'accepted', 'accepted');

    // A drop on the same server: the channel's history has what was missed.
    await first.api('disconnect', { user: w.ids.customer, disconnect: { code: 3011, reason: 'force reconnect' } });
    await stateWhere(client, isStatus('reconnecting'));
    await w.move(orderId, 'preparing', w.tokens.chef);
    await stateWhere(client, isStatus('connected'));
    const recovered = await stateOf(tracker, (s) => s.status === 'preparing', 'preparing, recovered');
    expect(recovered.snapshots).toBe(1);

    // A restart: the new server's history starts over, so the resubscribe cannot recover.
    await redirect.park();
    await first.close();
    const second = await server(db.url);
    current = second;
    await moveOn(second, orderId, 'ready_for_pickup', w.tokens.chef);
    redirect.target.url = second.wsUrl;
    const refetched = await stateOf(tracker, (s) => s.snapshots === 2 && s.phase === 'live', 'refetch');
    expect(refetched.status).toBe('ready_for_pickup');
    expect(statuses(refetched)).toEqual(['pending', 'payment_confirmed', 'accepted', 'preparing', 'ready_for_pickup']);

    // And it follows live on the new server.
    await moveOn(second, orderId, 'cancelled', w.tokens.support, 'kitchen closed');
    const final = await stateOf(tracker, (s) => s.status === 'cancelled', 'cancelled');
    const snapshot = (await second.rest('GET', `/orders/${orderId}/tracking`, { as: w.tokens.customer })).body;
    expect(final.history).toEqual(snapshot.statusHistory);
  });

  it('an order that cannot be followed is an error state and an error event', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const client = testClient(t, { token: w.tokens.customer });
    const errors: Error[] = [];
    client.onError((error) => errors.push(error));
    const tracker = client.trackOrder('no-such-order');
    // The subscription is refused (unknown order), so no snapshot is asked for: REST says why.
    await expect(client.fetchTracking('no-such-order')).rejects.toMatchObject({
      code: 'snapshot_failed',
      details: { status: 404 },
    });
    await until(client.onError, () => errors.length > 0 || undefined, 5000, 'an error');
    expect(errors[0]).toMatchObject({ code: 'subscribe_failed' });
    expect(tracker.getState()).toMatchObject({ phase: 'error', error: { code: 'subscribe_failed' } });
  });
});

async function moveOn(t: TestServer, orderId: string, status: string, as: string, reason?: string) {
  const reply = await t.rest('POST', `/orders/${orderId}/status`, { as, body: { status, reason } });
  if (reply.status !== 200) throw new Error(`→ ${status} failed: ${JSON.stringify(reply.body)}`);
  return reply;
}
