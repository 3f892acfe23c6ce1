import type { Envelope, EventData, OrderStatus } from '@dabba/protocol';

/** Seed 002's status words. */
export type Seed002Status = 'pending' | 'confirmed' | 'preparing' | 'ready' | 'delivered' | 'cancelled';

/**
 * Canonical status → seed 002's word. Seed 002 has no words for the delivery leg, so an order
 * stays `ready` from ready-for-pickup until delivered; every failure ends as `cancelled`. The
 * canonical status goes along as `detailedStatus`.
 */
export const SEED_002_STATUS: Readonly<Record<OrderStatus, Seed002Status>> = {
  pending: 'pending',
  payment_confirmed: 'confirmed',
  accepted: 'confirmed',
  preparing: 'preparing',
  ready_for_pickup: 'ready',
  assigned_to_driver: 'ready',
  picked_up: 'ready',
  in_transit: 'ready',
  delivered: 'delivered',
  cancelled: 'cancelled',
  rejected: 'cancelled',
  payment_failed: 'cancelled',
};

/** What seed 002's `GET /api/notifications/orders/:id/status` stream carries. */
export interface Seed002OrderStatusEvent {
  orderId: string;
  status: Seed002Status;
  detailedStatus: OrderStatus;
  timestamp: string;
}

/** The seed 002 payload of an `order:status_update` envelope; undefined for every other event type. */
export function seed002OrderStatus(envelope: Envelope): Seed002OrderStatusEvent | undefined {
  if (envelope.type !== 'order:status_update') return undefined;
  const data = envelope.data as EventData<'order:status_update'>;
  return {
    orderId: data.orderId,
    status: SEED_002_STATUS[data.status],
    detailedStatus: data.status,
    timestamp: data.at,
  };
}
