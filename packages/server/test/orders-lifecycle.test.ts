import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PublicationContext } from 'centrifuge';
import { waitUntil } from './support/wait.js';
import { once, startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';

describe('order lifecycle over REST, watched by real clients', () => {
  let t: TestServer;
  let w: OrdersWorld;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    w = await ordersWorld(t);
  });
  afterEach(() => t.close());

  it("walks seed 003's path; the customer sees every status once and in order, the kitchen and driver get their alerts", async () => {
    const customer = t.centrifuge({ token: w.tokens.customer });
    const chef = t.centrifuge({ token: w.tokens.chef });
    const driver = t.centrifuge({ token: w.tokens.driver });
    const alerts: Record<string, Array<{ type?: string; data: unknown }>> = { customer: [], chef: [], driver: [] };
    const record = (who: string) => (ctx: PublicationContext) =>
      alerts[who]?.push({ type: ctx.tags?.type, data: ctx.data });
    customer.on('publication', record('customer'));
    chef.on('publication', record('chef'));
    driver.on('publication', record('driver'));
    // Alerts go to user channels from now on: each client must be connected before the order moves.
    const connected = [customer, chef, driver].map((client) => once(client, 'connected'));
    for (const client of [customer, chef, driver]) client.connect();
    await Promise.all(connected);

    const orderId = await w.placeOrder();
    const statuses: string[] = [];
    const sub = customer.newSubscription(`order:${orderId}`);
    sub.on('publication', (ctx) => {
      if (ctx.tags?.type === 'order:status_update') statuses.push((ctx.data as { status: string }).status);
    });
    sub.subscribe();
    await sub.ready(5000);

    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    const assigned = await w.assign(orderId, w.ids.driver);
    expect(assigned.body.status).toBe('assigned_to_driver');
    await w.move(orderId, 'picked_up', w.tokens.driver);
    await w.move(orderId, 'in_transit', w.tokens.driver);
    await w.move(orderId, 'delivered', w.tokens.driver);

    const path = [
      'payment_confirmed',
      'accepted',
      'ready_for_pickup',
      'assigned_to_driver',
      'picked_up',
      'in_transit',
      'delivered',
    ];
    await waitUntil(() => statuses.length === path.length);
    expect(statuses).toEqual(path);
    await waitUntil(() => alerts.chef?.some((a) => a.type === 'order:new') === true);
    await waitUntil(() => alerts.driver?.some((a) => a.type === 'driver:new_assignment') === true);
    const notices = () =>
      (alerts.customer ?? []).filter((a) => a.type === 'notification').map((a) => (a.data as { type: string }).type);
    await waitUntil(() => notices().includes('order_delivered'));
    expect(notices()).toEqual([
      'order_confirmed',
      'order_accepted',
      'order_ready',
      'order_picked_up',
      'order_delivered',
    ]);

    const tracking = await t.rest('GET', `/orders/${orderId}/tracking`, { as: w.tokens.customer });
    expect(tracking.status).toBe(200);
    expect(tracking.body).toMatchObject({
      orderId,
      orderNumber: expect.stringMatching(/^RND-\d{8}-\d{4}$/),
      status: 'delivered',
      customerName: 'Asha',
      chefName: 'Ravi',
      chefBusinessName: "Ravi's Dabba Kitchen",
      driverAssigned: true,
      driverName: 'Meera',
    });
    const history = tracking.body.statusHistory as Array<{ status: string }>;
    expect(history.map((h) => h.status)).toEqual(['pending', ...path]);
    for (const stamp of [
      'createdAt',
      'paymentConfirmedAt',
      'acceptedAt',
      'readyAt',
      'assignedAt',
      'pickedUpAt',
      'deliveredAt',
    ]) {
      expect(tracking.body[stamp], stamp).toEqual(expect.any(String));
    }
    const allowed = new Set([
      'orderId',
      'orderNumber',
      'status',
      'customerName',
      'deliveryAddress',
      'deliveryLatitude',
      'deliveryLongitude',
      'chefName',
      'chefBusinessName',
      'chefAddress',
      'chefLatitude',
      'chefLongitude',
      'driverAssigned',
      'driverName',
      'driverPhone',
      'driverLatitude',
      'driverLongitude',
      'lastLocationUpdate',
      'estimatedDeliveryTime',
      'etaMinutes',
      'statusHistory',
      'createdAt',
      'paymentConfirmedAt',
      'acceptedAt',
      'readyAt',
      'assignedAt',
      'pickedUpAt',
      'deliveredAt',
    ]);
    for (const key of Object.keys(tracking.body)) expect(allowed.has(key), key).toBe(true);
  });

  it('moves an early-assigned order to assigned_to_driver as soon as it is ready', async () => {
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'preparing', w.tokens.chef);
    expect((await w.assign(orderId, w.ids.driver)).body.status).toBe('preparing');
    expect((await w.move(orderId, 'ready_for_pickup', w.tokens.chef)).body.status).toBe('assigned_to_driver');
  });

  it('refuses a wrong transition with 409 and a wrong actor with 403, saying which and why', async () => {
    const orderId = await w.placeOrder();
    const skip = await t.rest('POST', `/orders/${orderId}/status`, { as: 'api', body: { status: 'delivered' } });
    expect(skip.status).toBe(409);
    expect(skip.body.error).toMatchObject({
      code: 'order_transition_invalid',
      message: expect.stringContaining('pending to delivered'),
    });
    const chefPays = await t.rest('POST', `/orders/${orderId}/status`, {
      as: w.tokens.chef,
      body: { status: 'payment_confirmed' },
    });
    expect(chefPays.status).toBe(403);
    expect(chefPays.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('system') });
    await w.move(orderId, 'payment_confirmed', 'api');
    const otherChef = await t.rest('POST', `/orders/${orderId}/status`, {
      as: w.tokens.otherChef,
      body: { status: 'accepted' },
    });
    expect(otherChef.status).toBe(404);
    const rejectWithoutReason = await t.rest('POST', `/orders/${orderId}/status`, {
      as: w.tokens.chef,
      body: { status: 'rejected' },
    });
    expect(rejectWithoutReason.status).toBe(400);
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    const noDriver = await t.rest('POST', `/orders/${orderId}/status`, {
      as: w.tokens.chef,
      body: { status: 'assigned_to_driver' },
    });
    expect(noDriver.status).toBe(409);
    expect(noDriver.body.error?.message).toContain('/assign');
  });

  it('lets a customer cancel before acceptance but not after; support cancels any live order with a reason', async () => {
    const first = await w.placeOrder();
    await w.move(first, 'payment_confirmed', 'api');
    const cancelled = await t.rest('POST', `/orders/${first}/cancel`, {
      as: w.tokens.customer,
      body: { reason: 'changed my mind' },
    });
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      cancelReason: 'changed my mind',
      cancelledBy: 'customer:cust-1',
    });

    const second = await w.placeOrder();
    await w.move(second, 'payment_confirmed', 'api');
    await w.move(second, 'accepted', w.tokens.chef);
    const late = await t.rest('POST', `/orders/${second}/cancel`, {
      as: w.tokens.customer,
      body: { reason: 'too slow' },
    });
    expect(late.status).toBe(403);
    const bySupport = await t.rest('POST', `/orders/${second}/cancel`, {
      as: w.tokens.support,
      body: { reason: 'kitchen fire' },
    });
    expect(bySupport.body).toMatchObject({ status: 'cancelled', cancelledBy: 'support:sup-1' });
  });

  it('answers validation errors with 400 and field paths', async () => {
    const reply = await t.rest('POST', '/orders', {
      as: w.tokens.customer,
      body: {
        storeId: w.storeId,
        items: [{ productId: 'x', name: 'x', quantity: 0, unitPriceMinor: 1 }],
        deliveryAddress: 'a',
        deliveryLatitude: 91,
        deliveryLongitude: 0,
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('validation_failed');
    const paths = (reply.body.error?.details as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['body.items.0.quantity', 'body.deliveryLatitude']));
    expect((await t.rest('GET', '/orders')).status).toBe(401);
    expect((await t.rest('GET', '/orders/nope', { as: w.tokens.customer })).status).toBe(404);
  });

  it('applies a retried POST once, returning the first response', async () => {
    const body = {
      storeId: w.storeId,
      items: [{ productId: 'dosa', name: 'Masala dosa', quantity: 1, unitPriceMinor: 12000 }],
      deliveryAddress: '5 Hill Road',
      deliveryLatitude: 19.05,
      deliveryLongitude: 72.84,
    };
    const headers = { 'Idempotency-Key': 'order-attempt-1' };
    const first = await t.rest('POST', '/orders', { as: w.tokens.customer, body, headers });
    const retry = await t.rest('POST', '/orders', { as: w.tokens.customer, body, headers });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const list = await t.rest('GET', '/orders', { as: w.tokens.customer });
    expect((list.body.orders as unknown[]).length).toBe(1);
    const elsewhere = await t.rest('POST', `/orders/${String(first.body.id)}/cancel`, {
      as: w.tokens.customer,
      body: { reason: 'x' },
      headers,
    });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error?.code).toBe('idempotency_conflict');
  });

  it('scopes order lists to what each role may see', async () => {
    const orderId = await w.placeOrder();
    const count = async (token: string) =>
      ((await t.rest('GET', '/orders', { as: token })).body.orders as unknown[]).length;
    expect(await count(w.tokens.customer)).toBe(1);
    expect(await count(w.tokens.otherCustomer)).toBe(0);
    expect(await count(w.tokens.chef)).toBe(1);
    expect(await count(w.tokens.otherChef)).toBe(0);
    expect(await count(w.tokens.driver)).toBe(0);
    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.assign(orderId, w.ids.driver);
    expect(await count(w.tokens.driver)).toBe(1);
    expect(await count(w.tokens.support)).toBe(1);
  });

  it('keeps a notifications inbox with unread counts', async () => {
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    const inbox = await t.rest('GET', '/notifications', { as: w.tokens.customer });
    expect(inbox.body).toMatchObject({ unreadCount: 2 });
    const [newest] = inbox.body.notifications as Array<{ id: string; type: string }>;
    expect(newest?.type).toBe('order_accepted');
    await t.rest('POST', `/notifications/${newest?.id}/read`, { as: w.tokens.customer });
    expect((await t.rest('GET', '/notifications', { as: w.tokens.customer })).body.unreadCount).toBe(1);
    expect((await t.rest('POST', `/notifications/${newest?.id}/read`, { as: w.tokens.otherCustomer })).status).toBe(
      404,
    );
    await t.rest('POST', '/notifications/read-all', { as: w.tokens.customer });
    expect((await t.rest('GET', '/notifications', { as: w.tokens.customer })).body.unreadCount).toBe(0);
  });

  it('serves the OpenAPI document at /docs', async () => {
    const doc = (await (await fetch(`${t.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/orders', '/orders/{id}/tracking', '/orders/{id}/status', '/notifications']),
    );
  });
});
