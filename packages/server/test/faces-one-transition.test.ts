import { afterEach, beforeEach, expect, it } from 'vitest';
import { EventSource } from 'eventsource';
import type { PublicationContext } from 'centrifuge';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { closePlainWsClients, PlainWsTestClient } from './support/plain-ws.js';
import { closeSioClients, collect, connectSio, emitWithAck, sioClient } from './support/socketio.js';
import { waitUntil } from './support/wait.js';

let t: TestServer;
let w: OrdersWorld;
const sources: EventSource[] = [];

beforeEach(async () => {
  t = await startTestServer();
  w = await ordersWorld(t);
});
afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  await sseStreamsGone();
  closeSioClients();
  closePlainWsClients();
  await t.close();
});

/**
 * Waits until the server saw the SSE streams end. Closed at once, the eventsource client leaves
 * a connection open that never sends a request; the server cuts it off only after its shutdown
 * timeout (5 s), which would merely slow this test down.
 */
async function sseStreamsGone(): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    if (metrics.includes('dabba_connections{face="sse"} 0')) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('SSE streams still open');
}

/**
 * One order transition, seen at the same time through every face by the order's customer: each
 * client gets it exactly once, in its own vocabulary, from the one hub publication.
 */
it('one order transition reaches centrifuge-js, /realtime, /notifications, /api/ws and SSE exactly once each', async () => {
  const orderId = await w.placeOrder();
  await w.move(orderId, 'payment_confirmed', 'api');
  await w.move(orderId, 'accepted', w.tokens.chef);
  const token = w.tokens.customer;
  const channel = `order:${orderId}`;

  const centrifuge = t.centrifuge({ token });
  const native: PublicationContext[] = [];
  const subscription = centrifuge.newSubscription(channel);
  subscription.on('publication', (ctx) => native.push(ctx));
  const subscribed = new Promise((resolve) => subscription.once('subscribed', resolve));
  subscription.subscribe();
  centrifuge.connect();
  await subscribed;

  const realtime = sioClient(t, '/realtime', { token });
  const realtimeUpdates = collect(realtime, 'order:status_update');
  await connectSio(realtime);
  expect(await emitWithAck(realtime, 'subscribe:order', { orderId })).toEqual({ ok: true });

  const notifications = sioClient(t, '/notifications', { token });
  const notices = collect(notifications, 'orderStatusUpdate');
  await connectSio(notifications);
  expect(await emitWithAck(notifications, 'joinRoom', `order-${orderId}`)).toEqual({ ok: true });

  const plain = await PlainWsTestClient.connect(t, token);
  // `/api/ws` first sends each open order as it is (state, not a transition).
  const atConnect = await plain.next('order_updated');
  expect(atConnect.data).toMatchObject({ orderId, order: { status: 'accepted' } });

  const source = new EventSource(`${t.url}/api/events?channels=${channel}&token=${token}`);
  sources.push(source);
  const sse: Array<Record<string, unknown>> = [];
  source.addEventListener('order:status_update', (event) =>
    sse.push(JSON.parse(event.data) as Record<string, unknown>),
  );
  await new Promise<void>((resolve) => source.addEventListener('ready', () => resolve(), { once: true }));

  await w.move(orderId, 'preparing', w.tokens.chef);
  // A second transition everyone sees too: once it is in, nothing more of the first is coming.
  await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
  await waitUntil(
    () =>
      native.length === 2 &&
      realtimeUpdates.length === 2 &&
      notices.length === 2 &&
      plain.ofType('order_updated').length === 3 &&
      sse.length === 2,
  );

  const order = (await t.rest('GET', `/orders/${orderId}`, { as: token })).body as Record<string, unknown> & {
    orderNumber: string;
    timestamps: Record<string, string>;
  };
  const at = order.timestamps.preparingAt as string;
  const update = {
    orderId,
    orderNumber: order.orderNumber,
    status: 'preparing',
    previousStatus: 'accepted',
    actor: { id: w.ids.chef, role: 'chef' },
    at,
    timestamps: { ...order.timestamps, readyAt: undefined },
  };
  delete update.timestamps.readyAt;

  // Native: the envelope data, its type in tags.
  expect(native[0]?.data).toEqual(update);
  expect(native[0]?.tags?.type).toBe('order:status_update');
  // Socket.IO /realtime (seed 003): the catalog name and data.
  expect(realtimeUpdates[0]).toEqual(update);
  // Socket.IO /notifications (seed 002): its own event name and status words.
  expect(notices[0]).toEqual({ orderId, status: 'preparing', detailedStatus: 'preparing', timestamp: at });
  // SSE /api/events: the whole envelope, the same one (same id) the native client got.
  expect(sse[0]).toMatchObject({ id: native[0]?.tags?.id, type: 'order:status_update', channel, data: update });
  // /api/ws (seed 001): order_updated with the order; it was looked up after both transitions committed or between them.
  const plainUpdate = plain.ofType('order_updated')[1];
  expect(plainUpdate?.type).toBe('order_updated');
  expect(plainUpdate?.data?.orderId).toBe(orderId);
  expect(['preparing', 'ready_for_pickup']).toContain((plainUpdate?.data?.order as { status: string }).status);
  expect(plain.ofType('order_updated')[2]).toEqual({ type: 'order_updated', data: { orderId, order } });

  // Exactly once each: the first transition is in every list once, the second once after it.
  expect(native.map((p) => (p.data as { status: string }).status)).toEqual(['preparing', 'ready_for_pickup']);
  expect(realtimeUpdates.map((u) => u.status)).toEqual(['preparing', 'ready_for_pickup']);
  expect(notices.map((n) => n.detailedStatus)).toEqual(['preparing', 'ready_for_pickup']);
  expect(sse.map((e) => (e.data as { status: string }).status)).toEqual(['preparing', 'ready_for_pickup']);
});
