import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Centrifuge, type PublicationContext, type Subscription, type SubscribedContext } from 'centrifuge';
import { eventCatalog, type EventData, HAPPY_PATH } from '@dabba/protocol';
import { openStore } from '../src/store/database.js';
import { once, startTestServer, type RestReply, type TestServer } from './support/fixture.js';
import { OrderMirror } from './support/order-mirror.js';
import { ordersWorld } from './support/orders-world.js';
import { redirectingWebSocket } from './support/redirecting-websocket.js';
import { createTestDatabase, terminateConnections, testPostgresServer } from './support/test-database.js';

/**
 * What survives a restart: the order's state in the store (SQLite file, or Postgres when the
 * suite runs against it), events a crash left in the outbox, and what the system does by itself
 * to orders nobody acts on.
 */

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A fresh database that outlives its servers, dropped after the test. */
async function persistentDatabase(): Promise<string> {
  const db = await createTestDatabase({ persistent: true });
  cleanup.push(() => db.drop());
  return db.url;
}

/** A server on `databaseUrl`, or on a fresh database of its own when it is undefined. */
async function serverOn(
  databaseUrl: string | undefined,
  options: { kitchenTimeoutMs?: number } = {},
): Promise<TestServer> {
  const t = await startTestServer({ databaseUrl, logLevel: 'warn', ...options });
  cleanup.push(() => t.close());
  return t;
}

function expectOk(reply: RestReply, what: string): RestReply {
  if (reply.status !== 200) throw new Error(`${what} failed with ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply;
}

/** Resolves with the first `order:status_update` to `status` on a subscription. */
function statusUpdate(sub: Subscription, status: string, timeoutMs = 5000): Promise<EventData<'order:status_update'>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${status} update within ${timeoutMs} ms`)), timeoutMs);
    const listener = (ctx: PublicationContext): void => {
      const data = ctx.data as EventData<'order:status_update'>;
      if (ctx.tags?.type !== 'order:status_update' || data.status !== status) return;
      clearTimeout(timer);
      sub.removeListener('publication', listener);
      resolve(data);
    };
    sub.on('publication', listener);
  });
}

describe('a restart on the same database in the middle of an order', () => {
  it('keeps tracking state; a client that cannot recover is told so, refetches, and ends with the server’s state', async () => {
    const databaseUrl = await persistentDatabase();
    const first = await serverOn(databaseUrl);
    const w = await ordersWorld(first);
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);

    let current = first;
    const snapshot = () => current.rest('GET', `/orders/${orderId}/tracking`, { as: w.tokens.customer });
    // The client's sockets go wherever `redirect.target` says: the restarted server has a new port.
    const redirect = redirectingWebSocket(first.wsUrl);
    cleanup.push(() => redirect.close());
    const client = new Centrifuge(first.wsUrl, {
      websocket: redirect.WebSocket,
      token: w.tokens.customer,
      minReconnectDelay: 20,
      maxReconnectDelay: 200,
    });
    cleanup.push(() => client.disconnect());
    const sub = client.newSubscription(`order:${orderId}`);
    const mirror = new OrderMirror(sub, snapshot);
    sub.subscribe();
    client.connect();
    await sub.ready(5000);
    await mirror.settled();
    expect(mirror.status).toBe('accepted');

    // A live update, so that the client holds a position (offset, epoch) to recover from.
    const preparing = statusUpdate(sub, 'preparing');
    await w.move(orderId, 'preparing', w.tokens.chef);
    await preparing;
    const before = expectOk(await snapshot(), 'tracking before the restart').body;

    await redirect.park();
    const resubscribed = once<SubscribedContext>(sub, 'subscribed', 15_000);
    await first.close();
    const second = await serverOn(databaseUrl);
    current = second;
    redirect.target.url = second.wsUrl;

    // The memory engine's epochs are new after a restart: the client learns it missed history.
    expect(await resubscribed).toMatchObject({ wasRecovering: true, recovered: false });
    await mirror.settled();
    expect(mirror.subscribedEvents).toEqual([
      { wasRecovering: false, recovered: false },
      { wasRecovering: true, recovered: false },
    ]);
    const after = expectOk(await snapshot(), 'tracking after the restart').body;
    expect(after).toEqual(before);
    expect(after).toMatchObject({ status: 'preparing', acceptedAt: expect.any(String) });

    // The order moves on through the new server; the client follows live.
    const as = { chef: w.tokens.chef, driver: w.tokens.driver };
    const move = async (status: string, token: string) =>
      expectOk(await second.rest('POST', `/orders/${orderId}/status`, { as: token, body: { status } }), status);
    const delivered = statusUpdate(sub, 'delivered');
    await move('ready_for_pickup', as.chef);
    expectOk(
      await second.rest('POST', `/orders/${orderId}/assign`, { as: as.chef, body: { driverId: w.ids.driver } }),
      'assign',
    );
    await move('picked_up', as.driver);
    await move('in_transit', as.driver);
    await move('delivered', as.driver);
    await delivered;

    const final = expectOk(await snapshot(), 'final tracking').body as {
      status: string;
      statusHistory: unknown[];
    };
    expect(mirror.status).toBe('delivered');
    expect(mirror.status).toBe(final.status);
    expect(mirror.history).toEqual(final.statusHistory);
    expect(mirror.history.map((h) => h.status)).toEqual([...HAPPY_PATH]);
    expect(mirror.snapshots).toBe(2);
  });
});

