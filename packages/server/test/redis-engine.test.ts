import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientInfo, Envelope } from '@dabba/protocol';
import type {
  ControlCommand,
  EngineHandler,
  Publication,
  PublishOptions,
  PublishResult,
} from '../src/engines/engine.js';
import { RedisEngine } from '../src/engines/redis.js';
import { createLogger } from '../src/logger.js';
import { redisUnavailableReason, startTestRedis, type TestRedis } from './support/redis-server.js';
import { waitUntil } from './support/wait.js';

/** Records every callback the engine makes, as the hub of one node would receive them. */
class RecordingNode implements EngineHandler {
  readonly publications: Array<{ channel: string; publication: Publication; epoch: string }> = [];
  readonly joinLeaves: Array<{ kind: 'join' | 'leave'; channel: string; info: ClientInfo }> = [];
  readonly controls: ControlCommand[] = [];
  resyncs = 0;

  onPublication(channel: string, publication: Publication, epoch: string): void {
    this.publications.push({ channel, publication, epoch });
  }
  onJoinLeave(kind: 'join' | 'leave', channel: string, info: ClientInfo): void {
    this.joinLeaves.push({ kind, channel, info });
  }
  onControl(command: ControlCommand): void {
    this.controls.push(command);
  }
  onEngineResync(): void {
    this.resyncs++;
  }
}

const HISTORY: PublishOptions = { historySize: 5, historyTtlMs: 60_000 };
const skip = redisUnavailableReason();
const logger = createLogger('silent');

let seq = 0;
function envelope(channel: string): Envelope {
  seq++;
  return { id: `e${seq}-${Math.random()}`, type: 'test:event', channel, data: { seq }, ts: Date.now() };
}

