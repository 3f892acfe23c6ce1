import { DabbaError } from '../errors.js';

/** Longest idempotency key accepted on an rpc call, in characters. */
export const MAX_RPC_IDEMPOTENCY_KEY_LENGTH = 200;

export interface RpcIdempotencyOptions {
  /** How long a key's result is remembered, ms. Default 24 h (as REST `Idempotency-Key`). */
  ttlMs?: number;
  /** Keys remembered at most; the oldest are forgotten first. Default 100 000. */
  maxKeys?: number;
}

export const DEFAULT_RPC_IDEMPOTENCY_OPTIONS: Required<RpcIdempotencyOptions> = {
  ttlMs: 24 * 60 * 60 * 1000,
  maxKeys: 100_000,
};

interface Entry {
  readonly result: Promise<unknown>;
  readonly expiresAt: number;
}

/**
 * Results of rpc calls that carried an idempotency key, per (user, method, key): the first call
 * runs, a retry within the window gets the first call's result (or waits for it while it is
 * still running), so an offline outbox that resends after a lost reply has its effect once.
 * A call that failed is forgotten: it changed nothing, so a retry may run it again.
 *
 * In memory, per node: a retry that lands on another node runs again. Sharing keys between
 * nodes (the store or Redis) is a later step.
 */
export class RpcIdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxKeys: number;

  constructor(options: RpcIdempotencyOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_RPC_IDEMPOTENCY_OPTIONS.ttlMs;
    this.maxKeys = options.maxKeys ?? DEFAULT_RPC_IDEMPOTENCY_OPTIONS.maxKeys;
    if (this.maxKeys < 1) throw new TypeError('maxKeys must be at least 1');
  }

  /** Runs `execute` once per (user, method, key) within the window; retries get its result. */
  run(user: string, method: string, key: string, execute: () => Promise<unknown>): Promise<unknown> {
    if (key.length === 0 || key.length > MAX_RPC_IDEMPOTENCY_KEY_LENGTH) {
      throw new DabbaError('validation_failed', `idempotencyKey: 1 to ${MAX_RPC_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    const now = Date.now();
    this.forgetExpired(now);
    const id = `${user}\u0000${method}\u0000${key}`;
    const seen = this.entries.get(id);
    if (seen) return seen.result;
    const result = execute();
    this.entries.set(id, { result, expiresAt: now + this.ttlMs });
    if (this.entries.size > this.maxKeys) this.forgetOldest();
    result.catch(() => {
      if (this.entries.get(id)?.result === result) this.entries.delete(id);
    });
    return result;
  }

  /** Keys remembered now. */
  get size(): number {
    return this.entries.size;
  }

  /** Every entry has the same TTL, so insertion order is expiry order: stop at the first live one. */
  private forgetExpired(now: number): void {
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(id);
    }
  }

  private forgetOldest(): void {
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}
