import { z } from 'zod';
import { channels } from '@dabba/protocol';
import { toDabbaError } from '../../errors.js';
import type { SocketBridge } from './bridge.js';
import { inbound } from './inbound.js';
import type { NamespaceSpec } from './namespace-spec.js';
import { realtimeVocabulary } from './vocabulary.js';

const orderRef = z.object({ orderId: z.string().min(1).max(64) });

/**
 * `/realtime`, seed 003's gateway. A socket follows `user:{id}` and `role:{role}` and is told
 * `connected`; `subscribe:order` follows the order's `order:{id}` and `tracking:{id}` channels
 * (authorized by the hub, exactly as the native face's subscribe); `driver:location` goes to
 * the same location service as the native rpc `driver.location`.
 */
export const realtimeNamespace: NamespaceSpec = {
  name: '/realtime',
  vocabulary: realtimeVocabulary,
  initialChannels: (claims) => [channels.user(claims.sub), channels.role(claims.role)],
  onReady(bridge) {
    bridge.emitWithOffset('connected', {
      userId: bridge.claims.sub,
      role: bridge.claims.role,
      socketId: bridge.socket.id,
    });
  },
  handlers: {
    'subscribe:order': inbound(orderRef, async (bridge, { orderId }) => {
      const order = channels.order(orderId);
      if (!bridge.follows(order)) await bridge.follow(order);
      await followTracking(bridge, orderId);
    }),
    'unsubscribe:order': inbound(orderRef, async (bridge, { orderId }) => {
      await bridge.unfollow(channels.order(orderId));
      await bridge.unfollow(channels.tracking(orderId));
    }),
    'driver:location': inbound(z.record(z.string(), z.unknown()), async (bridge, location) => {
      const accepted = await bridge.context.hub.rpc.call(
        'driver.location',
        { claims: bridge.claims, clientId: bridge.id },
        location,
      );
      bridge.emit('driver:location_acknowledged', accepted);
    }),
  },
};

/**
 * Driver positions come on `tracking:{id}`. The hub may refuse it where it allowed the order
 * (a driver once the order is closed): the order's own events still flow, so that is no error.
 */
async function followTracking(bridge: SocketBridge, orderId: string): Promise<void> {
  const tracking = channels.tracking(orderId);
  if (bridge.follows(tracking)) return;
  try {
    await bridge.follow(tracking);
  } catch (cause) {
    if (toDabbaError(cause).code !== 'permission_denied') throw cause;
  }
}
