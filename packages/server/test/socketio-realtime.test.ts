import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { closeSioClients, collect, connectSio, emitWithAck, nextEvent, sioClient } from './support/socketio.js';
import { waitUntil } from './support/wait.js';

describe('Socket.IO /realtime (seed 003)', () => {
  let t: TestServer;
  let w: OrdersWorld;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn', locationMinIntervalMs: 0 });
    w = await ordersWorld(t);
  });
  afterEach(async () => {
    closeSioClients();
    await t.close();
  });

  it('tells a new socket who it is in `connected`', async () => {
    const socket = sioClient(t, '/realtime', { token: w.tokens.customer });
    const connected = nextEvent(socket, 'connected');
    await connectSio(socket);
    expect(await connected).toEqual({ userId: w.ids.customer, role: 'customer', socketId: socket.id });
  });

  it('works over long-polling alone', async () => {
    const socket = sioClient(t, '/realtime', { token: w.tokens.chef, transports: ['polling'] });
    const connected = nextEvent(socket, 'connected');
    await connectSio(socket);
    expect(socket.io.engine.transport.name).toBe('polling');
    expect(await connected).toMatchObject({ userId: w.ids.chef, role: 'chef' });
    const newOrder = nextEvent<{ orderId: string }>(socket, 'order:new');
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    expect((await newOrder).orderId).toBe(orderId);
  });

  it('subscribe:order is acknowledged for the customer, refused to a stranger and to another order’s driver', async () => {
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.assign(orderId, w.ids.driver);

    const results: Record<string, unknown> = {};
    for (const who of ['customer', 'otherCustomer', 'driver', 'otherDriver'] as const) {
      const socket = sioClient(t, '/realtime', { token: w.tokens[who] });
      await connectSio(socket);
      results[who] = await emitWithAck(socket, 'subscribe:order', { orderId });
    }
    expect(results.customer).toEqual({ ok: true });
    expect(results.driver).toEqual({ ok: true });
    for (const who of ['otherCustomer', 'otherDriver']) {
      expect(results[who], who).toEqual({
        ok: false,
        error: { code: 'permission_denied', message: expect.stringContaining(`order:${orderId}`) },
      });
    }
    // An order that does not exist is refused the same way: no one learns which ids exist.
    const stranger = sioClient(t, '/realtime', { token: w.tokens.otherCustomer });
    await connectSio(stranger);
    expect(await emitWithAck(stranger, 'subscribe:order', { orderId: 'no-such-order' })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
  });

  it('a refused subscribe:order without an acknowledgement answers with an `error` event', async () => {
    const orderId = await w.placeOrder();
    const socket = sioClient(t, '/realtime', { token: w.tokens.otherCustomer });
    await connectSio(socket);
    const error = nextEvent(socket, 'error');
    socket.emit('subscribe:order', { orderId });
    expect(await error).toMatchObject({ event: 'subscribe:order', code: 'permission_denied' });
  });

  it('the kitchen hears order:new, the driver driver:new_assignment, the customer every order:status_update once', async () => {
    const customer = sioClient(t, '/realtime', { token: w.tokens.customer });
    const chef = sioClient(t, '/realtime', { token: w.tokens.chef });
    const driver = sioClient(t, '/realtime', { token: w.tokens.driver });
    await Promise.all([customer, chef, driver].map((s) => connectSio(s)));
    const newOrders = collect<{ orderId: string; storeId: string }>(chef, 'order:new');
    const assignments = collect<{ orderId: string }>(driver, 'driver:new_assignment');
    const updates = collect<{ orderId: string; status: string; previousStatus: string | null }>(
      customer,
      'order:status_update',
    );

    const orderId = await w.placeOrder();
    expect(await emitWithAck(customer, 'subscribe:order', { orderId })).toEqual({ ok: true });
    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    await w.assign(orderId, w.ids.driver);
    await waitUntil(() => updates.length === 4 && assignments.length === 1 && newOrders.length === 1);
    expect(updates.map((u) => u.status)).toEqual([
      'payment_confirmed',
      'accepted',
      'ready_for_pickup',
      'assigned_to_driver',
    ]);
    expect(updates[0]).toMatchObject({ orderId, previousStatus: 'pending' });
    expect(newOrders[0]).toMatchObject({ orderId, storeId: w.storeId });
    expect(assignments[0]).toMatchObject({ orderId });

    expect(await emitWithAck(customer, 'unsubscribe:order', { orderId })).toEqual({ ok: true });
    // The customer's user channel still speaks (after the status update would have): the order's channel does not.
    const notice = nextEvent<{ type: string }>(customer, 'notification');
    await w.move(orderId, 'picked_up', w.tokens.driver);
    expect((await notice).type).toBe('order_picked_up');
    expect(updates).toHaveLength(4);
  });

  it('driver:location is acknowledged to the driver; followers get driver:location_update and order:eta_update', async () => {
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.assign(orderId, w.ids.driver);

    const customer = sioClient(t, '/realtime', { token: w.tokens.customer });
    const driver = sioClient(t, '/realtime', { token: w.tokens.driver });
    await Promise.all([connectSio(customer), connectSio(driver)]);
    expect(await emitWithAck(customer, 'subscribe:order', { orderId })).toEqual({ ok: true });
    const locations = collect<Record<string, unknown>>(customer, 'driver:location_update');
    const etas = collect<Record<string, unknown>>(customer, 'order:eta_update');

    const acknowledged = nextEvent<Record<string, unknown>>(driver, 'driver:location_acknowledged');
    driver.emit('driver:location', { latitude: 19.058, longitude: 72.831, orderId });
    expect(await acknowledged).toMatchObject({ accepted: true, orderIds: [orderId] });
    await waitUntil(() => locations.length === 1 && etas.length === 1);
    expect(locations[0]).toMatchObject({ orderId, driverId: w.ids.driver, latitude: 19.058, longitude: 72.831 });
    expect(etas[0]).toMatchObject({ orderId, etaMinutes: expect.any(Number) });

    // A customer cannot send locations; a bad fix is refused with the field named.
    const refused = nextEvent<Record<string, unknown>>(customer, 'error');
    customer.emit('driver:location', { latitude: 19.058, longitude: 72.831, orderId });
    expect(await refused).toMatchObject({ event: 'driver:location', code: 'forbidden' });
    const invalid = nextEvent<Record<string, unknown>>(driver, 'error');
    driver.emit('driver:location', { latitude: 123, longitude: 72.831, orderId });
    expect(await invalid).toMatchObject({ event: 'driver:location', code: 'validation_failed' });
  });
});
