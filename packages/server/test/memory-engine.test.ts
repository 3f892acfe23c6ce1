import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientInfo, Envelope } from '@dabba/protocol';
import type { ControlCommand, Engine, EngineHandler, Publication, PublishOptions } from '../src/engines/engine.js';
import { MemoryEngine } from '../src/engines/memory.js';

/** Records every callback the engine makes. */
class RecordingHandler implements EngineHandler {
  readonly publications: Array<{ channel: string; publication: Publication; epoch: string }> = [];
  readonly joinLeaves: Array<{ kind: 'join' | 'leave'; channel: string; info: ClientInfo }> = [];
  readonly controls: ControlCommand[] = [];

  onPublication(channel: string, publication: Publication, epoch: string): void {
    this.publications.push({ channel, publication, epoch });
  }

  onJoinLeave(kind: 'join' | 'leave', channel: string, info: ClientInfo): void {
    this.joinLeaves.push({ kind, channel, info });
  }

  onControl(command: ControlCommand): void {
    this.controls.push(command);
  }
}

const HISTORY: PublishOptions = { historySize: 5, historyTtlMs: 60_000 };
const START = new Date('2030-01-01T00:00:00Z').getTime();

let seq = 0;
function envelope(channel: string, data: unknown = { seq: ++seq }): Envelope {
  return { id: `e${seq}-${Math.random()}`, type: 'test:event', channel, data, ts: Date.now() };
}

