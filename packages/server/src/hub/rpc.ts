import type { Claims } from '@dabba/protocol';
import type { z } from 'zod';
import type { SharedKeyValue } from '../engines/engine.js';
import { DabbaError } from '../errors.js';
import { RpcIdempotencyStore, type RpcIdempotencyOptions } from './rpc-idempotency.js';

export interface RpcContext {
  readonly claims: Claims;
  readonly clientId: string;
  /** The call's idempotency key, when it carried one; the registry already made retries run once. */
  readonly idempotencyKey?: string | undefined;
}

export type RpcHandler = (context: RpcContext, data: unknown) => Promise<unknown>;

/**
 * The reserved field of an rpc call's `data` that carries its idempotency key. The registry
 * takes it out before the handler sees `data`, so handlers with strict schemas need not know it.
 */
export const RPC_IDEMPOTENCY_FIELD = 'idempotencyKey';

/** Client-callable methods. Domain modules register theirs; every face calls them the same way. */
export class RpcRegistry {
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly idempotency: RpcIdempotencyStore;

  /** `results`: where idempotent calls' results live (the engine, shared by every node). */
  constructor(results: SharedKeyValue, options: { idempotency?: RpcIdempotencyOptions } = {}) {
    this.idempotency = new RpcIdempotencyStore(results, options.idempotency);
  }

  register(method: string, handler: RpcHandler): void {
    if (this.handlers.has(method)) throw new TypeError(`rpc method "${method}" is already registered`);
    this.handlers.set(method, handler);
  }

  /**
   * Calls a method. A call whose `data` is an object with a string `idempotencyKey` runs once
   * per (user, method, key) within the window; a retry gets the first call's result.
   */
  async call(method: string, context: RpcContext, data: unknown): Promise<unknown> {
    const handler = this.handlers.get(method);
    if (!handler) throw new DabbaError('method_not_found', `unknown rpc method "${method}"`);
    const { key, rest } = splitIdempotencyKey(data);
    if (key === undefined) return handler(context, data);
    return this.idempotency.run(context.claims.sub, method, key, () =>
      handler({ ...context, idempotencyKey: key }, rest),
    );
  }

  methods(): string[] {
    return [...this.handlers.keys()];
  }
}

function splitIdempotencyKey(data: unknown): { key: string | undefined; rest: unknown } {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !(RPC_IDEMPOTENCY_FIELD in data)) {
    return { key: undefined, rest: data };
  }
  const { [RPC_IDEMPOTENCY_FIELD]: key, ...rest } = data as Record<string, unknown>;
  if (typeof key !== 'string') throw new DabbaError('validation_failed', `${RPC_IDEMPOTENCY_FIELD}: must be a string`);
  return { key, rest };
}

/**
 * Validates an rpc call's `data` with the same messages REST gives: `validation_failed` naming
 * the first bad field, every issue in `details`. Missing data counts as `{}`.
 */
export function parseRpcData<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = issues[0];
  throw new DabbaError('validation_failed', first ? `${first.path || 'data'}: ${first.message}` : 'invalid data', {
    details: { issues },
  });
}
