import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIMPLE_ORDER_STATUS } from '@dabba/protocol';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { closeSioClients, collect, connectSio, emitWithAck, nextEvent, sioClient } from './support/socketio.js';
import { waitUntil } from './support/wait.js';

describe('Socket.IO /notifications (seed 002)', () => {
  let t: TestServer;
  let w: OrdersWorld;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    w = await ordersWorld(t);
  });
  afterEach(async () => {
    closeSioClients();
    await t.close();
  });

  it('joinRoom order-{id} and user-{id}: allowed like the native face, refused otherwise', async () => {
    const orderId = await w.placeOrder();
    const customer = sioClient(t, '/notifications', { token: w.tokens.customer });
    const stranger = sioClient(t, '/notifications', { token: w.tokens.otherCustomer });
    await Promise.all([connectSio(customer), connectSio(stranger)]);
    // Seed 002's client sends the room name bare.
    expect(await emitWithAck(customer, 'joinRoom', `order-${orderId}`)).toEqual({ ok: true });
    expect(await emitWithAck(customer, 'joinRoom', `user-${w.ids.customer}`)).toEqual({ ok: true });
    expect(await emitWithAck(stranger, 'joinRoom', `order-${orderId}`)).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
    expect(await emitWithAck(stranger, 'joinRoom', { room: `user-${w.ids.customer}` })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
    expect(await emitWithAck(customer, 'joinRoom', 'kitchen-1')).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', message: 'room must be order-{id} or user-{id}' },
    });
    // Without an acknowledgement, a refusal comes as an `error` event.
    const error = nextEvent(stranger, 'error');
    stranger.emit('joinRoom', `order-${orderId}`);
    expect(await error).toMatchObject({ event: 'joinRoom', code: 'permission_denied' });
  });

  it('orderStatusUpdate carries seed 002’s word and the canonical status; leaveRoom stops it', async () => {
    const orderId = await w.placeOrder();
    const customer = sioClient(t, '/notifications', { token: w.tokens.customer });
    await connectSio(customer);
    const updates = collect<Record<string, unknown>>(customer, 'orderStatusUpdate');
    const notifications = collect<{ type: string }>(customer, 'notification');
    expect(await emitWithAck(customer, 'joinRoom', `order-${orderId}`)).toEqual({ ok: true });

    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'preparing', w.tokens.chef);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    await waitUntil(() => updates.length === 4 && notifications.length === 3);
    expect(updates.map((u) => [u.status, u.detailedStatus])).toEqual([
      ['confirmed', 'payment_confirmed'],
      ['confirmed', 'accepted'],
      ['preparing', 'preparing'],
      ['ready', 'ready_for_pickup'],
    ]);
    expect(updates[0]).toEqual({
      orderId,
      status: 'confirmed',
      detailedStatus: 'payment_confirmed',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(notifications.map((n) => n.type)).toEqual(['order_confirmed', 'order_accepted', 'order_ready']);

    expect(await emitWithAck(customer, 'leaveRoom', `order-${orderId}`)).toEqual({ ok: true });
    const cancelled = nextEvent<{ type: string }>(customer, 'notification');
    await w.move(orderId, 'cancelled', w.tokens.support, 'test');
    expect((await cancelled).type).toBe('order_cancelled');
    expect(updates).toHaveLength(4);
  });

  it('one order transition reaches /realtime and /notifications (and the native face) once each, in their own words', async () => {
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    const realtime = sioClient(t, '/realtime', { token: w.tokens.customer });
    const notifications = sioClient(t, '/notifications', { token: w.tokens.customer });
    await Promise.all([connectSio(realtime), connectSio(notifications)]);
    expect(await emitWithAck(realtime, 'subscribe:order', { orderId })).toEqual({ ok: true });
    expect(await emitWithAck(notifications, 'joinRoom', `order-${orderId}`)).toEqual({ ok: true });
    const native = t.centrifuge({ token: w.tokens.customer });
    const nativeUpdates: unknown[] = [];
    const sub = native.newSubscription(`order:${orderId}`);
    sub.on('publication', (ctx) => {
      if (ctx.tags?.type === 'order:status_update') nativeUpdates.push(ctx.data);
    });
    native.connect();
    sub.subscribe();
    await sub.ready(5000);
    const seed003 = collect<Record<string, unknown>>(realtime, 'order:status_update');
    const seed002 = collect<Record<string, unknown>>(notifications, 'orderStatusUpdate');
    // Names of the other face must not leak into either namespace.
    const leaked = [...collect(realtime, 'orderStatusUpdate'), ...collect(notifications, 'order:status_update')];

    await w.move(orderId, 'accepted', w.tokens.chef);
    // A later event on the same channels shows the first one had its chance to arrive twice.
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    const last = (list: unknown[], key: string) => (list.at(-1) as Record<string, unknown> | undefined)?.[key];
    await waitUntil(
      () =>
        last(seed003, 'status') === 'ready_for_pickup' &&
        last(seed002, 'detailedStatus') === 'ready_for_pickup' &&
        last(nativeUpdates, 'status') === 'ready_for_pickup',
    );
    expect(seed003.map((u) => u.status)).toEqual(['accepted', 'ready_for_pickup']);
    expect(seed002.map((u) => u.status)).toEqual(['confirmed', 'ready']);
    expect(nativeUpdates).toHaveLength(2);
    expect(seed003[0]).toMatchObject({ orderId, status: 'accepted', previousStatus: 'payment_confirmed' });
    expect(seed002[0]).toEqual({ orderId, status: 'confirmed', detailedStatus: 'accepted', timestamp: seed003[0]?.at });
    expect(nativeUpdates[0]).toEqual(seed003[0]);
    expect(leaked).toEqual([]);
  });

  it('maps every canonical status to one of seed 002’s six words', () => {
    expect(new Set(Object.values(SIMPLE_ORDER_STATUS))).toEqual(
      new Set(['pending', 'confirmed', 'preparing', 'ready', 'delivered', 'cancelled']),
    );
  });
});
