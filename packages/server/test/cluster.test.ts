import type { Socket } from 'node:net';
import { Centrifuge, type Subscription } from 'centrifuge';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cluster, clusterToken, restClient, serverApi, type ClusterNode } from './support/cluster.js';
import { OrderMirror } from './support/order-mirror.js';
import { ordersWorld } from './support/orders-world.js';
import { RawClient } from './support/raw-client.js';
import { redirectingWebSocket, type Redirect } from './support/redirecting-websocket.js';
import { redisUnavailableReason, startTestRedis, type TestRedis } from './support/redis-server.js';
import { createPostgresDatabase, probePostgres, type TestDatabase } from './support/test-database.js';
import { waitUntil } from './support/wait.js';

/**
 * Several `dabba serve` processes on one Redis and one Postgres database, and what they survive:
 * a node killed mid-stream, a Redis restart, a slow client, a graceful drain, a dead timer holder.
 */

const POSTGRES = process.env.DABBA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function unavailable(): Promise<string | undefined> {
  const redis = redisUnavailableReason();
  if (redis) return redis;
  const probe = await probePostgres(POSTGRES);
  if (probe.ok) return undefined;
  const reason = `${POSTGRES} is unreachable (${probe.reason})`;
  if (process.env.CI === 'true') throw new Error(`CI runs the cluster tests, but ${reason}`);
  console.warn(`\n[dabba] cluster tests skipped: ${reason}\n`);
  return reason;
}

const skip = await unavailable();
const NEWS = JSON.stringify({ news: { historySize: 1000, historyTtlMs: 600_000, allowSubscribe: 'authenticated' } });

interface Follower {
  readonly client: Centrifuge;
  readonly sub: Subscription;
  readonly redirect: Redirect;
  readonly seen: number[];
  readonly subscribed: Array<{ wasRecovering: boolean; recovered: boolean }>;
}

