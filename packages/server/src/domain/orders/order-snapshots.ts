import { TERMINAL_STATUSES, type Claims } from '@dabba/protocol';
import type { OrderService } from './order-service.js';

/** Roles whose own orders a connection follows (support and admin see every order: they pick). */
const PARTICIPANT_ROLES: ReadonlySet<string> = new Set(['customer', 'chef', 'driver']);
/** How many recent orders are looked through for open ones (the order list's page limit). */
const RECENT_ORDERS_SCANNED = 100;

/**
 * Orders as the faces that send whole orders need them (the plain WebSocket face's
 * `order_updated`): the open orders a user takes part in, and one order as `GET /orders/:id`
 * returns it.
 */
export function orderSnapshots(orders: OrderService): {
  openOrderIds(claims: Claims, limit: number): Promise<string[]>;
  snapshot(orderId: string): Promise<{ order: Readonly<Record<string, unknown>>; final: boolean } | undefined>;
} {
  return {
    async openOrderIds(claims, limit) {
      if (!PARTICIPANT_ROLES.has(claims.role)) return [];
      const recent = await orders.list({ id: claims.sub, role: claims.role }, { limit: RECENT_ORDERS_SCANNED });
      return recent
        .filter((order) => !TERMINAL_STATUSES.has(order.status))
        .slice(0, limit)
        .map((order) => order.id);
    },
    async snapshot(orderId) {
      const order = await orders.find(orderId);
      return order && { order: { ...order }, final: TERMINAL_STATUSES.has(order.status) };
    },
  };
}
