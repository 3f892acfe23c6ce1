import type { ClientInfo, Envelope, StreamPosition } from '@dabba/protocol';

/** One publication as an engine stores and delivers it. */
export interface Publication {
  readonly envelope: Envelope;
  /** Position in the channel's stream; 0 when the channel keeps no history. */
  readonly offset: number;
  /** Who published it, for client publications. */
  readonly info?: ClientInfo | undefined;
}

export interface PublishOptions {
  /** Publications to keep in the channel's history; 0 keeps none and assigns no offsets. */
  historySize: number;
  /** How long the history lives after the channel's last publication, ms. */
  historyTtlMs: number;
  /** A key seen within `idempotencyTtlMs` returns the first result and publishes nothing. */
  idempotencyKey?: string | undefined;
  idempotencyTtlMs?: number | undefined;
}

export interface PublishResult extends StreamPosition {
  /** True when an idempotency key matched an earlier publish: nothing was published now. */
  readonly duplicate: boolean;
}

export interface HistoryQuery {
  /** Return publications after this position. With an epoch that is not the channel's, the result says so. */
  since?: { offset: number; epoch: string } | undefined;
  /** Most publications to return; 0 returns only the position; negative returns all kept. */
  limit: number;
  /** Newest first. */
  reverse?: boolean | undefined;
}

export interface HistoryResult extends StreamPosition {
  readonly publications: readonly Publication[];
  /** Set with `since`: whether the stream still holds everything after that position. */
  readonly complete: boolean;
}

/** Commands that reach every node, such as disconnecting a user wherever they are connected. */
export type ControlCommand =
  | { type: 'disconnect'; user: string; client?: string | undefined; code: number; reason: string }
  | { type: 'unsubscribe'; user: string; channels: string[] };

/** What an engine calls back into: the hub of this node. */
export interface EngineHandler {
  onPublication(channel: string, publication: Publication, epoch: string): void;
  onJoinLeave(kind: 'join' | 'leave', channel: string, info: ClientInfo): void;
  onControl(command: ControlCommand): void;
  /**
   * The engine's link between nodes broke and came back: publications sent meanwhile may not
   * have arrived, so clients should recover from history.
   */
  onEngineResync?(): void;
}

export interface PresenceStats {
  numClients: number;
  numUsers: number;
}

/**
 * A small key-value store with expiry that every node shares (for state all nodes must agree
 * on, such as the results of idempotent client commands). Values are strings.
 */
export interface SharedKeyValue {
  /** Stores `value` under `key` unless a live value is there: returns that value, or undefined when this call stored it. */
  putIfAbsent(key: string, value: string, ttlMs: number): Promise<string | undefined>;
  put(key: string, value: string, ttlMs: number): Promise<void>;
  remove(key: string): Promise<void>;
}

/**
 * Where publications, history and presence live, and how they travel between nodes. The
 * memory engine serves one node; the Redis engine shares all of it across nodes. A node asks
 * the engine to `subscribe` a channel while it has local subscribers, so that fan-out between
 * nodes only carries what a node needs.
 */
export interface Engine extends SharedKeyValue {
  readonly name: string;
  /**
   * Whether presence entries lapse unless renewed (`addPresence` again within their TTL): true
   * for an engine shared by nodes, so a dead node's clients disappear; the hub renews them then.
   */
  readonly presenceExpires: boolean;
  start(handler: EngineHandler): Promise<void>;
  publish(channel: string, envelope: Envelope, options: PublishOptions, info?: ClientInfo): Promise<PublishResult>;
  /**
   * `publish` without a promise, offered by an engine that needs no I/O to publish (memory):
   * a client's publish is then answered in the same tick as its fan-out, as a raw WebSocket
   * server would, instead of one microtask later.
   */
  publishNow?(channel: string, envelope: Envelope, options: PublishOptions, info?: ClientInfo): PublishResult;
  publishJoinLeave(kind: 'join' | 'leave', channel: string, info: ClientInfo): Promise<void>;
  publishControl(command: ControlCommand): Promise<void>;
  history(channel: string, query: HistoryQuery): Promise<HistoryResult>;
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  addPresence(channel: string, clientId: string, info: ClientInfo, ttlMs: number): Promise<void>;
  removePresence(channel: string, clientId: string): Promise<void>;
  presence(channel: string): Promise<Record<string, ClientInfo>>;
  presenceStats(channel: string): Promise<PresenceStats>;
  /**
   * Takes or renews a lease that at most one node holds at a time (for work that must run once
   * in the cluster, such as domain timers). True while this node holds it; it lapses after
   * `ttlMs` unless renewed.
   */
  tryLease(name: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string): Promise<void>;
  close(): Promise<void>;
}