describe('the outbox after a crash between commit and publish', () => {
  it('publishes at start what was left unpublished, and marks it published', async () => {
    const databaseUrl = await persistentDatabase();
    const notification: EventData<'notification'> = {
      id: randomUUID(),
      type: 'order_accepted',
      title: 'Order accepted',
      body: "Ravi's Dabba Kitchen accepted order RND-20260131-0001.",
      data: { orderId: 'order-1', orderNumber: 'RND-20260131-0001', status: 'accepted' },
      createdAt: new Date().toISOString(),
      read: false,
    };
    expect(eventCatalog.notification.parse(notification)).toEqual(notification);
    const envelopeId = randomUUID();
    const store = await openStore(databaseUrl);
    await store.db
      .insertInto('outbox')
      .values({
        id: envelopeId,
        channel: 'user:cust-1',
        type: 'notification',
        data: JSON.stringify(notification),
        created_at: new Date().toISOString(),
        published_at: null,
      })
      .execute();
    await store.close();

    const t = await serverOn(databaseUrl);
    const history = await t.api('history', { channel: 'user:cust-1', limit: -1 });
    expect(history.status).toBe(200);
    expect(history.body.result?.publications).toEqual([
      expect.objectContaining({
        data: notification,
        tags: expect.objectContaining({ type: 'notification', id: envelopeId }),
      }),
    ]);
    await t.close();

    const reopened = await openStore(databaseUrl);
    const row = await reopened.db.selectFrom('outbox').selectAll().where('id', '=', envelopeId).executeTakeFirst();
    await reopened.close();
    expect(row?.published_at).toEqual(expect.any(String));
  });

  it('a status change whose publish was cut off shows in history and the snapshot after the restart', async () => {
    const databaseUrl = await persistentDatabase();
    const first = await serverOn(databaseUrl);
    const w = await ordersWorld(first);
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    // The crash: from here on the change commits, and nothing is published.
    vi.spyOn(first.server.hub, 'publish').mockRejectedValue(new Error('simulated crash before publish'));
    await w.move(orderId, 'accepted', w.tokens.chef);
    await first.close();

    const second = await serverOn(databaseUrl);
    const orderHistory = await second.api('history', { channel: `order:${orderId}`, limit: -1 });
    type Published = { data: { status: string; type: string }; tags?: { type: string } };
    const published = orderHistory.body.result?.publications as Published[];
    const updates = published.filter((p) => p.tags?.type === 'order:status_update').map((p) => p.data.status);
    expect(updates).toEqual(['accepted']);
    // Accepting opened the kitchen chat in the same transaction: its announcement survived too.
    expect(published.map((p) => p.tags?.type)).toContain('chat:opened');
    const inbox = await second.api('history', { channel: `user:${w.ids.customer}`, limit: -1 });
    const notices = (inbox.body.result?.publications as Published[]).filter((p) => p.tags?.type === 'notification');
    expect(notices).toEqual([expect.objectContaining({ data: expect.objectContaining({ type: 'order_accepted' }) })]);
    const tracking = await second.rest('GET', `/orders/${orderId}/tracking`, { as: w.tokens.customer });
    expect(tracking.body).toMatchObject({ status: 'accepted', acceptedAt: expect.any(String) });
  });
});

