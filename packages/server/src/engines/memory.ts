import { randomBytes } from 'node:crypto';
import type { ClientInfo, Envelope } from '@dabba/protocol';
import type {
  ControlCommand,
  Engine,
  EngineHandler,
  HistoryQuery,
  HistoryResult,
  Publication,
  PresenceStats,
  PublishOptions,
  PublishResult,
} from './engine.js';

export interface MemoryEngineOptions {
  /** Entries of the shared key-value store kept at most; the oldest go first. Default 100 000. */
  maxKeyValueEntries?: number;
  /** How long a channel's position (offset, epoch) outlives its history, ms. Default 24 h. */
  streamMetaTtlMs?: number;
  /** How often expired history and idempotency keys are swept, ms. Default 10 s. */
  sweepIntervalMs?: number;
}

interface Stream {
  epoch: string;
  top: number;
  /** Undefined while none are kept: most streams are read (a subscriber's position) far more than published to. */
  publications: Publication[] | undefined;
  /** When the publications expire (ms since epoch). */
  historyExpiresAt: number;
  /** When the position itself is forgotten; a later publish starts a new epoch. */
  metaExpiresAt: number;
}

/**
 * A channel's presence: one member inline (a `user:` channel mostly has one connection, and a
 * Map per channel would cost every connection about 150 bytes), a Map from two on.
 */
type PresenceMembers = { readonly clientId: string; readonly info: ClientInfo } | Map<string, ClientInfo>;

const NO_PUBLICATIONS: readonly Publication[] = Object.freeze([]);

const newEpoch = (): string => randomBytes(4).toString('hex');

/**
 * The embedded engine: history, presence and fan-out in this process. Its epochs are new at
 * every start, so clients that recover across a restart are told honestly that they could not.
 */
export class MemoryEngine implements Engine {
  readonly name = 'memory';
  readonly presenceExpires = false;
  private handler: EngineHandler | undefined;
  private readonly streams = new Map<string, Stream>();
  private readonly presenceByChannel = new Map<string, PresenceMembers>();
  private readonly idempotent = new Map<string, { result: PublishResult; expiresAt: number }>();
  private readonly keyValues = new Map<string, { value: string; expiresAt: number }>();
  private readonly maxKeyValueEntries: number;
  private readonly streamMetaTtlMs: number;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(options: MemoryEngineOptions = {}) {
    this.streamMetaTtlMs = options.streamMetaTtlMs ?? 24 * 60 * 60 * 1000;
    this.maxKeyValueEntries = options.maxKeyValueEntries ?? 100_000;
    if (!(this.maxKeyValueEntries >= 1)) throw new TypeError('maxKeyValueEntries must be at least 1');
    this.sweepTimer = setInterval(() => this.sweep(Date.now()), options.sweepIntervalMs ?? 10_000);
    this.sweepTimer.unref();
  }

  async start(handler: EngineHandler): Promise<void> {
    this.handler = handler;
  }

  async publish(
    channel: string,
    envelope: Envelope,
    options: PublishOptions,
    info?: ClientInfo,
  ): Promise<PublishResult> {
    return this.publishNow(channel, envelope, options, info);
  }

  publishNow(channel: string, envelope: Envelope, options: PublishOptions, info?: ClientInfo): PublishResult {
    const now = Date.now();
    const key = options.idempotencyKey === undefined ? undefined : `${channel}\u0000${options.idempotencyKey}`;
    if (key !== undefined) {
      const seen = this.idempotent.get(key);
      if (seen && seen.expiresAt > now) return { ...seen.result, duplicate: true };
    }
    let offset = 0;
    let epoch = '';
    let publication: Publication;
    if (options.historySize > 0) {
      const stream = this.liveStream(channel, now);
      offset = ++stream.top;
      epoch = stream.epoch;
      publication = { envelope, offset, info };
      const kept = (stream.publications ??= []);
      kept.push(publication);
      if (kept.length > options.historySize) {
        kept.splice(0, kept.length - options.historySize);
      }
      stream.historyExpiresAt = now + options.historyTtlMs;
      stream.metaExpiresAt = now + Math.max(this.streamMetaTtlMs, options.historyTtlMs);
    } else {
      publication = { envelope, offset, info };
    }
    const result: PublishResult = { offset, epoch, duplicate: false };
    if (key !== undefined) this.idempotent.set(key, { result, expiresAt: now + (options.idempotencyTtlMs ?? 300_000) });
    this.handler?.onPublication(channel, publication, epoch);
    return result;
  }

  async publishJoinLeave(kind: 'join' | 'leave', channel: string, info: ClientInfo): Promise<void> {
    this.handler?.onJoinLeave(kind, channel, info);
  }

  async publishControl(command: ControlCommand): Promise<void> {
    this.handler?.onControl(command);
  }

