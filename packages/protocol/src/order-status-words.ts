import type { OrderStatus } from './orders.js';

/**
 * The six words seed 002's apps show for an order (`orderStatusUpdate.status` on the Socket.IO
 * `/notifications` namespace, and its SSE stream). Dabba's canonical status travels next to it
 * as `detailedStatus`; docs/socketio.md has the table.
 */
export const SIMPLE_ORDER_STATUSES = ['pending', 'confirmed', 'preparing', 'ready', 'delivered', 'cancelled'] as const;

export type SimpleOrderStatus = (typeof SIMPLE_ORDER_STATUSES)[number];

/** Canonical status → seed 002's word. Every canonical status has exactly one. */
export const SIMPLE_ORDER_STATUS: Readonly<Record<OrderStatus, SimpleOrderStatus>> = {
  pending: 'pending',
  payment_confirmed: 'confirmed',
  accepted: 'confirmed',
  preparing: 'preparing',
  ready_for_pickup: 'ready',
  // Seed 002 has no word for the ride: the food is ready and on its way until it is delivered.
  assigned_to_driver: 'ready',
  picked_up: 'ready',
  in_transit: 'ready',
  delivered: 'delivered',
  cancelled: 'cancelled',
  rejected: 'cancelled',
  payment_failed: 'cancelled',
};

export function toSimpleOrderStatus(status: OrderStatus): SimpleOrderStatus {
  return SIMPLE_ORDER_STATUS[status];
}

/** Seed 002's `orderStatusUpdate` payload: Socket.IO `/notifications` and the SSE order-status stream. */
export interface OrderStatusNotice {
  orderId: string;
  status: SimpleOrderStatus;
  detailedStatus: OrderStatus;
  timestamp: string;
}

export function orderStatusNotice(update: { orderId: string; status: OrderStatus; at: string }): OrderStatusNotice {
  return {
    orderId: update.orderId,
    status: toSimpleOrderStatus(update.status),
    detailedStatus: update.status,
    timestamp: update.at,
  };
}
