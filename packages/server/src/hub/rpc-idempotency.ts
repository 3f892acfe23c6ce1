import type { SharedKeyValue } from '../engines/engine.js';
import { DabbaError } from '../errors.js';

/** Longest idempotency key accepted on an rpc call, in characters. */
export const MAX_RPC_IDEMPOTENCY_KEY_LENGTH = 200;

export interface RpcIdempotencyOptions {
  /** How long a key's result is remembered, ms. Default 24 h (as REST `Idempotency-Key`). */
  ttlMs?: number;
  /**
   * How long a call counts as running on some node, ms: a retry meanwhile is told to come back
   * later; if that node died mid-call, the key is free again after this. Default 60 s.
   */
  runningTtlMs?: number;
}

export const DEFAULT_RPC_IDEMPOTENCY_OPTIONS: Required<RpcIdempotencyOptions> = {
  ttlMs: 24 * 60 * 60 * 1000,
  runningTtlMs: 60_000,
};

/** What a key holds while its first call runs. Results are stored as `{"result": …}`, never this. */
const RUNNING = 'running';

/**
 * Results of rpc calls that carried an idempotency key, per (user, method, key), kept in the
 * engine's shared key-value store so that every node agrees: the first call runs, a retry
 * within the window gets its result, so an offline outbox that resends after a lost reply has
 * its effect once — also when the retry reaches another node. A retry while the first call is
 * still running waits for it on the same node, and is told to retry later (a temporary error)
 * on another. A call that failed is forgotten: it changed nothing, so a retry may run it again.
 */
export class RpcIdempotencyStore {
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly ttlMs: number;
  private readonly runningTtlMs: number;

  constructor(
    private readonly results: SharedKeyValue,
    options: RpcIdempotencyOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_RPC_IDEMPOTENCY_OPTIONS.ttlMs;
    this.runningTtlMs = options.runningTtlMs ?? DEFAULT_RPC_IDEMPOTENCY_OPTIONS.runningTtlMs;
  }

  /** Runs `execute` once per (user, method, key) within the window; retries get its result. */
  run(user: string, method: string, key: string, execute: () => Promise<unknown>): Promise<unknown> {
    if (key.length === 0 || key.length > MAX_RPC_IDEMPOTENCY_KEY_LENGTH) {
      throw new DabbaError('validation_failed', `idempotencyKey: 1 to ${MAX_RPC_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    const id = `rpc:${JSON.stringify([user, method, key])}`;
    const local = this.running.get(id);
    if (local) return local;
    const result = this.runOnce(id, execute).finally(() => this.running.delete(id));
    this.running.set(id, result);
    return result;
  }

  private async runOnce(id: string, execute: () => Promise<unknown>): Promise<unknown> {
    const earlier = await this.results.putIfAbsent(id, RUNNING, this.runningTtlMs);
    if (earlier === RUNNING) {
      throw new DabbaError('too_many_requests', 'a call with this idempotencyKey is still running: retry later');
    }
    if (earlier !== undefined) return (JSON.parse(earlier) as { result?: unknown }).result;
    let result: unknown;
    try {
      result = await execute();
    } catch (error) {
      await this.results.remove(id).catch(() => undefined);
      throw error;
    }
    await this.results.put(id, JSON.stringify({ result }), this.ttlMs);
    return result;
  }
}
