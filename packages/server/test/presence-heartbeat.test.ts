import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClientInfo } from '@dabba/protocol';
import type { EngineHandler } from '../src/engines/engine.js';
import { RedisEngine } from '../src/engines/redis.js';
import type { HubClient } from '../src/hub/client.js';
import { PresenceHeartbeat, type PresenceEntry } from '../src/hub/presence-heartbeat.js';
import { createLogger } from '../src/logger.js';
import { startTestServer, type TestServer } from './support/fixture.js';
import { RawClient } from './support/raw-client.js';
import { redisUnavailableReason, startTestRedis, type TestRedis } from './support/redis-server.js';
import { waitUntil } from './support/wait.js';

const skip = redisUnavailableReason();
const logger = createLogger('silent');
const IGNORE: EngineHandler = { onPublication() {}, onJoinLeave() {}, onControl() {} };

/** The real Redis engine, with the time of every presence write it made. */
class TimedRedisEngine extends RedisEngine {
  readonly writes: Array<{ clientId: string; atMs: number }> = [];
  override async addPresence(channel: string, clientId: string, info: ClientInfo, ttlMs: number): Promise<void> {
    this.writes.push({ clientId, atMs: Date.now() });
    return super.addPresence(channel, clientId, info, ttlMs);
  }
}

const entry = (n: number): PresenceEntry => [
  `room:${n % 7}`,
  { id: `c${n}`, info: { client: `c${n}`, user: `u${n}` } } as unknown as HubClient,
];

describe.skipIf(skip !== undefined)('presence heartbeat on Redis', () => {
  let redis: TestRedis;
  let t: TestServer | undefined;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(() => redis?.stop());
  afterEach(() => t?.close());

  it('renews each present entry once a round, spread over the round, and skips entries that left', async () => {
    const engine = new TimedRedisEngine({ url: redis.url, logger, prefix: `hb${Date.now()}` });
    await engine.start(IGNORE);
    const entries = Array.from({ length: 1_000 }, (_, n) => entry(n));
    const gone = new Set(entries.filter((_, n) => n % 10 === 0));
    // TTL 1.5 s: a round of 500 ms in slices of 10 ms (10 entries each).
    const heartbeat = new PresenceHeartbeat(
      engine,
      1_500,
      () => entries,
      (e) => !gone.has(e),
      logger,
    );
    const startedAtMs = Date.now();
    heartbeat.start();
    try {
      await waitUntil(() => engine.writes.length >= 900, 5_000);
    } finally {
      heartbeat.stop();
      await engine.close();
    }
    const round = engine.writes.slice(0, 900);
    expect(new Set(round.map((w) => w.clientId)).size).toBe(900);
    expect(round.some((w) => gone.has(entries[Number(w.clientId.slice(1))]!))).toBe(false);
    // Spread: no 10 ms holds more than a slice and a half, and the round took most of its 500 ms.
    const perTenMs = new Map<number, number>();
    for (const w of round) perTenMs.set(Math.floor(w.atMs / 10), (perTenMs.get(Math.floor(w.atMs / 10)) ?? 0) + 1);
    expect(Math.max(...perTenMs.values())).toBeLessThanOrEqual(20);
    expect(round.at(-1)!.atMs - round[0]!.atMs).toBeGreaterThan(300);
    expect(round[0]!.atMs - startedAtMs).toBeGreaterThanOrEqual(450);
  });

  it("keeps a connected client's presence past the TTL, and drops it once the client leaves", async () => {
    t = await startTestServer({
      redisUrl: redis.url,
      presenceTtlMs: 600,
      namespaces: { room: { allowSubscribe: 'authenticated', presence: true } },
    });
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1'));
    await client.call('subscribe', { channel: 'room:hb' });
    const present = async (): Promise<string[]> =>
      Object.values((await t!.server.hub.presence('room:hb')) as Record<string, ClientInfo>).map((i) => i.user);
    expect(await present()).toEqual(['u1']);
    // Three TTLs with nothing but the heartbeat to keep the entry: time must pass for that.
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    expect(await present()).toEqual(['u1']);
    client.close();
    const deadline = Date.now() + 5_000;
    while ((await present()).length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await present()).toEqual([]);
  });
});
