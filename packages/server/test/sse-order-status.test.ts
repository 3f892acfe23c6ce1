import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSource } from 'eventsource';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { waitUntil } from './support/wait.js';

/** Seed 002's `GET /api/notifications/orders/:id/status`, read the way seed 002's page reads it (`onmessage`). */
describe('SSE face: seed 002 order status stream', () => {
  let t: TestServer;
  let w: OrdersWorld;
  const sources: EventSource[] = [];

  beforeEach(async () => {
    t = await startTestServer();
    w = await ordersWorld(t);
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    await t.close();
  });

  const statusUrl = (orderId: string, token?: string): string =>
    `${t.url}/api/notifications/orders/${orderId}/status${token ? `?token=${token}` : ''}`;

  it('streams the real status changes of the order in seed 002 words, and nothing else', async () => {
    const orderId = await w.placeOrder();
    const source = new EventSource(statusUrl(orderId, w.tokens.customer));
    sources.push(source);
    const messages: Array<Record<string, unknown>> = [];
    source.onmessage = (event) => messages.push(JSON.parse(event.data) as Record<string, unknown>);
    await new Promise<void>((resolve) => source.addEventListener('ready', () => resolve(), { once: true }));

    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'preparing', w.tokens.chef);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    await waitUntil(() => messages.length === 4);
    expect(messages.map((m) => [m.status, m.detailedStatus])).toEqual([
      ['confirmed', 'payment_confirmed'],
      ['confirmed', 'accepted'],
      ['preparing', 'preparing'],
      ['ready', 'ready_for_pickup'],
    ]);
    for (const message of messages) {
      expect(Object.keys(message).sort()).toEqual(['detailedStatus', 'orderId', 'status', 'timestamp']);
      expect(message.orderId).toBe(orderId);
      expect(Number.isNaN(Date.parse(message.timestamp as string))).toBe(false);
    }
    await w.move(orderId, 'cancelled', w.tokens.support, 'customer asked');
    await waitUntil(() => messages.length === 5);
    expect(messages[4]).toMatchObject({ status: 'cancelled', detailedStatus: 'cancelled' });
  });

  it('lets the kitchen follow it, refuses other customers (403) and callers without a token (401)', async () => {
    const orderId = await w.placeOrder();
    const chef = await fetch(statusUrl(orderId, w.tokens.chef));
    expect(chef.status).toBe(200);
    expect(chef.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await chef.body?.cancel();

    const stranger = await fetch(statusUrl(orderId, w.tokens.otherCustomer));
    expect(stranger.status).toBe(403);
    expect(await stranger.json()).toMatchObject({ error: { code: 'permission_denied' } });
    const unknown = await fetch(statusUrl('no-such-order', w.tokens.customer));
    expect(unknown.status).toBe(403);
    const anonymous = await fetch(statusUrl(orderId));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });
});
