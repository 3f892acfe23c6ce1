import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ClientInfo, Envelope } from '@dabba/protocol';
import type { Logger } from '../logger.js';
import type {
  ControlCommand,
  Engine,
  EngineHandler,
  HistoryQuery,
  HistoryResult,
  PresenceStats,
  Publication,
  PublishOptions,
  PublishResult,
} from './engine.js';
import {
  ADD_PRESENCE_SCRIPT,
  HISTORY_SCRIPT,
  LEASE_SCRIPT,
  PRESENCE_SCRIPT,
  PUBLISH_SCRIPT,
  PUT_IF_ABSENT_SCRIPT,
  RELEASE_LEASE_SCRIPT,
} from './redis-scripts.js';

export interface RedisEngineOptions {
  /** `redis://[:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  logger: Logger;
  /** Prefix of every key and pub/sub channel, so deployments can share one Redis. Default 'dabba'. */
  prefix?: string;
  /**
   * Connections that carry channel subscriptions. A channel always uses the same one, so its
   * messages stay in order; several spread a busy node's subscriptions. Default 4.
   */
  pubSubShards?: number;
  /** How long a channel's position (offset, epoch) outlives its history, ms. Default 24 h. */
  streamMetaTtlMs?: number;
}

export const DEFAULT_REDIS_ENGINE_OPTIONS = {
  prefix: 'dabba',
  pubSubShards: 4,
  streamMetaTtlMs: 24 * 60 * 60 * 1000,
} as const;

