import { z } from 'zod';
import { Emitter } from '../emitter.js';
import { DabbaClientError, isProtocolError, isRetryable } from '../errors.js';
import type { OutboxStorage } from './storage.js';

/**
 * `ordered`: kept and sent in order (chat messages, cart edits). `latest`: only the newest of a
 * method is kept, and it goes out before ordered entries (driver locations: a stale fix is
 * worthless, a fresh one is urgent).
 */
export type OutboxKind = 'ordered' | 'latest';

/** One client action waiting to be sent as a native rpc. */
export interface OutboxEntry {
  /** Also the idempotency key sent with it: the server applies it once however often it is sent. */
  readonly id: string;
  readonly method: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly kind: OutboxKind;
  /** When it was queued, ms since the epoch. */
  readonly createdAt: number;
}

export interface OutboxEvents extends Record<string, unknown[]> {
  /** An entry left without being sent: overflow (oldest first), superseded (latest-wins), cleared. */
  dropped: [OutboxEntry, DabbaClientError];
  /** The server accepted an entry; `result` is its rpc reply. */
  sent: [OutboxEntry, unknown];
  /** The server rejected an entry for good (validation, permission…); it is not retried. */
  failed: [OutboxEntry, DabbaClientError];
  /** Storage could not be read or written. */
  error: [DabbaClientError];
}

/** The rpc field that carries the idempotency key (see docs/protocol.md, "Idempotent rpc calls"). */
export const IDEMPOTENCY_FIELD = 'idempotencyKey';

const persistedSchema = z.object({
  version: z.literal(1),
  entries: z.array(
    z.object({
      id: z.string().min(1).max(200),
      method: z.string().min(1),
      data: z.record(z.string(), z.unknown()),
      kind: z.enum(['ordered', 'latest']),
      createdAt: z.number(),
    }),
  ),
});

export interface OutboxDeps {
  storage: OutboxStorage;
  storageKey: string;
  maxEntries: number;
  retryDelayMs: number;
  /** Sends one rpc; rejects with centrifuge-js's `{code, message, temporary?}` on failure. */
  call(method: string, data: Record<string, unknown>): Promise<unknown>;
  /** Whether the connection is up now. */
  connected(): boolean;
  onListenerError(error: unknown): void;
}

interface Waiter {
  resolve(result: unknown): void;
  reject(error: DabbaClientError): void;
}

/**
 * The offline outbox: actions are queued, persisted, and sent one at a time whenever the client
 * is connected; each leaves the queue only when the server answered. A reply lost with the
 * connection is no problem: the entry is sent again with the same idempotency key, and the
 * server returns the first result instead of applying it twice.
 */
