import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld } from './support/orders-world.js';
import { listen } from './support/social.js';
import { waitUntil } from './support/wait.js';

interface Entry {
  rank: number;
  userId: string;
  name: string;
  points: number;
}

const award = (t: TestServer, userId: string, points: number, key?: string) =>
  t.rest('POST', '/leaderboard/points', {
    as: 'api',
    body: { userId, points, reason: 'referral' },
    ...(key ? { headers: { 'Idempotency-Key': key } } : {}),
  });

describe('leaderboard', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it('coalesces a burst of 50 awards into at most 2 updates a second, and the last one is the final top N', async () => {
    t = await startTestServer({ logLevel: 'warn' });
    const watcher = await listen(t, await t.token('watcher', 'customer'));
    await watcher.follow('leaderboard');

    const users = Array.from({ length: 12 }, (_, i) => `player-${String(i).padStart(2, '0')}`);
    const burstStartMs = Date.now();
    const burst = Array.from({ length: 50 }, (_, i) => award(t, users[i % users.length] as string, i + 1));
    const replies = await Promise.all(burst);
    const burstMs = Date.now() - burstStartMs;
    expect(replies.every((r) => r.status === 200 && r.body.applied === true)).toBe(true);

    const totals = new Map<string, number>();
    for (let i = 0; i < 50; i++) {
      const user = users[i % users.length] as string;
      totals.set(user, (totals.get(user) ?? 0) + i + 1);
    }
    const expected = [...totals.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([userId, points], i) => ({ rank: i + 1, userId, points }));
    const updates = () => watcher.of<{ entries: Entry[] }>('leaderboard:update');
    const matches = (entries: Entry[] | undefined) =>
      JSON.stringify(entries?.map(({ rank, userId, points }) => ({ rank, userId, points }))) ===
      JSON.stringify(expected);
    await waitUntil(() => matches(updates().at(-1)?.data.entries), 5000);

    const times = updates().map((u) => u.atMs);
    // Without coalescing there would be one per award; with it, never more than 2 in any second.
    for (const start of times)
      expect(times.filter((at) => at >= start && at < start + 1000).length).toBeLessThanOrEqual(2);
    // And over the whole burst, one check per interval it lasted plus the leading and trailing
    // ones. (Spacing of arrival times proves nothing finer: a slow first read of the top N
    // delays the first update, not the timer that spaces the checks.)
    expect(times.length).toBeLessThanOrEqual(Math.ceil(burstMs / 1000) + 2);
    const rest = await t.rest('GET', '/leaderboard', { as: await t.token('watcher', 'customer') });
    expect(rest.body.entries).toEqual(updates().at(-1)?.data.entries);
  });

  it('publishes an update only when the top N changes', async () => {
    t = await startTestServer({ logLevel: 'warn', leaderboardTopSize: 2, leaderboardUpdateIntervalMs: 20 });
    const watcher = await listen(t, await t.token('watcher', 'customer'));
    await watcher.follow('leaderboard');
    const updates = () => watcher.of<{ entries: Entry[] }>('leaderboard:update');
    await award(t, 'gold', 100);
    await waitUntil(() => updates().length === 1);
    await award(t, 'silver', 50);
    await waitUntil(() => updates().length === 2);
    // Third place is outside the top 2: nothing to publish.
    await award(t, 'bronze', 10);
    await award(t, 'silver', 1);
    await waitUntil(() => updates().length === 3);
    expect(updates().map((u) => u.data.entries.map((e) => `${e.userId}:${e.points}`))).toEqual([
      ['gold:100'],
      ['gold:100', 'silver:50'],
      ['gold:100', 'silver:51'],
    ]);
  });

  it('tells a user their rank changes and each achievement once, and nobody else', async () => {
    t = await startTestServer({
      logLevel: 'warn',
      leaderboardUpdateIntervalMs: 20,
      achievements: [
        { id: 'ten', name: 'Ten', points: 10 },
        { id: 'fifty', name: 'Fifty', points: 50 },
        { id: 'hundred', name: 'Hundred', points: 100 },
      ],
    });
    const tokens = [
      await t.token('ana', 'customer', { name: 'Ana' }),
      await t.token('ben', 'customer', { name: 'Ben' }),
    ];
    // A first REST call registers each user with the name in their token.
    for (const as of tokens) await t.rest('GET', '/leaderboard', { as });
    const [a, b] = await Promise.all(tokens.map((token) => listen(t, token)));
    if (!a || !b) throw new Error('two listeners expected');
    const kinds = (l: typeof a) =>
      l.received
        .filter((r) => r.type?.startsWith('leaderboard:'))
        .map((r) =>
          r.type === 'leaderboard:rank_change'
            ? `rank ${String(r.data.previousRank)}→${String(r.data.rank)}`
            : `achievement ${(r.data.achievement as { id: string }).id}`,
        );

    await award(t, 'ana', 20);
    await waitUntil(() => kinds(a).length === 2);
    expect(a.of('leaderboard:rank_change')[0]?.data).toMatchObject({
      userId: 'ana',
      previousRank: null,
      rank: 1,
      points: 20,
    });
    expect(a.of('leaderboard:achievement')[0]?.data).toMatchObject({
      userId: 'ana',
      achievement: { id: 'ten', name: 'Ten', points: 10 },
      points: 20,
    });

    await award(t, 'ben', 30); // Ben first; Ana drops to 2 (she is not told: her points did not change).
    await waitUntil(() => kinds(b).length === 2);
    await award(t, 'ana', 40); // 60: back to 1, and fifty.
    await award(t, 'ana', 5); // 65: still 1, no threshold: nothing.
    await award(t, 'ana', 40); // 105: hundred.
    await waitUntil(() => kinds(a).length === 5);
    expect(kinds(a)).toEqual([
      'rank null→1',
      'achievement ten',
      'rank 2→1',
      'achievement fifty',
      'achievement hundred',
    ]);
    expect(kinds(b)).toEqual(['rank null→1', 'achievement ten']);
    expect(a.received.every((r) => r.channel === 'user:ana')).toBe(true);

    const standing = await t.rest('GET', '/leaderboard/users/ana', { as: tokens[1] });
    expect(standing.body).toMatchObject({
      userId: 'ana',
      name: 'Ana',
      rank: 1,
      points: 105,
      above: [],
      below: [{ rank: 2, userId: 'ben', name: 'Ben', points: 30 }],
    });
    expect((standing.body.achievements as Array<{ id: string }>).map((x) => x.id)).toEqual(['ten', 'fifty', 'hundred']);
  });

  it('ranks ties by who reached the total first, shows neighbours, and awards once per Idempotency-Key', async () => {
    t = await startTestServer({ logLevel: 'warn' });
    const viewer = await t.token('viewer', 'customer');
    for (const [userId, points] of [
      ['u-a', 50],
      ['u-b', 40],
      ['u-c', 30],
      ['u-d', 20],
      ['u-e', 10],
    ] as const)
      expect((await award(t, userId, points)).status).toBe(200);
    // u-0 sorts before u-c by id but reaches 30 after u-c did: it ranks below.
    await award(t, 'u-0', 30);
    const top = (await t.rest('GET', '/leaderboard?limit=4', { as: viewer })).body.entries as Entry[];
    expect(top.map((e) => `${e.rank}:${e.userId}`)).toEqual(['1:u-a', '2:u-b', '3:u-c', '4:u-0']);

    const around = await t.rest('GET', '/leaderboard/users/u-c?neighbours=1', { as: viewer });
    expect(around.body).toMatchObject({
      rank: 3,
      points: 30,
      above: [{ rank: 2, userId: 'u-b' }],
      below: [{ rank: 4, userId: 'u-0' }],
    });

    const first = await award(t, 'u-e', 100, 'referral-77');
    const retry = await award(t, 'u-e', 100, 'referral-77');
    expect(first.body).toMatchObject({ applied: true, points: 110, rank: 1 });
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await t.rest('GET', '/leaderboard/users/u-e', { as: viewer })).body.points).toBe(110);
  });

  it('refuses awards without the API key, bad input, and unknown users', async () => {
    t = await startTestServer({ logLevel: 'warn' });
    const customer = await t.token('cust', 'customer');
    const admin = await t.token('adm', 'admin');
    for (const as of [customer, admin]) {
      const denied = await t.rest('POST', '/leaderboard/points', {
        as,
        body: { userId: 'cust', points: 10, reason: 'self-service' },
      });
      expect(denied.status).toBe(403);
      expect(denied.body.error?.code).toBe('forbidden');
    }
    expect(
      (await t.rest('POST', '/leaderboard/points', { body: { userId: 'x', points: 1, reason: 'r' } })).status,
    ).toBe(401);
    for (const body of [
      { userId: 'cust', points: 0, reason: 'r' },
      { userId: 'cust', points: 1.5, reason: 'r' },
      { userId: 'cust', points: 1_000_001, reason: 'r' },
      { userId: '', points: 1, reason: 'r' },
      { userId: 'cust', points: 1 },
    ]) {
      const reply = await t.rest('POST', '/leaderboard/points', { as: 'api', body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error?.code).toBe('validation_failed');
    }
    expect((await t.rest('GET', '/leaderboard', { as: customer })).body.entries).toEqual([]);
    expect((await t.rest('GET', '/leaderboard?limit=0', { as: customer })).status).toBe(400);
    expect((await t.rest('GET', '/leaderboard/users/ghost', { as: customer })).status).toBe(404);
    // A known user without points is unranked, not unknown.
    expect((await t.rest('GET', '/leaderboard/users/cust', { as: customer })).body).toMatchObject({
      rank: null,
      points: 0,
      achievements: [],
    });
  });

  it("awards the customer and the driver when an order is delivered, inside the order's transaction", async () => {
    t = await startTestServer({ logLevel: 'warn', leaderboardUpdateIntervalMs: 20 });
    const w = await ordersWorld(t);
    const customer = await listen(t, w.tokens.customer);
    const driver = await listen(t, w.tokens.driver);
    const board = await listen(t, w.tokens.otherCustomer);
    await board.follow('leaderboard');

    const deliver = async (customerPointsBefore: number): Promise<void> => {
      const orderId = await w.placeOrder();
      await w.move(orderId, 'payment_confirmed', 'api');
      await w.move(orderId, 'accepted', w.tokens.chef);
      await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
      await w.assign(orderId, w.ids.driver);
      await w.move(orderId, 'picked_up', w.tokens.driver);
      await w.move(orderId, 'in_transit', w.tokens.driver);
      // Nothing is earned until the order is delivered.
      const before = await t.rest('GET', `/leaderboard/users/${w.ids.customer}`, { as: w.tokens.customer });
      expect(before.body.points).toBe(customerPointsBefore);
      await w.move(orderId, 'delivered', w.tokens.driver);
    };

    await deliver(0);
    await waitUntil(() => customer.of('leaderboard:achievement').length === 1);
    expect(customer.of('leaderboard:rank_change')[0]?.data).toMatchObject({
      userId: w.ids.customer,
      rank: 1,
      points: 10,
    });
    expect(customer.of('leaderboard:achievement')[0]?.data).toMatchObject({ achievement: { id: 'first_bite' } });
    await waitUntil(() => driver.of('leaderboard:rank_change').length === 1);
    expect(driver.of('leaderboard:rank_change')[0]?.data).toMatchObject({ previousRank: null, rank: 2, points: 5 });
    expect(driver.of('leaderboard:achievement')).toHaveLength(0);
    const named = (entries: Entry[] | undefined) => entries?.map((e) => `${e.rank}:${e.name}:${e.points}`);
    await waitUntil(
      () => named(board.of<{ entries: Entry[] }>('leaderboard:update').at(-1)?.data.entries)?.length === 2,
    );
    expect(named(board.of<{ entries: Entry[] }>('leaderboard:update').at(-1)?.data.entries)).toEqual([
      '1:Asha:10',
      '2:Meera:5',
    ]);

    await deliver(10);
    await waitUntil(
      () => named(board.of<{ entries: Entry[] }>('leaderboard:update').at(-1)?.data.entries)?.[0] === '1:Asha:20',
    );
    const top = (await t.rest('GET', '/leaderboard', { as: w.tokens.customer })).body.entries as Entry[];
    expect(named(top)).toEqual(['1:Asha:20', '2:Meera:10']);
    // A cancelled order earns nothing.
    const cancelled = await w.placeOrder();
    await w.move(cancelled, 'cancelled', w.tokens.customer, 'changed my mind');
    expect(named((await t.rest('GET', '/leaderboard', { as: w.tokens.customer })).body.entries as Entry[])).toEqual([
      '1:Asha:20',
      '2:Meera:10',
    ]);
  });
});
