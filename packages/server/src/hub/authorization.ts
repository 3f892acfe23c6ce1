import { parseChannel, type Claims } from '@dabba/protocol';
import type { ResolvedNamespace } from './namespaces.js';

/** Decides whether the holder of `claims` may subscribe to `channel`. */
export type ChannelAuthorizer = (claims: Claims, channel: string) => boolean | Promise<boolean>;

/** `user:{id}`: only that user. */
export const userChannelAuthorizer: ChannelAuthorizer = (claims, channel) => parseChannel(channel).rest === claims.sub;

/** `role:{role}`: only holders of that role. */
export const roleChannelAuthorizer: ChannelAuthorizer = (claims, channel) => parseChannel(channel).rest === claims.role;

/**
 * Authorization per namespace. A namespace with no authorizer denies everything that the
 * token does not grant explicitly, until a domain module adds its rule.
 */
export class Authorization {
  private readonly authorizers = new Map<string, ChannelAuthorizer>([
    ['user', userChannelAuthorizer],
    ['role', roleChannelAuthorizer],
  ]);

  /** Sets the rule for a namespace, replacing any earlier one. */
  set(namespace: string, authorizer: ChannelAuthorizer): void {
    this.authorizers.set(namespace, authorizer);
  }

  /**
   * A plain boolean when no rule needs I/O (most calls), so a caller on the publish path can go
   * on in the same tick instead of waiting a microtask for an answer it already has.
   */
  maySubscribe(claims: Claims, channel: string, namespace: ResolvedNamespace): boolean | Promise<boolean> {
    if (namespace.allowSubscribe === 'authenticated') return true;
    if (claims.channels?.includes(channel)) return true;
    const authorizer = this.authorizers.get(namespace.name);
    return authorizer ? authorizer(claims, channel) : false;
  }
}
