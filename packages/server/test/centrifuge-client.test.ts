import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PublicationContext, SubscribedContext } from 'centrifuge';
import { once, startTestServer, type TestServer } from './support/fixture.js';
import { waitUntil } from './support/wait.js';

/** Tests with the real centrifuge-js client (npm `centrifuge` v5) over `ws`. */
describe('centrifuge-js against the native face', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({
      namespaces: {
        room: {
          allowSubscribe: 'authenticated',
          historySize: 100,
          historyTtlMs: 60_000,
          presence: true,
          joinLeave: true,
        },
      },
    });
  });
  afterEach(() => t.close());

  it('connects, is subscribed to its user channel, and receives what the server API publishes', async () => {
    const client = t.centrifuge({ token: await t.token('u1') });
    const subscribed = once<SubscribedContext>(client, 'subscribed');
    client.connect();
    expect((await subscribed).channel).toBe('user:u1');
    const publication = once<PublicationContext>(client, 'publication');
    const { body } = await t.api('publish', { channel: 'user:u1', data: { hello: 'world' } });
    expect(body.result).toMatchObject({ offset: 1 });
    const ctx = await publication;
    expect(ctx).toMatchObject({ channel: 'user:u1', data: { hello: 'world' }, offset: 1 });
  });

  it('round-trips a client subscription and a publication', async () => {
    const client = t.centrifuge({ token: await t.token('u1') });
    client.connect();
    const sub = client.newSubscription('room:lobby');
    const received = once<PublicationContext>(sub, 'publication');
    sub.subscribe();
    await sub.ready(5000);
    await t.api('publish', { channel: 'room:lobby', data: { n: 1 }, type: 'room:message' });
    const ctx = await received;
    expect(ctx.data).toEqual({ n: 1 });
    expect(ctx.tags).toMatchObject({ type: 'room:message' });
  });

  it('recovers every publication missed while disconnected, in order', async () => {
    const gate = new ConnectionGate();
    const client = t.centrifuge({ token: await t.token('u1'), websocket: gate.websocketClass() });
    const sub = client.newSubscription('room:recover');
    const received: unknown[] = [];
    sub.on('publication', (ctx) => received.push(ctx.data));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    await t.api('publish', { channel: 'room:recover', data: { seq: 0 } });
    await waitUntil(() => received.length === 1);

    gate.block();
    const connecting = once(client, 'connecting');
    gate.killAll();
    await connecting;
    for (let seq = 1; seq <= 50; seq++) await t.api('publish', { channel: 'room:recover', data: { seq } });
    const resubscribed = once<SubscribedContext>(sub, 'subscribed');
    gate.open();
    const ctx = await resubscribed;
    expect(ctx.wasRecovering).toBe(true);
    expect(ctx.recovered).toBe(true);
    await waitUntil(() => received.length === 51);
    expect(received).toEqual(Array.from({ length: 51 }, (_, seq) => ({ seq })));
  });

  it('recovers the server-side user channel too', async () => {
    const gate = new ConnectionGate();
    const client = t.centrifuge({ token: await t.token('u2'), websocket: gate.websocketClass() });
    const received: unknown[] = [];
    client.on('publication', (ctx) => received.push(ctx.data));
    const first = once<SubscribedContext>(client, 'subscribed');
    client.connect();
    await first;
    gate.block();
    const connecting = once(client, 'connecting');
    gate.killAll();
    await connecting;
    for (let seq = 1; seq <= 10; seq++) await t.api('publish', { channel: 'user:u2', data: { seq } });
    const again = once<SubscribedContext>(client, 'subscribed');
    gate.open();
    expect(await again).toMatchObject({ channel: 'user:u2', wasRecovering: true, recovered: true });
    await waitUntil(() => received.length === 10);
    expect(received.map((d) => (d as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('reads history with limit and since', async () => {
    const client = t.centrifuge({ token: await t.token('u1') });
    client.connect();
    const sub = client.newSubscription('room:history');
    sub.subscribe();
    await sub.ready(5000);
    for (let seq = 1; seq <= 5; seq++) await t.api('publish', { channel: 'room:history', data: { seq } });
    const last2 = await sub.history({ limit: 2, reverse: true });
    expect(last2.publications.map((p) => p.data)).toEqual([{ seq: 5 }, { seq: 4 }]);
    const all = await sub.history({ limit: -1 });
    const since = await sub.history({ limit: 10, since: { offset: 3, epoch: all.epoch } });
    expect(since.publications.map((p) => p.data)).toEqual([{ seq: 4 }, { seq: 5 }]);
    expect(since.offset).toBe(5);
  });

  it('reports presence, presence stats and join/leave', async () => {
    const a = t.centrifuge({ token: await t.token('alice') });
    const b = t.centrifuge({ token: await t.token('bob') });
    a.connect();
    b.connect();
    const subA = a.newSubscription('room:presence', { joinLeave: true });
    subA.subscribe();
    await subA.ready(5000);
    const joins: string[] = [];
    subA.on('join', (ctx) => joins.push(ctx.info.user));
    const subB = b.newSubscription('room:presence');
    subB.subscribe();
    await subB.ready(5000);
    await waitUntil(() => joins.includes('bob'));
    const presence = await subA.presence();
    expect(
      Object.values(presence.clients)
        .map((c) => c.user)
        .sort(),
    ).toEqual(['alice', 'bob']);
    expect(await subA.presenceStats()).toEqual({ numClients: 2, numUsers: 2 });
    const left = once<{ info: { user: string } }>(subA, 'leave');
    subB.unsubscribe();
    expect((await left).info.user).toBe('bob');
  });

  it('refreshes an expiring token on a live connection', async () => {
    await t.close();
    t = await startTestServer({ expiredCloseDelayMs: 500 });
    let refreshes = 0;
    const client = t.centrifuge({
      token: await t.token('u1', 'customer', { ttlSeconds: 2 }),
      getToken: async () => {
        refreshes++;
        return t.token('u1', 'customer', { ttlSeconds: 3600 });
      },
    });
    const disconnects: unknown[] = [];
    client.on('connecting', (ctx) => disconnects.push(ctx));
    client.connect();
    await once(client, 'connected');
    disconnects.length = 0;
    await waitUntil(() => refreshes === 1, 6000);
    const session = () => [...t.server.hub.localClients()].find((c) => c.claims.sub === 'u1');
    await waitUntil(() => (session()?.claims.exp ?? 0) > Date.now() / 1000 + 60);
    // Past the first token's expiry and the server's grace, the connection is still the same one.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(disconnects).toEqual([]);
    expect(client.state).toBe('connected');
  });

  it('stops without a reconnect loop on a forged token', async () => {
    const client = t.centrifuge({ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIn0.bm90LXRoZS1zaWc' });
    const disconnected = once<{ code: number; reason: string }>(client, 'disconnected');
    client.connect();
    expect(await disconnected).toMatchObject({ code: 3500, reason: 'invalid token' });
  });

  it('asks for a new token when it expired, and stays disconnected without getToken', async () => {
    const expired = await t.token('u1', 'customer', { ttlSeconds: -10 });
    const withRefresh = t.centrifuge({ token: expired, getToken: () => t.token('u1') });
    withRefresh.connect();
    await once(withRefresh, 'connected');

    const without = t.centrifuge({ token: expired });
    const disconnected = once<{ code: number }>(without, 'disconnected');
    without.connect();
    expect((await disconnected).code).toBe(1); // centrifuge-js: unauthorized
  });

  it('denies a subscription the token does not allow', async () => {
    const client = t.centrifuge({ token: await t.token('u1') });
    client.connect();
    const sub = client.newSubscription('user:someone-else');
    const unsubscribed = once<{ code: number }>(sub, 'unsubscribed');
    sub.subscribe();
    expect((await unsubscribed).code).toBe(103);
  });
});

/** Lets a test cut every client socket and hold reconnects until it opens the gate again. */
class ConnectionGate {
  private blocked = false;
  private readonly sockets = new Set<WebSocket>();

  websocketClass(): typeof WebSocket {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const gate = this;
    return class GatedWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        // Port 1 refuses at once: centrifuge-js sees a transport failure and retries later.
        super(gate.blocked ? 'ws://127.0.0.1:1/' : url, protocols);
        gate.sockets.add(this);
      }
    } as typeof WebSocket;
  }

  block(): void {
    this.blocked = true;
  }

  open(): void {
    this.blocked = false;
  }

  killAll(): void {
    for (const socket of this.sockets) socket.terminate();
    this.sockets.clear();
  }
}
