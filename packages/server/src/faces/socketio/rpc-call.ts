import type { SocketBridge } from './bridge.js';

/**
 * Calls a native-protocol rpc method as the socket's user: the same service code, input
 * validation and errors as the native face and REST. The face never re-implements a service.
 */
export function callRpc(bridge: SocketBridge, method: string, data: unknown): Promise<unknown> {
  return bridge.context.hub.rpc.call(method, { claims: bridge.claims, clientId: bridge.id }, data);
}

/** Follows a channel unless the socket already does (the hub authorizes it like any subscribe). */
export async function ensureFollowing(bridge: SocketBridge, channel: string): Promise<void> {
  if (!bridge.follows(channel)) await bridge.follow(channel);
}

/** A service reply as acknowledgement fields: an object's fields as they are, anything else as `result`. */
export function ackFields(result: unknown): Record<string, unknown> {
  return typeof result === 'object' && result !== null && !Array.isArray(result)
    ? { ...(result as Record<string, unknown>) }
    : { result };
}