describe.skipIf(skip !== undefined)('a cluster of two nodes on Redis and Postgres', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let cluster: Cluster;
  const clients: Centrifuge[] = [];
  const redirects: Redirect[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(() => redis.stop());
  beforeEach(async () => {
    const flush = new Redis(redis.url);
    await flush.flushall();
    flush.disconnect();
    db = await createPostgresDatabase(POSTGRES);
    cluster = new Cluster({ redisUrl: redis.url, databaseUrl: db.url, env: { DABBA_NAMESPACES: NEWS } });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(redirects.splice(0).map((r) => r.close()));
    await cluster.close();
    await db.drop();
  });

  function centrifugeOn(node: ClusterNode, token: string): { client: Centrifuge; redirect: Redirect } {
    const redirect = redirectingWebSocket(node.wsUrl);
    const client = new Centrifuge(node.wsUrl, {
      websocket: redirect.WebSocket,
      token,
      minReconnectDelay: 20,
      maxReconnectDelay: 300,
    });
    client.on('error', () => undefined);
    clients.push(client);
    redirects.push(redirect);
    return { client, redirect };
  }

  async function follow(node: ClusterNode, user: string, channel: string): Promise<Follower> {
    const { client, redirect } = centrifugeOn(node, await clusterToken(user));
    const sub = client.newSubscription(channel);
    const follower: Follower = { client, sub, redirect, seen: [], subscribed: [] };
    sub.on('publication', (ctx) => follower.seen.push((ctx.data as { n: number }).n));
    sub.on('subscribed', (ctx) =>
      follower.subscribed.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }),
    );
    sub.subscribe();
    client.connect();
    await sub.ready(10_000);
    return follower;
  }

  const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

  it('delivers every publication once on both nodes, and the clients of a node killed mid-stream recover all they missed', async () => {
    const a = await cluster.start('a');
    const b = await cluster.start('b');
    const followers: Array<Follower & { node: string }> = [];
    for (let i = 0; i < 6; i++) {
      const node = i % 2 === 0 ? a : b;
      followers.push({ ...(await follow(node, `u${i}`, 'news:feed')), node: node.name });
    }
    const total = 300;
    for (let n = 1; n <= total; n++) {
      if (n === 120) {
        // The load balancer sends b's clients to a from now on; then b dies without a word.
        for (const f of followers) if (f.node === 'b') f.redirect.target.url = a.wsUrl;
        await b.kill();
      }
      const via = n < 120 && n % 2 === 0 ? b : a;
      await serverApi(via, 'publish', { channel: 'news:feed', data: { n }, idempotency_key: `n${n}` });
    }
    await waitUntil(() => followers.every((f) => f.seen.length >= total), 20_000);
    for (const f of followers) expect(f.seen, `client on ${f.node}`).toEqual(upTo(total));
    for (const f of followers.filter((f) => f.node === 'b')) {
      expect(f.subscribed.at(-1)).toEqual({ wasRecovering: true, recovered: true });
    }
  }, 60_000);

  it('resumes after a Redis restart: every client ends with the order state the server has', async () => {
    const a = await cluster.start('a');
    const b = await cluster.start('b');
    const world = await ordersWorld(restClient(() => a));
    const orderId = await world.placeOrder();
    const mirrors: OrderMirror[] = [];
    for (const [node, token] of [
      [a, world.tokens.customer],
      [b, world.tokens.customer],
      [b, world.tokens.admin],
    ] as const) {
      const { client } = centrifugeOn(node, token);
      const sub = client.newSubscription(`order:${orderId}`);
      const mirror = new OrderMirror(sub, () =>
        restClient(() => node).rest('GET', `/orders/${orderId}/tracking`, { as: token }),
      );
      mirrors.push(mirror);
      sub.subscribe();
      client.connect();
      await sub.ready(10_000);
      await mirror.settled();
    }
    await world.move(orderId, 'payment_confirmed', 'api');
    await world.move(orderId, 'accepted', world.tokens.chef);

    await redis.kill();
    // Committed while Redis is down: the outbox publishes it once Redis is back.
    await world.move(orderId, 'preparing', world.tokens.chef);
    await redis.start();

    await world.move(orderId, 'ready_for_pickup', world.tokens.chef);
    await world.assign(orderId, world.ids.driver);
    await world.move(orderId, 'picked_up', world.tokens.driver);

    const snapshot = await restClient(() => a).rest('GET', `/orders/${orderId}/tracking`, { as: world.tokens.admin });
    const expected = (snapshot.body.statusHistory as Array<{ status: string }>).map((h) => h.status);
    expect(expected.at(-1)).toBe('picked_up');
    await waitUntil(
      () => mirrors.every((m) => m.status === 'picked_up' && m.history.map((h) => h.status).join() === expected.join()),
      30_000,
    );
    for (const mirror of mirrors) await mirror.settled();
    // The restart lost every stream: clients were told, and refetched.
    expect(mirrors.every((m) => m.snapshots >= 2)).toBe(true);
  }, 90_000);

  it('a slow client on one node is cut off without slowing the clients of either node', async () => {
    const env = { DABBA_MAX_OUTBOUND_BYTES: String(256 * 1024) };
    const a = await cluster.start('a', env);
    const b = await cluster.start('b', env);
    const slow = await RawClient.open(a.wsUrl);
    await slow.connect(await clusterToken('slow'));
    await slow.call('subscribe', { channel: 'news:firehose' });
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    const healthy = [await follow(a, 'h1', 'news:firehose'), await follow(b, 'h2', 'news:firehose')];
    const payload = 'x'.repeat(32 * 1024);
    const total = 150;
    for (let n = 1; n <= total; n++) {
      await serverApi(n % 2 ? a : b, 'publish', { channel: 'news:firehose', data: { n, payload } });
    }
    await waitUntil(() => healthy.every((f) => f.seen.length === total), 20_000);
    for (const f of healthy) expect(f.seen).toEqual(upTo(total));
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    expect(await slow.closed).toMatchObject({ code: 3008, reason: 'slow' });
  }, 60_000);

  it('drains a stopped node: its clients reconnect to the other and recover', async () => {
    const a = await cluster.start('a');
    const b = await cluster.start('b');
    const onB = await follow(b, 'u-drain', 'news:drain');
    onB.redirect.target.url = a.wsUrl;
    await serverApi(a, 'publish', { channel: 'news:drain', data: { n: 1 } });
    await waitUntil(() => onB.seen.length === 1);
    await b.stop();
    expect((await b.cli.exited).code).toBe(0);
    await serverApi(a, 'publish', { channel: 'news:drain', data: { n: 2 } });
    await waitUntil(() => onB.seen.length === 2, 10_000);
    expect(onB.seen).toEqual([1, 2]);
    expect(onB.subscribed.at(-1)).toEqual({ wasRecovering: true, recovered: true });
  }, 60_000);

  it('runs kitchen timeouts on one node only, and on the other once that node dies', async () => {
    const env = { DABBA_KITCHEN_TIMEOUT_MS: '800' };
    const a = await cluster.start('a', env);
    const b = await cluster.start('b', env);
    // Requests go to a node that is up: `via` moves once a node dies.
    let via = a;
    const world = await ordersWorld(restClient(() => via));
    const cancelledBy = (node: ClusterNode): number =>
      node.cli.stdout.split('\n').filter((l) => l.includes('cancelled orders the kitchen did not accept in time'))
        .length;
    const status = async (orderId: string): Promise<unknown> =>
      (await restClient(() => (a.cli.running ? a : b)).rest('GET', `/orders/${orderId}`, { as: world.tokens.admin }))
        .body.status;

    const first = await world.placeOrder();
    await world.move(first, 'payment_confirmed', 'api');
    await waitUntil(() => cancelledBy(a) + cancelledBy(b) > 0, 15_000);
    expect(await status(first)).toBe('cancelled');
    const holder = cancelledBy(a) > 0 ? a : b;
    const other = holder === a ? b : a;
    expect(cancelledBy(holder)).toBe(1);
    expect(cancelledBy(other)).toBe(0);

    await holder.kill();
    via = other;
    const second = await world.placeOrder();
    await world.move(second, 'payment_confirmed', 'api');
    // The dead holder's lease lapses (5 s), then the survivor's timer takes over.
    await waitUntil(() => cancelledBy(other) === 1, 20_000);
  }, 60_000);
});