describe.skipIf(skip !== undefined)('RedisEngine', () => {
  let redis: TestRedis;
  let prefix: string;
  const engines: RedisEngine[] = [];

  async function node(): Promise<{ engine: RedisEngine; handler: RecordingNode }> {
    const engine = new RedisEngine({ url: redis.url, logger, prefix, pubSubShards: 2 });
    const handler = new RecordingNode();
    await engine.start(handler);
    engines.push(engine);
    return { engine, handler };
  }

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(() => {
    prefix = `t${++seq}`;
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  it('assigns increasing offsets in one epoch and fans out only to nodes that follow the channel', async () => {
    const a = await node();
    const b = await node();
    const c = await node();
    await a.engine.subscribe('news:x');
    await b.engine.subscribe('news:x');
    const results: PublishResult[] = [];
    for (let i = 0; i < 4; i++) results.push(await c.engine.publish('news:x', envelope('news:x'), HISTORY));
    expect(results.map((r) => r.offset)).toEqual([1, 2, 3, 4]);
    expect(new Set(results.map((r) => r.epoch)).size).toBe(1);
    await waitUntil(() => a.handler.publications.length === 4 && b.handler.publications.length === 4);
    expect(a.handler.publications.map((p) => p.publication.offset)).toEqual([1, 2, 3, 4]);
    expect(b.handler.publications.every((p) => p.epoch === results[0]!.epoch)).toBe(true);
    // The publishing node follows nothing: it receives nothing.
    expect(c.handler.publications).toEqual([]);
  });

  it('stops delivering a channel a node unsubscribed from', async () => {
    const a = await node();
    await a.engine.subscribe('news:y');
    await a.engine.publish('news:y', envelope('news:y'), HISTORY);
    await waitUntil(() => a.handler.publications.length === 1);
    await a.engine.unsubscribe('news:y');
    await a.engine.publish('news:y', envelope('news:y'), HISTORY);
    await a.engine.subscribe('news:z');
    await a.engine.publish('news:z', envelope('news:z'), HISTORY);
    await waitUntil(() => a.handler.publications.some((p) => p.channel === 'news:z'));
    expect(a.handler.publications.map((p) => p.channel)).toEqual(['news:y', 'news:z']);
  });

  it('publishes without history at offset 0 and keeps nothing', async () => {
    const a = await node();
    await a.engine.subscribe('live:1');
    const result = await a.engine.publish('live:1', envelope('live:1'), { historySize: 0, historyTtlMs: 0 });
    expect(result).toEqual({ offset: 0, epoch: '', duplicate: false });
    await waitUntil(() => a.handler.publications.length === 1);
    const history = await a.engine.history('live:1', { limit: -1 });
    expect(history.publications).toEqual([]);
  });

  it('keeps history trimmed to its size and answers since/limit/reverse like the memory engine', async () => {
    const { engine } = await node();
    const published = [];
    for (let i = 0; i < 7; i++) published.push(await engine.publish('news:h', envelope('news:h'), HISTORY));
    const epoch = published[0]!.epoch;
    const all = await engine.history('news:h', { limit: -1 });
    expect(all.publications.map((p) => p.offset)).toEqual([3, 4, 5, 6, 7]);
    expect(all.offset).toBe(7);
    const since = await engine.history('news:h', { limit: -1, since: { offset: 4, epoch } });
    expect(since.publications.map((p) => p.offset)).toEqual([5, 6, 7]);
    expect(since.complete).toBe(true);
    const tooOld = await engine.history('news:h', { limit: -1, since: { offset: 1, epoch } });
    expect(tooOld.complete).toBe(false);
    const otherEpoch = await engine.history('news:h', { limit: -1, since: { offset: 4, epoch: 'other' } });
    expect(otherEpoch).toMatchObject({ publications: [], complete: false, epoch, offset: 7 });
    const newest = await engine.history('news:h', { limit: 2, reverse: true });
    expect(newest.publications.map((p) => p.offset)).toEqual([7, 6]);
    const position = await engine.history('news:h', { limit: 0 });
    expect(position).toMatchObject({ publications: [], offset: 7, epoch });
    expect(all.publications[0]!.envelope.channel).toBe('news:h');
  });

  it('fixes the epoch on a first read, so the first publish continues that stream', async () => {
    const { engine } = await node();
    const before = await engine.history('news:new', { limit: 0 });
    expect(before.offset).toBe(0);
    const first = await engine.publish('news:new', envelope('news:new'), HISTORY);
    expect(first).toMatchObject({ offset: 1, epoch: before.epoch });
    const recovered = await engine.history('news:new', { limit: -1, since: { offset: 0, epoch: before.epoch } });
    expect(recovered.complete).toBe(true);
    expect(recovered.publications).toHaveLength(1);
  });

  it('shares idempotency keys between nodes', async () => {
    const a = await node();
    const b = await node();
    const first = await a.engine.publish('news:i', envelope('news:i'), { ...HISTORY, idempotencyKey: 'k1' });
    const again = await b.engine.publish('news:i', envelope('news:i'), { ...HISTORY, idempotencyKey: 'k1' });
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await a.engine.history('news:i', { limit: -1 })).publications).toHaveLength(1);
  });

  it('shares presence between nodes and expires the entries of a node that stopped renewing them', async () => {
    const a = await node();
    const b = await node();
    await a.engine.addPresence('room:1', 'c1', { client: 'c1', user: 'u1' }, 60_000);
    await b.engine.addPresence('room:1', 'c2', { client: 'c2', user: 'u1' }, 300);
    expect(Object.keys(await a.engine.presence('room:1')).sort()).toEqual(['c1', 'c2']);
    expect(await b.engine.presenceStats('room:1')).toEqual({ numClients: 2, numUsers: 1 });
    // b "dies": nobody renews c2, and after the TTL it is gone.
    const deadline = Date.now() + 5_000;
    while (Object.keys(await a.engine.presence('room:1')).length > 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Object.keys(await a.engine.presence('room:1'))).toEqual(['c1']);
    await a.engine.removePresence('room:1', 'c1');
    expect(await a.engine.presenceStats('room:1')).toEqual({ numClients: 0, numUsers: 0 });
  });

  it('carries join/leave and control commands between nodes', async () => {
    const a = await node();
    const b = await node();
    await b.engine.subscribe('room:2');
    await a.engine.publishJoinLeave('join', 'room:2', { client: 'c1', user: 'u1' });
    await a.engine.publishControl({ type: 'unsubscribe', user: 'u1', channels: ['room:2'] });
    await waitUntil(() => b.handler.joinLeaves.length === 1 && b.handler.controls.length === 1);
    expect(b.handler.joinLeaves[0]).toEqual({ kind: 'join', channel: 'room:2', info: { client: 'c1', user: 'u1' } });
    // Control commands reach every node, the sender's too.
    await waitUntil(() => a.handler.controls.length === 1);
  });

  it('shares a key-value store between nodes: the first put wins until it expires or is removed', async () => {
    const a = await node();
    const b = await node();
    expect(await a.engine.putIfAbsent('k', 'first', 10_000)).toBeUndefined();
    expect(await b.engine.putIfAbsent('k', 'second', 10_000)).toBe('first');
    await b.engine.put('k', 'replaced', 10_000);
    expect(await a.engine.putIfAbsent('k', 'third', 10_000)).toBe('replaced');
    await a.engine.remove('k');
    expect(await b.engine.putIfAbsent('k', 'fourth', 100)).toBeUndefined();
    // Expiry announces itself no way: wait past the TTL.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await a.engine.putIfAbsent('k', 'fifth', 10_000)).toBeUndefined();
  });

  it('grants a lease to one node at a time, renews it for its holder, and hands it over once released', async () => {
    const a = await node();
    const b = await node();
    expect(await a.engine.tryLease('timers', 10_000)).toBe(true);
    expect(await b.engine.tryLease('timers', 10_000)).toBe(false);
    expect(await a.engine.tryLease('timers', 10_000)).toBe(true);
    await a.engine.releaseLease('timers');
    expect(await b.engine.tryLease('timers', 200)).toBe(true);
    expect(await a.engine.tryLease('timers', 10_000)).toBe(false);
    // A holder that dies stops renewing: the lease lapses.
    const deadline = Date.now() + 5_000;
    let taken = false;
    while (!taken && Date.now() < deadline) {
      taken = await a.engine.tryLease('timers', 10_000);
      if (!taken) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(taken).toBe(true);
  });

  it('survives a Redis restart: reconnects, asks the hub to resync, and starts new epochs', async () => {
    const a = await node();
    await a.engine.subscribe('news:r');
    const before = await a.engine.publish('news:r', envelope('news:r'), HISTORY);
    await waitUntil(() => a.handler.publications.length === 1);
    await redis.kill();
    await expect(a.engine.publish('news:r', envelope('news:r'), HISTORY)).rejects.toThrow();
    await redis.start();
    await waitUntil(() => a.handler.resyncs > 0, 10_000);
    const after = await a.engine.publish('news:r', envelope('news:r'), HISTORY);
    expect(after.offset).toBe(1);
    expect(after.epoch).not.toBe(before.epoch);
    // The subscription came back with the connection.
    await waitUntil(() => a.handler.publications.length === 2);
    const recovery = await a.engine.history('news:r', { limit: -1, since: { offset: 1, epoch: before.epoch } });
    expect(recovery.complete).toBe(false);
  });
});
