import { checkTransition, STAGE_TIMESTAMP, type OrderStatus } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Order, Principal, StatusHistoryEntry } from './order.js';

export interface StatusChange {
  readonly order: Order;
  /** One entry per status passed through: a ready order with a driver moves on by itself. */
  readonly steps: ReadonlyArray<StatusHistoryEntry & { previous: OrderStatus }>;
}

/**
 * Applies a status transition to an order, enforcing the lifecycle table, and returns the new
 * order with the history it adds. Pure: the caller persists and publishes.
 */
export function applyTransition(
  order: Order,
  to: OrderStatus,
  principal: Principal,
  reason: string | undefined,
  now: string,
): StatusChange {
  const check = checkTransition(order.status, to, principal.role);
  if (!check.ok) throw new DabbaError(check.code, check.message, { details: { from: order.status, to } });
  if (principal.role === 'chef' && order.chefId !== principal.id)
    throw new DabbaError('forbidden', "only the order's kitchen may do that");
  if (principal.role === 'driver' && order.driverId !== principal.id)
    throw new DabbaError('forbidden', 'only the assigned driver may do that');
  if (principal.role === 'customer' && order.customerId !== principal.id)
    throw new DabbaError('forbidden', 'not your order');
  if (to === 'assigned_to_driver' && !order.driverId) {
    throw new DabbaError(
      'order_transition_invalid',
      'an order is assigned_to_driver once it has a driver: use POST /orders/:id/assign',
      {
        details: { from: order.status, to },
      },
    );
  }
  if ((to === 'cancelled' || to === 'rejected') && principal.role !== 'customer' && !reason) {
    throw new DabbaError('bad_request', `reason: required to move an order to ${to}`);
  }
  let next = step(order, to, principal, reason, now);
  const steps = [
    {
      previous: order.status,
      status: to,
      at: now,
      changedBy: principal.id,
      changedByRole: principal.role,
      reason: reason ?? null,
    },
  ];
  if (to === 'ready_for_pickup' && next.driverId) {
    next = step(next, 'assigned_to_driver', { id: 'system', role: 'system' }, undefined, now);
    steps.push({
      previous: 'ready_for_pickup',
      status: 'assigned_to_driver',
      at: now,
      changedBy: 'system',
      changedByRole: 'system',
      reason: null,
    });
  }
  return { order: next, steps };
}

function step(order: Order, to: OrderStatus, principal: Principal, reason: string | undefined, now: string): Order {
  const stamp = STAGE_TIMESTAMP[to];
  const timestamps = { ...order.timestamps };
  // assignedAt records the assignment itself, which may come before the status does.
  if (stamp && !(to === 'assigned_to_driver' && timestamps.assignedAt)) Object.assign(timestamps, { [stamp]: now });
  const cancelled = to === 'cancelled' || to === 'rejected' || to === 'payment_failed';
  return {
    ...order,
    status: to,
    statusChangedAt: now,
    timestamps,
    cancelReason: cancelled ? (reason ?? to) : order.cancelReason,
    cancelledBy: cancelled ? `${principal.role}:${principal.id}` : order.cancelledBy,
    updatedAt: now,
  };
}
