import type { Claims } from '@dabba/protocol';
import { DabbaError } from '../errors.js';

export interface RpcContext {
  readonly claims: Claims;
  readonly clientId: string;
}

export type RpcHandler = (context: RpcContext, data: unknown) => Promise<unknown>;

/** Client-callable methods. Domain modules register theirs; every face calls them the same way. */
export class RpcRegistry {
  private readonly handlers = new Map<string, RpcHandler>();

  register(method: string, handler: RpcHandler): void {
    if (this.handlers.has(method)) throw new TypeError(`rpc method "${method}" is already registered`);
    this.handlers.set(method, handler);
  }

  async call(method: string, context: RpcContext, data: unknown): Promise<unknown> {
    const handler = this.handlers.get(method);
    if (!handler) throw new DabbaError('method_not_found', `unknown rpc method "${method}"`);
    return handler(context, data);
  }

  methods(): string[] {
    return [...this.handlers.keys()];
  }
}
