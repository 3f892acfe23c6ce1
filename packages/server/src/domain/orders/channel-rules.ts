import { parseChannel, TERMINAL_STATUSES, type Claims } from '@dabba/protocol';
import type { Hub } from '../../hub/hub.js';
import { canViewOrder, type Order } from './order.js';
import type { OrderService } from './order-service.js';

const HOUR_MS = 60 * 60 * 1000;

/**
 * `order:{id}` (history for the order's life) and `tracking:{id}` (latest driver position only):
 * the order's customer, its kitchen's chef, its assigned driver, support and admin. A driver
 * follows tracking only while assigned and the order is live; a reassigned driver is
 * unsubscribed from both at once.
 */
export function registerOrderChannels(hub: Hub, orders: OrderService): void {
  hub.namespaces.define('order', { historySize: 500, historyTtlMs: 72 * HOUR_MS });
  hub.namespaces.define('tracking', { latestOnly: true, historyTtlMs: 2 * HOUR_MS });

  const viewer = (claims: Claims) => ({ id: claims.sub, role: claims.role });
  const load = (channel: string): Promise<Order | undefined> => orders.find(parseChannel(channel).rest);

  hub.authorization.set('order', async (claims, channel) => {
    const order = await load(channel);
    return order !== undefined && canViewOrder(viewer(claims), order);
  });
  hub.authorization.set('tracking', async (claims, channel) => {
    const order = await load(channel);
    if (!order || !canViewOrder(viewer(claims), order)) return false;
    return claims.role !== 'driver' || !TERMINAL_STATUSES.has(order.status);
  });

  orders.onDriverUnassigned((orderId, driverId) => {
    hub.unsubscribeUser(driverId, [`order:${orderId}`, `tracking:${orderId}`]);
  });
  // A driver follows tracking only while the order is live.
  orders.onOrderClosed((order) => {
    if (order.driverId) hub.unsubscribeUser(order.driverId, [`tracking:${order.id}`]);
  });
}
