/**
 * The order lifecycle: canonical statuses, which transitions exist, and who may make each.
 * One table, read by the server to enforce it and by clients to render it.
 *
 * Seed 003's path is a valid walk: pending → payment_confirmed → accepted → ready_for_pickup →
 * assigned_to_driver → picked_up → in_transit → delivered. `preparing` is optional between
 * accepted and ready_for_pickup. A driver may be assigned early (while accepted or preparing):
 * the driver is recorded and alerted at once, and the order moves to `assigned_to_driver` by
 * itself as soon as it is ready for pickup.
 */

/** The statuses of an order delivered without a hitch, in order (timelines show these rows). */
export const HAPPY_PATH = [
  'pending',
  'payment_confirmed',
  'accepted',
  'preparing',
  'ready_for_pickup',
  'assigned_to_driver',
  'picked_up',
  'in_transit',
  'delivered',
] as const;

export const ORDER_STATUSES = [...HAPPY_PATH, 'cancelled', 'rejected', 'payment_failed'] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'delivered',
  'cancelled',
  'rejected',
  'payment_failed',
]);

/**
 * Who acts. `system` is the app's backend (server API key) or Dabba itself (timers);
 * the others are the roles of client tokens.
 */
export type Actor = 'system' | 'customer' | 'chef' | 'driver' | 'support' | 'admin';

/** from → to → who may make that move. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Partial<Record<OrderStatus, readonly Actor[]>>>> = {
  pending: {
    payment_confirmed: ['system'],
    payment_failed: ['system'],
    cancelled: ['customer', 'support', 'admin', 'system'],
  },
  payment_confirmed: {
    accepted: ['chef'],
    rejected: ['chef'],
    cancelled: ['customer', 'support', 'admin', 'system'],
  },
  accepted: {
    preparing: ['chef'],
    ready_for_pickup: ['chef'],
    cancelled: ['support', 'admin', 'system'],
  },
  preparing: {
    ready_for_pickup: ['chef'],
    cancelled: ['support', 'admin', 'system'],
  },
  ready_for_pickup: {
    assigned_to_driver: ['chef', 'admin', 'system'],
    cancelled: ['support', 'admin', 'system'],
  },
  assigned_to_driver: {
    picked_up: ['driver'],
    cancelled: ['support', 'admin', 'system'],
  },
  picked_up: {
    in_transit: ['driver'],
    cancelled: ['support', 'admin', 'system'],
  },
  in_transit: {
    delivered: ['driver'],
    cancelled: ['support', 'admin', 'system'],
  },
  delivered: {},
  cancelled: {},
  rejected: {},
  payment_failed: {},
};

/** Statuses in which a driver may be assigned (or reassigned). */
export const ASSIGNABLE_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'accepted',
  'preparing',
  'ready_for_pickup',
  'assigned_to_driver',
]);

/** Who may assign a driver. */
export const ASSIGNING_ACTORS: readonly Actor[] = ['chef', 'admin', 'system'];

/** The stage timestamp each status sets, as the tracking payload names it. */
export const STAGE_TIMESTAMP: Readonly<Partial<Record<OrderStatus, string>>> = {
  pending: 'createdAt',
  payment_confirmed: 'paymentConfirmedAt',
  accepted: 'acceptedAt',
  preparing: 'preparingAt',
  ready_for_pickup: 'readyAt',
  assigned_to_driver: 'assignedAt',
  picked_up: 'pickedUpAt',
  in_transit: 'inTransitAt',
  delivered: 'deliveredAt',
  cancelled: 'cancelledAt',
  rejected: 'rejectedAt',
  payment_failed: 'paymentFailedAt',
};

/** Whether `actor` may move an order from `from` to `to`; the reason when not. */
export function checkTransition(
  from: OrderStatus,
  to: OrderStatus,
  actor: Actor,
): { ok: true } | { ok: false; code: 'order_transition_invalid' | 'forbidden'; message: string } {
  const allowed = ORDER_TRANSITIONS[from][to];
  if (!allowed) {
    const next = Object.keys(ORDER_TRANSITIONS[from]);
    return {
      ok: false,
      code: 'order_transition_invalid',
      message: `cannot move an order from ${from} to ${to}${next.length ? `; from ${from} it can go to ${next.join(', ')}` : `: ${from} is final`}`,
    };
  }
  if (!allowed.includes(actor)) {
    return { ok: false, code: 'forbidden', message: `${from} → ${to} is for ${allowed.join(' or ')}, not ${actor}` };
  }
  return { ok: true };
}
