import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { closePlainWsClients, PlainWsTestClient } from './support/plain-ws.js';
import { waitUntil } from './support/wait.js';

/** Seed 001's five messages on `/api/ws`, from real domain changes. */
describe('plain WebSocket face: seed 001 messages', () => {
  let t: TestServer;
  let w: OrdersWorld;

  beforeEach(async () => {
    t = await startTestServer();
    w = await ordersWorld(t);
  });
  afterEach(async () => {
    closePlainWsClients();
    await t.close();
  });

  /** Every message before it has been sent once the pong is back. */
  const settle = async (client: PlainWsTestClient): Promise<void> => {
    await client.request({ type: 'ping' }, 'pong');
  };

  it("follows the customer's open orders: order_updated {orderId, order} with the order as GET /orders/:id returns it", async () => {
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    const client = await PlainWsTestClient.connect(t, w.tokens.customer);
    expect(client.messages[0]?.data?.channels).toEqual(['user:cust-1', 'catalog', `order:${orderId}`]);
    // Each open order is sent once as it is when the socket connects.
    expect((await client.next('order_updated')).data).toMatchObject({
      orderId,
      order: { status: 'payment_confirmed' },
    });

    await w.move(orderId, 'accepted', w.tokens.chef);
    const message = await client.next('order_updated', 2);
    const rest = await t.rest('GET', `/orders/${orderId}`, { as: w.tokens.customer });
    expect(message).toEqual({ type: 'order_updated', data: { orderId, order: rest.body } });
    expect(rest.body.status).toBe('accepted');

    await w.move(orderId, 'preparing', w.tokens.chef);
    await w.assign(orderId, w.ids.driver);
    await client.next('order_updated', 4);
    await settle(client);
    // The state at connect, then one per status change, one for the driver assignment; in order.
    expect(client.ofType('order_updated').map((m) => [(m.data?.order as { status: string }).status])).toEqual([
      ['payment_confirmed'],
      ['accepted'],
      ['preparing'],
      ['preparing'],
    ]);
    expect((client.ofType('order_updated')[3]?.data?.order as { driverId: string }).driverId).toBe(w.ids.driver);
  });

  it('a socket that reconnects after a drop gets every open order as it is now, whatever it missed', async () => {
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    const first = await PlainWsTestClient.connect(t, w.tokens.customer);
    await first.next('order_updated');
    first.ws.terminate();
    await first.closed;
    // Changes while the customer is away.
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'preparing', w.tokens.chef);
    const again = await PlainWsTestClient.connect(t, w.tokens.customer);
    const current = await again.next('order_updated');
    const rest = await t.rest('GET', `/orders/${orderId}`, { as: w.tokens.customer });
    expect(current).toEqual({ type: 'order_updated', data: { orderId, order: rest.body } });
    expect(rest.body.status).toBe('preparing');
    // And it goes on live from there.
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    expect((await again.next('order_updated', 2)).data).toMatchObject({ order: { status: 'ready_for_pickup' } });
  });

  it('picks up a new order from the user channel (chef), and stops following it once it is over', async () => {
    const chef = await PlainWsTestClient.connect(t, w.tokens.chef);
    expect(chef.messages[0]?.data?.channels).toEqual(['user:chef-1', 'catalog']);
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    const first = await chef.next('order_updated');
    expect(first.data).toMatchObject({ orderId, order: { id: orderId, status: 'payment_confirmed' } });

    await w.move(orderId, 'accepted', w.tokens.chef);
    expect((await chef.next('order_updated', 2)).data).toMatchObject({ order: { status: 'accepted' } });
    await w.move(orderId, 'cancelled', w.tokens.support, 'customer asked');
    expect((await chef.next('order_updated', 3)).data).toMatchObject({ order: { status: 'cancelled' } });
    await waitUntil(() => Object.keys(t.server.hub.channels(`order:${orderId}`)).length === 0);
    await settle(chef);
    // The cancellation notice on the chef's user channel does not bring the order back.
    expect(chef.ofType('order_updated')).toHaveLength(3);
  });

  it('sends store_updated and store_availability_changed from the catalog, once each', async () => {
    const client = await PlainWsTestClient.connect(t, w.tokens.otherCustomer);
    // Following the store's own channel as well does not double the store messages.
    expect(await client.request({ type: 'subscribe', data: { channel: `store:${w.storeId}` } }, 'subscribed')).toEqual({
      type: 'subscribed',
      data: { channel: `store:${w.storeId}` },
    });
    const patched = await t.rest('PATCH', `/stores/${w.storeId}`, { as: w.tokens.chef, body: { isActive: false } });
    expect(patched.status).toBe(200);
    await settle(client);
    const store = (await t.rest('GET', `/stores/${w.storeId}`, { as: w.tokens.otherCustomer })).body;
    expect(client.messages.slice(2, -1)).toEqual([
      { type: 'store_updated', data: { storeId: w.storeId, store } },
      { type: 'store_availability_changed', data: { storeId: w.storeId, isActive: false } },
    ]);
  });

  it('sends product_updated and product_availability_changed for a subscribed store only, until unsubscribed', async () => {
    const client = await PlainWsTestClient.connect(t, w.tokens.otherCustomer);
    await t.rest('PATCH', '/products/dosa', { as: w.tokens.chef, body: { priceMinor: 12500 } });
    await settle(client);
    expect(client.ofType('product_updated')).toEqual([]);

    await client.request({ type: 'subscribe', data: { channel: `store:${w.storeId}` } }, 'subscribed');
    // A price change is announced by two envelopes (product:updated, product:price_update): one message.
    await t.rest('PATCH', '/products/thali', { as: w.tokens.chef, body: { priceMinor: 19000 } });
    await settle(client);
    const thali = (await t.rest('GET', '/products/thali', { as: w.tokens.otherCustomer })).body;
    expect(thali.priceMinor).toBe(19000);
    expect(client.ofType('product_updated')).toEqual([
      { type: 'product_updated', data: { storeId: w.storeId, product: thali } },
    ]);

    await t.rest('PATCH', '/products/thali', { as: w.tokens.chef, body: { available: false } });
    await settle(client);
    expect(client.ofType('product_updated')).toHaveLength(2);
    expect(client.ofType('product_availability_changed')).toEqual([
      {
        type: 'product_availability_changed',
        data: { storeId: w.storeId, productId: 'thali', available: false },
      },
    ]);

    expect(
      await client.request({ type: 'unsubscribe', data: { channel: `store:${w.storeId}` } }, 'unsubscribed'),
    ).toEqual({ type: 'unsubscribed', data: { channel: `store:${w.storeId}` } });
    await t.rest('PATCH', '/products/thali', { as: w.tokens.chef, body: { available: true } });
    await settle(client);
    expect(client.ofType('product_updated')).toHaveLength(2);
    expect(client.ofType('product_availability_changed')).toHaveLength(1);
  });

  it('refuses an order the user may not see, as the native face does, and lets its participants follow it', async () => {
    const orderId = await w.placeOrder();
    const stranger = await PlainWsTestClient.connect(t, w.tokens.otherCustomer);
    expect(await stranger.request({ type: 'subscribe', data: { channel: `order:${orderId}` } }, 'subscribed')).toEqual({
      type: 'error',
      data: {
        code: 'permission_denied',
        message: `not allowed to subscribe to "order:${orderId}"`,
        channel: `order:${orderId}`,
      },
    });
    const support = await PlainWsTestClient.connect(t, w.tokens.support);
    // Support follows no orders by itself, only those it asks for.
    expect(support.messages[0]?.data?.channels).toEqual(['user:sup-1', 'catalog']);
    await support.request({ type: 'subscribe', data: { channel: `order:${orderId}` } }, 'subscribed');
    await w.move(orderId, 'payment_confirmed', 'api');
    expect((await support.next('order_updated')).data).toMatchObject({
      orderId,
      order: { status: 'payment_confirmed' },
    });
    await settle(stranger);
    expect(stranger.ofType('order_updated')).toEqual([]);
  });
});