describe('orders the kitchen leaves waiting', () => {
  it('cancels them with reason kitchen_timeout, tells the customer and the chef, and leaves accepted ones alone', async () => {
    const t = await serverOn(undefined, { kitchenTimeoutMs: 300 });
    const w = await ordersWorld(t);
    const inTime = await w.placeOrder();
    await w.move(inTime, 'payment_confirmed', 'api');
    await w.move(inTime, 'accepted', w.tokens.chef);

    const forgotten = await w.placeOrder();
    const customer = t.centrifuge({ token: w.tokens.customer });
    const sub = customer.newSubscription(`order:${forgotten}`);
    sub.subscribe();
    customer.connect();
    await sub.ready(5000);
    const cancelled = statusUpdate(sub, 'cancelled', 5000);
    await w.move(forgotten, 'payment_confirmed', 'api');
    expect(await cancelled).toMatchObject({
      status: 'cancelled',
      previousStatus: 'payment_confirmed',
      reason: 'kitchen_timeout',
      actor: { id: 'system', role: 'system' },
    });

    const order = await t.rest('GET', `/orders/${forgotten}`, { as: w.tokens.customer });
    expect(order.body).toMatchObject({ status: 'cancelled', cancelReason: 'kitchen_timeout' });
    for (const who of ['customer', 'chef'] as const) {
      const inbox = await t.rest('GET', '/notifications', { as: w.tokens[who] });
      const notices = inbox.body.notifications as Array<{ type: string; data: { orderId?: string } }>;
      expect(notices, who).toContainEqual(
        expect.objectContaining({ type: 'order_cancelled', data: expect.objectContaining({ orderId: forgotten }) }),
      );
      expect(
        notices.filter((n) => n.data.orderId === inTime && n.type === 'order_cancelled'),
        who,
      ).toEqual([]);
    }
    // `inTime` was confirmed before `forgotten`: the check that cancelled one has passed the
    // other's deadline too, so it was looked at and left alone.
    const accepted = await t.rest('GET', `/orders/${inTime}`, { as: w.tokens.customer });
    expect(accepted.body.status).toBe('accepted');
  });
});

/** A server in a process of its own (built `dist/`), so that a crash cannot take the test worker with it. */
const CHILD_SERVER = `
const { startServer } = await import(process.env.DABBA_SERVER_MODULE);
const server = await startServer({
  port: 0, host: '127.0.0.1', databaseUrl: process.env.DABBA_DATABASE_URL,
  apiKey: 'child-key', jwtSecret: 'child-secret-that-is-long-enough', logLevel: 'silent',
});
process.stdout.write(JSON.stringify({ url: server.url }) + '\\n');
`;

describe.runIf(testPostgresServer())('the Postgres connection pool', () => {
  it('survives Postgres terminating its connections', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SERVER], {
      env: {
        ...process.env,
        DABBA_DATABASE_URL: db.url,
        DABBA_SERVER_MODULE: new URL('../dist/server.js', import.meta.url).href,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanup.push(async () => {
      child.kill();
      await exited;
    });
    const started = await Promise.race([
      new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))),
      exited.then(() => 'exited'),
    ]);
    const { url } = JSON.parse(started) as { url: string };

    // The pool holds idle connections from the migrations; Postgres ends them all.
    await terminateConnections(db.url);
    for (let i = 0; i < 2; i++) {
      const reply = await fetch(`${url}/orders`, { headers: { 'X-API-Key': 'child-key' } });
      expect(reply.status).toBe(200);
    }
    expect(child.exitCode).toBeNull();
  });
});