export class Outbox {
  /** Resolves once entries persisted by an earlier run are back in the queue. */
  readonly restored: Promise<void>;
  private queue: OutboxEntry[] = [];
  private readonly waiters = new Map<string, Waiter>();
  private readonly emitter: Emitter<OutboxEvents>;
  private isRestored = false;
  private sending: OutboxEntry | undefined;
  private writes: Promise<void> = Promise.resolve();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly deps: OutboxDeps) {
    if (!(deps.maxEntries >= 1)) throw new TypeError('outbox.maxEntries must be at least 1');
    this.emitter = new Emitter(deps.onListenerError);
    this.restored = this.restore();
  }

  on<K extends keyof OutboxEvents>(event: K, listener: (...args: OutboxEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  /** Entries waiting, in the order they will be sent. */
  entries(): readonly OutboxEntry[] {
    return this.sendOrder();
  }

  get size(): number {
    return this.queue.length;
  }

  /** Queues an action; resolves with the server's reply once it is sent, however long that takes. */
  enqueue(method: string, data: Record<string, unknown>, kind: OutboxKind): Promise<unknown> {
    if (this.closed) return Promise.reject(new DabbaClientError('outbox_cleared', 'the client is closed'));
    if (IDEMPOTENCY_FIELD in data) throw new TypeError(`send(): data.${IDEMPOTENCY_FIELD} is reserved for the outbox`);
    const entry: OutboxEntry = { id: newKey(), method, data, kind, createdAt: Date.now() };
    const result = new Promise<unknown>((resolve, reject) => this.waiters.set(entry.id, { resolve, reject }));
    // Every rejection is also a `dropped` or `failed` event: a send nobody awaits (a location
    // every second) must not become an unhandled rejection. Awaiting it still sees the error.
    result.catch(() => undefined);
    this.add(entry);
    this.persist();
    this.flush();
    return result;
  }

  /** Drops every entry (each `dropped` with `outbox_cleared`). */
  clear(): void {
    for (const entry of this.queue.filter((e) => e !== this.sending)) {
      this.drop(entry, new DabbaClientError('outbox_cleared', `${entry.method} was cleared from the outbox`));
    }
    this.persist();
  }

  /** Sends what is queued, one at a time, while connected. Safe to call at any time. */
  flush(): void {
    if (this.sending || !this.isRestored || this.closed || !this.deps.connected()) return;
    const entry = this.sendOrder()[0];
    if (!entry) return;
    this.sending = entry;
    void this.deps
      .call(entry.method, { ...entry.data, [IDEMPOTENCY_FIELD]: entry.id })
      .then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      )
      .then((outcome) => {
        this.sending = undefined;
        if (this.settle(entry, outcome)) this.flush();
      });
  }

  /** Stops sending and rejects every waiting `send()`; what is persisted stays for the next run. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const [id, waiter] of this.waiters) {
      waiter.reject(new DabbaClientError('outbox_cleared', 'the client closed before this was sent', { id }));
    }
    this.waiters.clear();
    this.emitter.clear();
  }

  /** Resolves once everything written so far is in storage. */
  persisted(): Promise<void> {
    return this.writes;
  }

  /** Applies a call's outcome; false when sending should pause (a retryable failure). */
  private settle(entry: OutboxEntry, outcome: { result: unknown } | { error: unknown }): boolean {
    if ('result' in outcome) {
      this.remove(entry);
      this.persist();
      this.waiters.get(entry.id)?.resolve(outcome.result);
      this.waiters.delete(entry.id);
      this.emitter.emit('sent', entry, outcome.result);
      return true;
    }
    const { error } = outcome;
    if (isRetryable(error)) {
      // Kept. A reconnect flushes again; while still connected (a timeout, rate limiting) retry later.
      if (this.deps.connected() && !this.closed) {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.flush(), this.deps.retryDelayMs);
      }
      return false;
    }
    const failure = new DabbaClientError(
      'rpc_failed',
      `${entry.method} was rejected: ${isProtocolError(error) ? error.message : String(error)}`,
      { id: entry.id, method: entry.method, serverCode: isProtocolError(error) ? error.code : undefined },
      { cause: error },
    );
    this.remove(entry);
    this.persist();
    this.waiters.get(entry.id)?.reject(failure);
    this.waiters.delete(entry.id);
    this.emitter.emit('failed', entry, failure);
    return true;
  }

  private add(entry: OutboxEntry): void {
    if (entry.kind === 'latest') {
      for (const older of this.queue.filter((e) => e.kind === 'latest' && e.method === entry.method)) {
        if (older === this.sending) continue;
        this.drop(older, new DabbaClientError('outbox_superseded', `${older.method} was replaced by a newer one`));
      }
    }
    this.queue.push(entry);
    while (this.queue.length > this.deps.maxEntries) {
      const oldest = this.queue.find((e) => e !== this.sending);
      if (!oldest) break;
      this.drop(
        oldest,
        new DabbaClientError(
          'outbox_overflow',
          `the outbox is full (${this.deps.maxEntries}): dropped ${oldest.method}`,
          {
            maxEntries: this.deps.maxEntries,
          },
        ),
      );
    }
  }

  private drop(entry: OutboxEntry, reason: DabbaClientError): void {
    this.remove(entry);
    const waiter = this.waiters.get(entry.id);
    this.waiters.delete(entry.id);
    this.emitter.emit('dropped', entry, reason);
    waiter?.reject(reason);
  }

  private remove(entry: OutboxEntry): void {
    this.queue = this.queue.filter((e) => e !== entry);
  }

  /** Latest-wins entries first (oldest method first), then ordered ones in the order queued. */
  private sendOrder(): OutboxEntry[] {
    return [...this.queue.filter((e) => e.kind === 'latest'), ...this.queue.filter((e) => e.kind === 'ordered')];
  }

  private persist(): void {
    const text = JSON.stringify({ version: 1, entries: this.queue });
    const { storage, storageKey } = this.deps;
    this.writes = this.writes
      .then(() => storage.setItem(storageKey, text))
      .catch((error: unknown) => this.reportStorage('write', error));
  }

  private async restore(): Promise<void> {
    try {
      const text = await this.deps.storage.getItem(this.deps.storageKey);
      if (text !== null) {
        const parsed = persistedSchema.safeParse(JSON.parse(text));
        if (!parsed.success) throw new Error('not an outbox');
        // Queued before the restore finished: after the restored ones, and newer latest-wins.
        const queuedMeanwhile = this.queue;
        this.queue = [];
        for (const entry of [...parsed.data.entries, ...queuedMeanwhile]) this.add(entry);
        this.persist();
      }
    } catch (error) {
      this.reportStorage('read', error);
    }
    this.isRestored = true;
    this.flush();
  }

  private reportStorage(what: 'read' | 'write', error: unknown): void {
    this.emitter.emit(
      'error',
      new DabbaClientError(
        'storage_failed',
        `could not ${what} the outbox in storage`,
        { key: this.deps.storageKey },
        { cause: error },
      ),
    );
  }
}

/** A unique idempotency key: `crypto.randomUUID` where it exists (browsers, Node), else random enough. */
function newKey(): string {
  const crypto = globalThis.crypto as { randomUUID?: () => string } | undefined;
  if (crypto?.randomUUID) return crypto.randomUUID();
  const random = () => Math.random().toString(36).slice(2, 10);
  return `${Date.now().toString(36)}-${random()}-${random()}-${random()}`;
}