describe('MemoryEngine', () => {
  // Driven through the Engine interface, as the hub drives it.
  let engine: Engine;
  let handler: RecordingHandler;

  beforeEach(async () => {
    vi.useFakeTimers();
    vi.setSystemTime(START);
    engine = new MemoryEngine({ streamMetaTtlMs: 600_000, sweepIntervalMs: 1_000 });
    handler = new RecordingHandler();
    await engine.start(handler);
  });
  afterEach(async () => {
    await engine.close();
    vi.useRealTimers();
  });

  async function publishN(channel: string, n: number, options: PublishOptions = HISTORY) {
    const results = [];
    for (let i = 0; i < n; i++) results.push(await engine.publish(channel, envelope(channel), options));
    return results;
  }

  const offsets = (publications: readonly Publication[]): number[] => publications.map((p) => p.offset);

  describe('publish', () => {
    it('assigns strictly increasing offsets per channel, in one epoch, and delivers each', async () => {
      const a = await publishN('news:a', 4);
      const b = await publishN('news:b', 2);
      expect(a.map((r) => r.offset)).toEqual([1, 2, 3, 4]);
      expect(b.map((r) => r.offset)).toEqual([1, 2]);
      expect(new Set(a.map((r) => r.epoch)).size).toBe(1);
      expect(a[0]?.epoch).toMatch(/^[0-9a-f]{8}$/);
      expect(a[0]?.epoch).not.toBe(b[0]?.epoch);
      expect(a.every((r) => !r.duplicate)).toBe(true);

      expect(handler.publications.map((p) => [p.channel, p.publication.offset, p.epoch])).toEqual([
        ...a.map((r) => ['news:a', r.offset, r.epoch]),
        ...b.map((r) => ['news:b', r.offset, r.epoch]),
      ]);
    });

    it('passes the envelope and publisher info through', async () => {
      const env = envelope('chat:1', { text: 'hi' });
      const info = { client: 'c1', user: 'u1' };
      await engine.publish('chat:1', env, HISTORY, info);
      expect(handler.publications[0]?.publication).toEqual({ envelope: env, offset: 1, info });
      expect((await engine.history('chat:1', { limit: -1 })).publications).toEqual([
        { envelope: env, offset: 1, info },
      ]);
    });

    it('publishes without a promise (publishNow): fanned out and positioned before it returns', async () => {
      const now = (engine as MemoryEngine).publishNow('news:now', envelope('news:now'), HISTORY);
      expect(handler.publications.map((p) => p.publication.offset)).toEqual([1]);
      expect(now).toMatchObject({ offset: 1, duplicate: false });
      // The promise form continues the same stream.
      expect(await engine.publish('news:now', envelope('news:now'), HISTORY)).toMatchObject({
        offset: 2,
        epoch: now.epoch,
      });
    });

    it('with historySize 0 publishes with offset 0 and an empty epoch, and keeps nothing', async () => {
      const results = await publishN('live:1', 3, { historySize: 0, historyTtlMs: 0 });
      expect(results).toEqual([
        { offset: 0, epoch: '', duplicate: false },
        { offset: 0, epoch: '', duplicate: false },
        { offset: 0, epoch: '', duplicate: false },
      ]);
      expect(handler.publications.map((p) => [p.publication.offset, p.epoch])).toEqual([
        [0, ''],
        [0, ''],
        [0, ''],
      ]);
      const history = await engine.history('live:1', { limit: -1 });
      expect(history.publications).toEqual([]);
      expect(history.offset).toBe(0);
    });
  });

  describe('idempotency', () => {
    const keyed = (key: string, ttl = 10_000): PublishOptions => ({
      ...HISTORY,
      idempotencyKey: key,
      idempotencyTtlMs: ttl,
    });

    it('returns the first result with duplicate: true and does not publish again', async () => {
      const first = await engine.publish('orders:1', envelope('orders:1'), keyed('k1'));
      const again = await engine.publish('orders:1', envelope('orders:1'), keyed('k1'));
      expect(first).toMatchObject({ offset: 1, duplicate: false });
      expect(again).toEqual({ offset: first.offset, epoch: first.epoch, duplicate: true });
      expect(handler.publications).toHaveLength(1);
      expect(offsets((await engine.history('orders:1', { limit: -1 })).publications)).toEqual([1]);
    });

    it('scopes keys to the channel', async () => {
      await engine.publish('orders:1', envelope('orders:1'), keyed('k1'));
      const other = await engine.publish('orders:2', envelope('orders:2'), keyed('k1'));
      expect(other).toMatchObject({ offset: 1, duplicate: false });
      expect(handler.publications).toHaveLength(2);
    });

    it('forgets a key after its TTL, also once swept', async () => {
      await engine.publish('orders:1', envelope('orders:1'), keyed('k1', 5_000));
      vi.advanceTimersByTime(4_999);
      expect((await engine.publish('orders:1', envelope('orders:1'), keyed('k1', 5_000))).duplicate).toBe(true);
      vi.advanceTimersByTime(1);
      const later = await engine.publish('orders:1', envelope('orders:1'), keyed('k1', 5_000));
      expect(later).toMatchObject({ offset: 2, duplicate: false });
      vi.advanceTimersByTime(10_000); // several sweeps
      expect((await engine.publish('orders:1', envelope('orders:1'), keyed('k1', 5_000))).duplicate).toBe(false);
      expect(handler.publications).toHaveLength(3);
    });

    it('also dedupes on channels without history', async () => {
      const options = { historySize: 0, historyTtlMs: 0, idempotencyKey: 'k' };
      await engine.publish('live:1', envelope('live:1'), options);
      expect(await engine.publish('live:1', envelope('live:1'), options)).toEqual({
        offset: 0,
        epoch: '',
        duplicate: true,
      });
      expect(handler.publications).toHaveLength(1);
    });
  });

  describe('history', () => {
    it('trims to historySize, keeping the newest', async () => {
      await publishN('news:1', 8, { historySize: 3, historyTtlMs: 60_000 });
      const history = await engine.history('news:1', { limit: -1 });
      expect(offsets(history.publications)).toEqual([6, 7, 8]);
      expect(history.offset).toBe(8);
    });

    it('honours limit and reverse; limit 0 returns only the position', async () => {
      const [first] = await publishN('news:1', 5);
      expect(offsets((await engine.history('news:1', { limit: 2 })).publications)).toEqual([1, 2]);
      expect(offsets((await engine.history('news:1', { limit: 2, reverse: true })).publications)).toEqual([5, 4]);
      expect(await engine.history('news:1', { limit: 0 })).toEqual({
        publications: [],
        offset: 5,
        epoch: first?.epoch,
        complete: true,
      });
    });

    it('returns what came after a position in the same epoch, complete', async () => {
      const [first] = await publishN('news:1', 5);
      const epoch = first?.epoch as string;
      const since = await engine.history('news:1', { since: { offset: 2, epoch }, limit: -1 });
      expect(offsets(since.publications)).toEqual([3, 4, 5]);
      expect(since).toMatchObject({ offset: 5, epoch, complete: true });
      const limited = await engine.history('news:1', { since: { offset: 2, epoch }, limit: 1 });
      expect(offsets(limited.publications)).toEqual([3]);
      const atTop = await engine.history('news:1', { since: { offset: 5, epoch }, limit: -1 });
      expect(atTop).toMatchObject({ publications: [], complete: true });
    });

    it('is incomplete for a position older than the retained window', async () => {
      const [first] = await publishN('news:1', 8, { historySize: 3, historyTtlMs: 60_000 });
      const epoch = first?.epoch as string;
      // Kept: 6, 7, 8. After 5 nothing is missing; after 4, publication 5 is gone.
      const edge = await engine.history('news:1', { since: { offset: 5, epoch }, limit: -1 });
      expect(edge).toMatchObject({ complete: true });
      expect(offsets(edge.publications)).toEqual([6, 7, 8]);
      const gap = await engine.history('news:1', { since: { offset: 4, epoch }, limit: -1 });
      expect(gap.complete).toBe(false);
      expect(gap.offset).toBe(8);
    });

    it('is incomplete, and returns nothing, for another epoch or a position beyond the top', async () => {
      const [first] = await publishN('news:1', 3);
      const wrong = await engine.history('news:1', { since: { offset: 1, epoch: 'deadbeef' }, limit: -1 });
      expect(wrong).toEqual({ publications: [], offset: 3, epoch: first?.epoch, complete: false });
      const ahead = await engine.history('news:1', { since: { offset: 9, epoch: first?.epoch as string }, limit: -1 });
      expect(ahead).toMatchObject({ publications: [], complete: false });
    });

    it('drops publications after the history TTL but keeps the position and epoch', async () => {
      const [first] = await publishN('news:1', 3, { historySize: 10, historyTtlMs: 1_000 });
      const epoch = first?.epoch as string;
      vi.setSystemTime(START + 999);
      expect(offsets((await engine.history('news:1', { limit: -1 })).publications)).toEqual([1, 2, 3]);
      vi.setSystemTime(START + 1_000);
      const expired = await engine.history('news:1', { limit: -1 });
      expect(expired).toEqual({ publications: [], offset: 3, epoch, complete: true });
      // A client at the top lost nothing; one behind it cannot be filled.
      expect((await engine.history('news:1', { since: { offset: 3, epoch }, limit: -1 })).complete).toBe(true);
      expect((await engine.history('news:1', { since: { offset: 1, epoch }, limit: -1 })).complete).toBe(false);

      const next = await engine.publish('news:1', envelope('news:1'), { historySize: 10, historyTtlMs: 1_000 });
      expect(next).toMatchObject({ offset: 4, epoch });
      expect(offsets((await engine.history('news:1', { limit: -1 })).publications)).toEqual([4]);
    });

    it('extends the history TTL with each publication', async () => {
      const options = { historySize: 10, historyTtlMs: 1_000 };
      await publishN('news:1', 1, options);
      vi.setSystemTime(START + 800);
      await publishN('news:1', 1, options);
      vi.setSystemTime(START + 1_500);
      expect(offsets((await engine.history('news:1', { limit: -1 })).publications)).toEqual([1, 2]);
    });

    it('starts a new epoch at offset 1 once the stream meta TTL has passed', async () => {
      const [first] = await publishN('news:1', 3, { historySize: 10, historyTtlMs: 1_000 });
      vi.setSystemTime(START + 599_999);
      expect((await engine.history('news:1', { limit: 0 })).epoch).toBe(first?.epoch);
      vi.setSystemTime(START + 600_000);
      const fresh = await engine.history('news:1', { limit: -1 });
      expect(fresh.epoch).not.toBe(first?.epoch);
      expect(fresh).toMatchObject({ publications: [], offset: 0 });
      const recovered = await engine.history('news:1', {
        since: { offset: 3, epoch: first?.epoch as string },
        limit: -1,
      });
      expect(recovered.complete).toBe(false);
      const next = await engine.publish('news:1', envelope('news:1'), HISTORY);
      expect(next).toMatchObject({ offset: 1, epoch: fresh.epoch });
    });

    it('starts over once the periodic sweep has run past the meta TTL', async () => {
      const [first] = await publishN('news:1', 2, { historySize: 10, historyTtlMs: 1_000 });
      vi.advanceTimersByTime(600_000);
      const next = await engine.publish('news:1', envelope('news:1'), HISTORY);
      expect(next.offset).toBe(1);
      expect(next.epoch).not.toBe(first?.epoch);
    });

    it('keeps the position at least as long as a history TTL longer than the meta TTL', async () => {
      const options = { historySize: 10, historyTtlMs: 900_000 };
      const [first] = await publishN('news:1', 2, options);
      vi.setSystemTime(START + 800_000);
      const history = await engine.history('news:1', { limit: -1 });
      expect(history).toMatchObject({ epoch: first?.epoch, offset: 2 });
      expect(offsets(history.publications)).toEqual([1, 2]);
    });
  });

  describe('presence', () => {
    it('adds, removes and counts clients and distinct users', async () => {
      await engine.addPresence('room:1', 'c1', { client: 'c1', user: 'alice' }, 60_000);
      await engine.addPresence('room:1', 'c2', { client: 'c2', user: 'alice' }, 60_000);
      await engine.addPresence('room:1', 'c3', { client: 'c3', user: 'bob' }, 60_000);
      await engine.addPresence('room:2', 'c4', { client: 'c4', user: 'carol' }, 60_000);
      expect(await engine.presenceStats('room:1')).toEqual({ numClients: 3, numUsers: 2 });
      expect(await engine.presence('room:1')).toEqual({
        c1: { client: 'c1', user: 'alice' },
        c2: { client: 'c2', user: 'alice' },
        c3: { client: 'c3', user: 'bob' },
      });

      await engine.removePresence('room:1', 'c3');
      expect(await engine.presenceStats('room:1')).toEqual({ numClients: 2, numUsers: 1 });
      await engine.removePresence('room:1', 'c1');
      await engine.removePresence('room:1', 'c2');
      await engine.removePresence('room:1', 'never-there');
      await engine.removePresence('room:none', 'c1');
      expect(await engine.presence('room:1')).toEqual({});
      expect(await engine.presenceStats('room:1')).toEqual({ numClients: 0, numUsers: 0 });
      expect(await engine.presenceStats('room:2')).toEqual({ numClients: 1, numUsers: 1 });
    });

    it('replaces the entry of a client added twice', async () => {
      await engine.addPresence('room:1', 'c1', { client: 'c1', user: 'alice' }, 60_000);
      await engine.addPresence('room:1', 'c1', { client: 'c1', user: 'alice', chan_info: { seat: 2 } }, 60_000);
      expect(await engine.presence('room:1')).toEqual({ c1: { client: 'c1', user: 'alice', chan_info: { seat: 2 } } });
      expect(await engine.presenceStats('room:1')).toEqual({ numClients: 1, numUsers: 1 });
    });
    it('keeps a single member apart from the others until it leaves (a user channel)', async () => {
      const alice = { client: 'c1', user: 'alice' };
      await engine.addPresence('user:alice', 'c1', alice, 60_000);
      await engine.addPresence('user:alice', 'c1', alice, 60_000);
      await engine.removePresence('user:alice', 'c2');
      expect(await engine.presence('user:alice')).toEqual({ c1: alice });
      expect(await engine.presenceStats('user:alice')).toEqual({ numClients: 1, numUsers: 1 });
      await engine.addPresence('user:alice', 'c2', { client: 'c2', user: 'alice' }, 60_000);
      await engine.removePresence('user:alice', 'c1');
      expect(await engine.presence('user:alice')).toEqual({ c2: { client: 'c2', user: 'alice' } });
      await engine.removePresence('user:alice', 'c2');
      expect(await engine.presenceStats('user:alice')).toEqual({ numClients: 0, numUsers: 0 });
    });
  });

  describe('join/leave, control and close', () => {
    it('hands join/leave and control commands to the handler', async () => {
      const info = { client: 'c1', user: 'alice' };
      await engine.publishJoinLeave('join', 'room:1', info);
      await engine.publishJoinLeave('leave', 'room:1', info);
      const command: ControlCommand = { type: 'disconnect', user: 'alice', code: 3503, reason: 'force disconnect' };
      await engine.publishControl(command);
      expect(handler.joinLeaves).toEqual([
        { kind: 'join', channel: 'room:1', info },
        { kind: 'leave', channel: 'room:1', info },
      ]);
      expect(handler.controls).toEqual([command]);
    });

    it('stops calling the handler once closed', async () => {
      await engine.close();
      await engine.publish('news:1', envelope('news:1'), HISTORY);
      await engine.publishControl({ type: 'disconnect', user: 'u', code: 3503, reason: 'x' });
      expect(handler.publications).toEqual([]);
      expect(handler.controls).toEqual([]);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