/** A Lua script run by its hash, loaded again when Redis lost it (after a restart). */
class LuaScript {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

const SCRIPTS = {
  publish: new LuaScript(PUBLISH_SCRIPT),
  history: new LuaScript(HISTORY_SCRIPT),
  addPresence: new LuaScript(ADD_PRESENCE_SCRIPT),
  presence: new LuaScript(PRESENCE_SCRIPT),
  lease: new LuaScript(LEASE_SCRIPT),
  releaseLease: new LuaScript(RELEASE_LEASE_SCRIPT),
  putIfAbsent: new LuaScript(PUT_IF_ABSENT_SCRIPT),
};

interface StoredPublication {
  e: Envelope;
  i?: ClientInfo;
}

/**
 * Epoch candidates: unique without a random draw per publish (a node prefix and a counter).
 * Only a channel whose stream Redis lost takes one, so it differs from every earlier epoch.
 */
const epochPrefix = randomBytes(3).toString('hex');
let epochCounter = 0;
const newEpoch = (): string => `${epochPrefix}${(epochCounter++).toString(36)}`;

/** FNV-1a: spreads channels over the pub/sub connections, the same way on every node. */
function shardOf(channel: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < channel.length; i++) hash = Math.imul(hash ^ channel.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

/**
 * The engine for several nodes: publications travel between nodes over Redis pub/sub (a node
 * subscribes only to channels it has subscribers for), history lives in Redis Streams whose
 * entry ids are the offsets, presence in hashes with heartbeat expiry, idempotency keys and
 * leases in plain keys. Epochs survive node restarts and change only when Redis loses a stream.
 */
export class RedisEngine implements Engine {
  readonly name = 'redis';
  readonly presenceExpires = true;
  private handler: EngineHandler | undefined;
  private readonly commands: Redis;
  private readonly shards: Redis[];
  private readonly prefix: string;
  private readonly streamMetaTtlMs: number;
  private readonly holder = randomBytes(8).toString('hex');
  private closed = false;

  constructor(private readonly options: RedisEngineOptions) {
    this.prefix = options.prefix ?? DEFAULT_REDIS_ENGINE_OPTIONS.prefix;
    this.streamMetaTtlMs = options.streamMetaTtlMs ?? DEFAULT_REDIS_ENGINE_OPTIONS.streamMetaTtlMs;
    const shards = options.pubSubShards ?? DEFAULT_REDIS_ENGINE_OPTIONS.pubSubShards;
    if (!Number.isInteger(shards) || shards < 1) throw new TypeError('pubSubShards must be a positive integer');
    this.commands = this.connect('commands');
    this.shards = Array.from({ length: shards }, (_, i) => this.connect(`pubsub-${i}`));
  }

  async start(handler: EngineHandler): Promise<void> {
    this.handler = handler;
    const channelPrefix = `${this.prefix}:c:`;
    const control = `${this.prefix}:control`;
    for (const shard of this.shards) {
      shard.on('message', (name: string, message: string) => {
        if (name === control) this.onControlMessage(message);
        else if (name.startsWith(channelPrefix)) this.onChannelMessage(name.slice(channelPrefix.length), message);
      });
    }
    await Promise.all([this.commands, ...this.shards].map((r) => r.connect()));
    await this.shards[0]!.subscribe(control);
    // After a pub/sub connection comes back, messages sent meanwhile are gone: let the hub resync.
    for (const shard of this.shards) {
      let connectedOnce = false;
      shard.on('ready', () => {
        if (connectedOnce) this.handler?.onEngineResync?.();
        connectedOnce = true;
      });
      connectedOnce = shard.status === 'ready';
    }
  }

  async publish(
    channel: string,
    envelope: Envelope,
    options: PublishOptions,
    info?: ClientInfo,
  ): Promise<PublishResult> {
    const stored: StoredPublication = info ? { e: envelope, i: info } : { e: envelope };
    if (options.historySize === 0 && options.idempotencyKey === undefined) {
      // Nothing to keep, nothing to dedupe: a plain PUBLISH, no script (offset 0, no epoch).
      await this.commands.publish(this.pubSubChannel(channel), `p0::${JSON.stringify(stored)}`);
      return { offset: 0, epoch: '', duplicate: false };
    }
    const idempotencyKey = options.idempotencyKey === undefined ? '' : this.key('i', channel, options.idempotencyKey);
    const reply = (await SCRIPTS.publish.run(
      this.commands,
      [this.key('s', channel), this.key('m', channel), idempotencyKey],
      [
        JSON.stringify(stored),
        options.historySize,
        Math.max(1, options.historyTtlMs),
        Math.max(this.streamMetaTtlMs, options.historyTtlMs),
        newEpoch(),
        this.pubSubChannel(channel),
        options.idempotencyTtlMs ?? 300_000,
      ],
    )) as [number, string];
    const [offset, epoch] = splitPosition(reply[1]);
    return { offset, epoch, duplicate: reply[0] === 1 };
  }

  async publishJoinLeave(kind: 'join' | 'leave', channel: string, info: ClientInfo): Promise<void> {
    await this.commands.publish(this.pubSubChannel(channel), `${kind === 'join' ? 'j' : 'l'}${JSON.stringify(info)}`);
  }

  async publishControl(command: ControlCommand): Promise<void> {
    await this.commands.publish(`${this.prefix}:control`, JSON.stringify(command));
  }

  async history(channel: string, query: HistoryQuery): Promise<HistoryResult> {
    const reply = (await SCRIPTS.history.run(
      this.commands,
      [this.key('s', channel), this.key('m', channel)],
      [query.since ? query.since.offset : -1, query.limit, query.reverse ? 1 : 0, newEpoch(), this.streamMetaTtlMs],
    )) as Array<number | string>;
    const top = Number(reply[0]);
    const epoch = String(reply[1]);
    const oldest = Number(reply[2]);
    if (query.since && query.since.epoch !== epoch) return { publications: [], offset: top, epoch, complete: false };
    const publications: Publication[] = [];
    for (let i = 3; i + 1 < reply.length; i += 2) {
      const stored = JSON.parse(String(reply[i + 1])) as StoredPublication;
      publications.push({ envelope: stored.e, offset: Number(reply[i]), info: stored.i });
    }
    const after = query.since?.offset;
    const complete = after === undefined || (after >= oldest - 1 && after <= top);
    return { publications, offset: top, epoch, complete };
  }

  async subscribe(channel: string): Promise<void> {
    await this.shardFor(channel).subscribe(this.pubSubChannel(channel));
  }

  async unsubscribe(channel: string): Promise<void> {
    if (this.closed) return;
    await this.shardFor(channel).unsubscribe(this.pubSubChannel(channel));
  }

  async addPresence(channel: string, clientId: string, info: ClientInfo, ttlMs: number): Promise<void> {
    await SCRIPTS.addPresence.run(
      this.commands,
      [this.key('pd', channel), this.key('pz', channel)],
      [clientId, JSON.stringify(info), ttlMs],
    );
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    if (this.closed) return;
    await this.commands.multi().hdel(this.key('pd', channel), clientId).zrem(this.key('pz', channel), clientId).exec();
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    const flat = (await SCRIPTS.presence.run(
      this.commands,
      [this.key('pd', channel), this.key('pz', channel)],
      [],
    )) as string[];
    const out: Record<string, ClientInfo> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = JSON.parse(flat[i + 1]!) as ClientInfo;
    return out;
  }

  async presenceStats(channel: string): Promise<PresenceStats> {
    const members = Object.values(await this.presence(channel));
    return { numClients: members.length, numUsers: new Set(members.map((m) => m.user)).size };
  }

  async tryLease(name: string, ttlMs: number): Promise<boolean> {
    const held = await SCRIPTS.lease.run(this.commands, [`${this.prefix}:lease:${name}`], [this.holder, ttlMs]);
    return Number(held) === 1;
  }

  async releaseLease(name: string): Promise<void> {
    await SCRIPTS.releaseLease.run(this.commands, [`${this.prefix}:lease:${name}`], [this.holder]);
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    const live = await SCRIPTS.putIfAbsent.run(this.commands, [`${this.prefix}:kv:${key}`], [value, ttlMs]);
    return typeof live === 'string' ? live : undefined;
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    await this.commands.set(`${this.prefix}:kv:${key}`, value, 'PX', ttlMs);
  }

  async remove(key: string): Promise<void> {
    await this.commands.del(`${this.prefix}:kv:${key}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handler = undefined;
    await Promise.all(
      [this.commands, ...this.shards].map((r) =>
        r.status === 'ready' ? r.quit().catch(() => r.disconnect()) : r.disconnect(),
      ),
    );
  }

  private onChannelMessage(channel: string, message: string): void {
    const handler = this.handler;
    if (!handler) return;
    try {
      const kind = message[0];
      if (kind === 'p') {
        const first = message.indexOf(':');
        const second = message.indexOf(':', first + 1);
        const stored = JSON.parse(message.slice(second + 1)) as StoredPublication;
        const offset = Number(message.slice(1, first));
        handler.onPublication(
          channel,
          { envelope: stored.e, offset, info: stored.i },
          message.slice(first + 1, second),
        );
      } else if (kind === 'j' || kind === 'l') {
        handler.onJoinLeave(kind === 'j' ? 'join' : 'leave', channel, JSON.parse(message.slice(1)) as ClientInfo);
      }
    } catch (error) {
      this.options.logger.error({ err: error, channel }, 'dropped a malformed message from Redis');
    }
  }

  private onControlMessage(message: string): void {
    try {
      this.handler?.onControl(JSON.parse(message) as ControlCommand);
    } catch (error) {
      this.options.logger.error({ err: error }, 'dropped a malformed control message from Redis');
    }
  }

  private connect(role: string): Redis {
    const redis = new Redis(this.options.url, {
      lazyConnect: true,
      connectionName: `dabba-${role}`,
      // Commands issued in one event-loop turn go out in one write: under load, a syscall per
      // batch of publishes instead of one per publish.
      enableAutoPipelining: true,
      // Fail commands after a few reconnect attempts instead of queueing them for ever: the
      // outbox republishes what failed once Redis is back.
      maxRetriesPerRequest: 3,
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
    });
    let lastLoggedAt = 0;
    redis.on('error', (error: Error) => {
      // ioredis reports every failed reconnect; one line per few seconds is enough.
      if (Date.now() - lastLoggedAt < 5_000) return;
      lastLoggedAt = Date.now();
      this.options.logger.warn({ err: error, connection: role }, 'redis connection error');
    });
    return redis;
  }

  private shardFor(channel: string): Redis {
    return this.shards[shardOf(channel, this.shards.length)]!;
  }

  private pubSubChannel(channel: string): string {
    return `${this.prefix}:c:${channel}`;
  }

  private key(kind: string, channel: string, suffix?: string): string {
    const base = `${this.prefix}:${kind}:{${channel}}`;
    return suffix === undefined ? base : `${base}:${suffix}`;
  }
}

function splitPosition(position: string): [number, string] {
  const colon = position.indexOf(':');
  return [Number(position.slice(0, colon)), position.slice(colon + 1)];
}
