import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { RawClient } from './support/raw-client.js';
import { redisUnavailableReason, startTestRedis, type TestRedis } from './support/redis-server.js';

const COUNT = 300;
const NAMESPACES = {
  // Client publishes with history (offsets) and without (a plain PUBLISH on Redis).
  kept: { allowSubscribe: 'authenticated', allowClientPublish: true, historySize: 1000, historyTtlMs: 60_000 },
  loose: { allowSubscribe: 'authenticated', allowClientPublish: true, historySize: 0, historyTtlMs: 0 },
} as const;
/** The default command rate limit (a burst of 200) would refuse part of the pipeline. */
const OPTIONS = { namespaces: NAMESPACES, maxCommandsPerSecond: 10_000 };

/** `count` publish commands in one frame, ids from 1, data `{n}` from 0. */
function publishFrame(channel: string, count: number, firstId = 1): string {
  return Array.from({ length: count }, (_, n) =>
    JSON.stringify({ id: firstId + n, publish: { channel, data: { n } } }),
  ).join('\n');
}

async function subscriber(t: TestServer, channel: string): Promise<RawClient> {
  const client = await RawClient.open(t.wsUrl);
  await client.connect(await t.token('watcher'));
  expect((await client.call('subscribe', { channel })).error).toBeUndefined();
  return client;
}

async function publisher(t: TestServer): Promise<RawClient> {
  const client = await RawClient.open(t.wsUrl);
  await client.connect(await t.token('publisher'));
  return client;
}

/** A client's publishes may overlap (pipelined), but their order and their replies are kept. */
function pipeliningCases(engine: string, start: () => Promise<TestServer>): void {
  describe(`pipelined client publishes on the ${engine} engine`, () => {
    let t: TestServer;
    afterEach(() => t?.close());

    it.each(['kept', 'loose'] as const)(
      'reach subscribers in the order sent (%s channel), each replied',
      async (ns) => {
        t = await start();
        const channel = `${ns}:orders`;
        const watcher = await subscriber(t, channel);
        const client = await publisher(t);
        client.sendRaw(publishFrame(channel, COUNT, 2));
        await watcher.waitFor(() => (watcher.publications(channel).length >= COUNT ? true : undefined), 10_000);
        const received = watcher.publications(channel);
        expect(received.map((p) => (p.data as { n: number }).n)).toEqual(Array.from({ length: COUNT }, (_, n) => n));
        if (ns === 'kept')
          expect(received.map((p) => p.offset)).toEqual(Array.from({ length: COUNT }, (_, n) => n + 1));
        await client.waitFor(() => (client.replies.size >= COUNT + 1 ? true : undefined));
        for (let id = 2; id < COUNT + 2; id++) expect(client.replies.get(id)).toEqual({ id, publish: {} });
        // Not one round trip per publish: replies confirmed together leave together (one frame
        // per publish when each publish waited for the one before).
        expect(client.frames.length).toBeLessThan(COUNT / 4);
      },
    );

    it('answers a refused publish in a pipeline with its error, and the rest with success', async () => {
      t = await start();
      const client = await publisher(t);
      client.sendRaw(
        [
          publishFrame('loose:a', 3, 2),
          JSON.stringify({ id: 5, publish: { channel: 'user:someone-else', data: {} } }),
          publishFrame('loose:a', 3, 6),
        ].join('\n'),
      );
      await client.waitFor(() => (client.replies.size >= 8 ? true : undefined));
      expect(client.replies.get(5)?.error).toMatchObject({ code: 103 });
      for (const id of [2, 3, 4, 6, 7, 8]) expect(client.replies.get(id)).toEqual({ id, publish: {} });
    });
  });
}

pipeliningCases('memory', () => startTestServer(OPTIONS));

describe('a frame of publishes on the memory engine', () => {
  let t: TestServer;
  afterEach(() => t?.close());

  it('fans them all out before its handler returns: a subscriber of their channel gets the first at once, the rest in one frame', async () => {
    t = await startTestServer(OPTIONS);
    const watcher = await subscriber(t, 'loose:room');
    const pushFrames = (): string[] => watcher.frames.filter((frame) => frame.includes('"push"'));
    const client = await publisher(t);
    client.sendRaw(publishFrame('loose:room', 20, 2));
    await watcher.waitFor(() => (watcher.publications('loose:room').length >= 20 ? true : undefined));
    // The first push leaves at once (the server is idle), the 19 behind it in one flush: not
    // one flush per publish (as when each publish after the first waited a microtask for it).
    expect(pushFrames().map((frame) => frame.split('\n').length)).toEqual([1, 19]);
    await client.waitFor(() => (client.replies.size >= 21 ? true : undefined));
  });

  it('replies to each in the same turn as its fan-out: no promise between a publish and its reply', async () => {
    t = await startTestServer(OPTIONS);
    const client = await subscriber(t, 'loose:room');
    const before = client.frames.length;
    client.sendRaw(publishFrame('loose:room', 20, 100));
    await client.waitFor(() => (client.replies.has(119) ? true : undefined));
    const frames = client.frames.slice(before);
    const lines = frames.flatMap((frame) => frame.split('\n').map((line) => JSON.parse(line) as { id?: number }));
    // Each publication, then its reply: the push written through, the rest in one flush.
    expect(lines.map((line) => line.id ?? 'push')).toEqual(
      Array.from({ length: 20 }, (_, n) => ['push', n + 100]).flat(),
    );
    expect(frames.map((frame) => frame.split('\n').length)).toEqual([1, 39]);
  });
});

const redisSkip = redisUnavailableReason();
describe.skipIf(redisSkip !== undefined)('on Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(() => redis?.stop());
  pipeliningCases('redis', () => startTestServer({ ...OPTIONS, redisUrl: redis.url }));
});