  async history(channel: string, query: HistoryQuery): Promise<HistoryResult> {
    const stream = this.liveStream(channel, Date.now());
    const all = stream.publications ?? NO_PUBLICATIONS;
    let candidates: readonly Publication[];
    let complete = true;
    if (query.since) {
      if (query.since.epoch !== stream.epoch) {
        return { publications: [], offset: stream.top, epoch: stream.epoch, complete: false };
      }
      const after = query.since.offset;
      const oldest = all[0]?.offset ?? stream.top + 1;
      // Publications after `after` that are no longer kept mean the gap cannot be filled.
      complete = after >= oldest - 1 && after <= stream.top;
      candidates = all.filter((p) => p.offset > after);
    } else {
      candidates = all;
    }
    if (query.reverse) candidates = [...candidates].reverse();
    if (query.limit >= 0 && candidates.length > query.limit) candidates = candidates.slice(0, query.limit);
    return { publications: candidates, offset: stream.top, epoch: stream.epoch, complete };
  }

  async subscribe(): Promise<void> {
    // One node: every publication is already local.
  }

  async unsubscribe(): Promise<void> {}

  // No TTL needed: this process removes its own clients' entries when they disconnect, and a
  // dead process takes the whole map with it.
  async addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void> {
    const members = this.presenceByChannel.get(channel);
    if (members instanceof Map) members.set(clientId, info);
    // The hub's heartbeat renews entries: an unchanged one stays as it is, and no new object is made.
    else if (members?.clientId === clientId && members.info === info) return;
    else if (members === undefined || members.clientId === clientId)
      this.presenceByChannel.set(channel, { clientId, info });
    else
      this.presenceByChannel.set(
        channel,
        new Map([
          [members.clientId, members.info],
          [clientId, info],
        ]),
      );
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    const members = this.presenceByChannel.get(channel);
    if (members === undefined) return;
    if (!(members instanceof Map)) {
      if (members.clientId === clientId) this.presenceByChannel.delete(channel);
      return;
    }
    members.delete(clientId);
    if (members.size === 0) this.presenceByChannel.delete(channel);
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    const members = this.presenceByChannel.get(channel);
    if (members === undefined) return {};
    return members instanceof Map ? Object.fromEntries(members) : { [members.clientId]: members.info };
  }

  async presenceStats(channel: string): Promise<PresenceStats> {
    const members = this.presenceByChannel.get(channel);
    if (members === undefined) return { numClients: 0, numUsers: 0 };
    if (!(members instanceof Map)) return { numClients: 1, numUsers: 1 };
    const users = new Set<string>();
    for (const info of members.values()) users.add(info.user);
    return { numClients: members.size, numUsers: users.size };
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    const now = Date.now();
    const live = this.keyValues.get(key);
    if (live && live.expiresAt > now) return live.value;
    this.setKeyValue(key, value, now + ttlMs);
    return undefined;
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    this.setKeyValue(key, value, Date.now() + ttlMs);
  }

  async remove(key: string): Promise<void> {
    this.keyValues.delete(key);
  }

  /** One node: it always holds every lease. */
  async tryLease(): Promise<boolean> {
    return true;
  }

  async releaseLease(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.handler = undefined;
  }

  private setKeyValue(key: string, value: string, expiresAt: number): void {
    // Re-inserted at the end: the map's order stays the order in which entries were written.
    this.keyValues.delete(key);
    this.keyValues.set(key, { value, expiresAt });
    if (this.keyValues.size > this.maxKeyValueEntries) {
      const oldest = this.keyValues.keys().next();
      if (!oldest.done) this.keyValues.delete(oldest.value);
    }
  }

  /** The channel's stream, dropping expired history and starting a new epoch once its position is forgotten. */
  private liveStream(channel: string, now: number): Stream {
    let stream = this.streams.get(channel);
    if (stream && stream.metaExpiresAt <= now) stream = undefined;
    if (!stream) {
      stream = {
        epoch: newEpoch(),
        top: 0,
        publications: undefined,
        historyExpiresAt: 0,
        metaExpiresAt: now + this.streamMetaTtlMs,
      };
      this.streams.set(channel, stream);
    } else if (stream.historyExpiresAt <= now) {
      stream.publications = undefined;
    }
    return stream;
  }

  private sweep(now: number): void {
    for (const [channel, stream] of this.streams) {
      if (stream.metaExpiresAt <= now) this.streams.delete(channel);
      // Only streams that still hold publications are written to: rewriting every expired
      // stream (one per connected user) each sweep fed long-lived objects young garbage.
      else if (stream.historyExpiresAt <= now && stream.publications) stream.publications = undefined;
    }
    for (const [key, entry] of this.idempotent) if (entry.expiresAt <= now) this.idempotent.delete(key);
    for (const [key, entry] of this.keyValues) if (entry.expiresAt <= now) this.keyValues.delete(key);
  }
}
