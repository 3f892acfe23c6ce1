import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import {
  ASSIGNABLE_STATUSES,
  ASSIGNING_ACTORS,
  channels,
  orderItemSchema,
  ORDER_STATUSES,
  TERMINAL_STATUSES,
  type OrderStatus,
} from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import { domainEvent, type OutgoingEvent } from '../events.js';
import type { NotificationService } from '../notifications/notification-service.js';
import type { Outbox } from '../outbox.js';
import type { Kitchen, StoreService } from '../stores/store-service.js';
import type { UserDirectory } from '../users.js';
import { customerNotice } from './customer-notices.js';
import { applyTransition, type StatusChange } from './lifecycle.js';
import { canViewOrder, type Order, type Principal, type StatusHistoryEntry } from './order.js';
import * as repo from './order-repository.js';

export const createOrderSchema = z.object({
  storeId: z.string().min(1).max(64),
  items: z.array(orderItemSchema).min(1).max(100),
  deliveryAddress: z.string().min(1).max(500),
  deliveryLatitude: z.number().min(-90).max(90),
  deliveryLongitude: z.number().min(-180).max(180),
  deliveryFeeMinor: z.number().int().min(0).max(10_000_000).default(0),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('INR'),
  /** The customer, when the server API places an order on a customer's behalf. */
  customerId: z.string().min(1).max(128).optional(),
});
export type CreateOrderInput = z.infer<typeof createOrderSchema>;

export const statusChangeSchema = z.object({
  status: z.enum(ORDER_STATUSES),
  reason: z.string().min(1).max(500).optional(),
});
export const assignSchema = z.object({ driverId: z.string().min(1).max(128) });
export const cancelSchema = z.object({ reason: z.string().min(1).max(500) });

/** Called after a change commits, with the driver that lost the order (if any). */
export type DriverUnassignedHook = (orderId: string, driverId: string) => void;
/** Called after a change that made an order final commits. */
export type OrderClosedHook = (order: Order) => void;

/**
 * Runs inside the transaction that places an order, before it commits: another service records
 * its part atomically (stock, say) and returns the envelopes that announce it. Throwing aborts
 * the order.
 */
export type OrderCreatedHook = (trx: Transaction<Database>, order: Order) => Promise<OutgoingEvent[]>;

/** What an order change did: the order before and after, and every status it passed through. */
export interface OrderChange {
  readonly before: Order;
  readonly after: Order;
  readonly steps: StatusChange['steps'];
}

/**
 * Runs inside the transaction of every order change (status or driver), before it commits, so
 * other services (chat, leaderboard) change with the order or not at all.
 */
export type OrderChangedHook = (trx: Transaction<Database>, change: OrderChange) => Promise<OutgoingEvent[]>;

interface Deps {
  db: Kysely<Database>;
  outbox: Outbox;
  notifications: NotificationService;
  stores: StoreService;
  users: UserDirectory;
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * Orders through their whole lifecycle. Every change writes the order, its history, the
 * notifications and the envelopes that announce it in one transaction; the envelopes are
 * published only after commit (see Outbox).
 */
export class OrderService {
  private readonly unassignedHooks: DriverUnassignedHook[] = [];
  private readonly closedHooks: OrderClosedHook[] = [];
  private readonly createdHooks: OrderCreatedHook[] = [];
  private readonly changedHooks: OrderChangedHook[] = [];

  constructor(private readonly deps: Deps) {}

  /** Lets channel rules react when a driver loses an order (their tracking subscription ends). */
  onDriverUnassigned(hook: DriverUnassignedHook): void {
    this.unassignedHooks.push(hook);
  }

  /** Lets channel rules react when an order reaches a final status (its driver stops tracking it). */
  onOrderClosed(hook: OrderClosedHook): void {
    this.closedHooks.push(hook);
  }

  /** See OrderCreatedHook: runs inside the order's transaction. */
  onCreated(hook: OrderCreatedHook): void {
    this.createdHooks.push(hook);
  }

  /** See OrderChangedHook: runs inside every change's transaction. */
  onChanged(hook: OrderChangedHook): void {
    this.changedHooks.push(hook);
  }

  async create(principal: Principal, input: CreateOrderInput): Promise<Order> {
    const customerId = principal.role === 'customer' ? principal.id : input.customerId;
    if (principal.role !== 'customer' && principal.role !== 'system') {
      throw new DabbaError('forbidden', 'orders are placed by customers, or by the server API on their behalf');
    }
    if (!customerId) throw new DabbaError('bad_request', 'customerId: required when the server API places an order');
    const store = await this.deps.stores.get(input.storeId);
    if (!store.isActive) throw new DabbaError('store_closed', `store ${store.id} is not taking orders`);
    const now = new Date();
    const at = now.toISOString();
    const subtotal = input.items.reduce((sum, item) => sum + item.quantity * item.unitPriceMinor, 0);
    return this.commit(async (trx) => {
      const order: Order = {
        id: randomUUID(),
        orderNumber: await repo.nextOrderNumber(trx, now),
        customerId,
        storeId: store.id,
        chefId: store.chefId,
        driverId: null,
        status: 'pending',
        statusChangedAt: at,
        items: input.items,
        subtotalMinor: subtotal,
        deliveryFeeMinor: input.deliveryFeeMinor,
        totalMinor: subtotal + input.deliveryFeeMinor,
        currency: input.currency,
        delivery: {
          address: input.deliveryAddress,
          latitude: input.deliveryLatitude,
          longitude: input.deliveryLongitude,
        },
        etaMinutes: null,
        estimatedDeliveryAt: null,
        timestamps: { createdAt: at },
        cancelReason: null,
        cancelledBy: null,
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      await repo.insertOrder(trx, order);
      const step = {
        previous: null,
        status: 'pending' as const,
        at,
        changedBy: principal.id,
        changedByRole: principal.role,
        reason: null,
      };
      await repo.appendHistory(trx, order.id, step);
      const events = [statusUpdate(order, step)];
      for (const hook of this.createdHooks) events.push(...(await hook(trx, order)));
      return { result: order, events };
    });
  }

  async get(principal: Principal, id: string): Promise<Order> {
    const order = await repo.findOrder(this.deps.db, id);
    // Someone who may not see an order is told it does not exist.
    if (!order || !canViewOrder(principal, order)) throw new DabbaError('not_found', `no order ${id}`);
    return order;
  }

  /** An order as stored, without an access check: for channel rules and internal services. */
  find(id: string): Promise<Order | undefined> {
    return repo.findOrder(this.deps.db, id);
  }

  history(orderId: string): Promise<StatusHistoryEntry[]> {
    return repo.listHistory(this.deps.db, orderId);
  }

  /** The orders a principal may see: a customer's own, a chef's kitchen's, a driver's assigned, or all. */
  list(principal: Principal, query: { status?: OrderStatus; before?: string; limit: number }): Promise<Order[]> {
    const scope =
      principal.role === 'customer'
        ? { customerId: principal.id }
        : principal.role === 'chef'
          ? { chefId: principal.id }
          : principal.role === 'driver'
            ? { driverId: principal.id }
            : {};
    return repo.listOrders(this.deps.db, { ...scope, ...query });
  }

  async changeStatus(principal: Principal, id: string, to: OrderStatus, reason?: string): Promise<Order> {
    const updated = await this.mutate(principal, id, async (order, trx, store) => {
      const change = applyTransition(order, to, principal, reason, new Date().toISOString());
      const statuses = change.steps.map((s) => s.status);
      return { ...change, events: await this.followUps(trx, change.order, store, statuses) };
    });
    if (TERMINAL_STATUSES.has(updated.status)) for (const hook of this.closedHooks) hook(updated);
    return updated;
  }

  cancel(principal: Principal, id: string, reason: string): Promise<Order> {
    return this.changeStatus(principal, id, 'cancelled', reason);
  }

  async assignDriver(principal: Principal, id: string, driverId: string): Promise<Order> {
    if (!ASSIGNING_ACTORS.includes(principal.role))
      throw new DabbaError('forbidden', 'drivers are assigned by the kitchen, admins or the server API');
    const driver = await this.deps.users.get(driverId);
    if (driver && driver.role !== 'driver')
      throw new DabbaError('bad_request', `driverId: ${driverId} is not a driver`);
    let previousDriver: string | null = null;
    const updated = await this.mutate(principal, id, async (order, _trx, store) => {
      if (principal.role === 'chef' && order.chefId !== principal.id)
        throw new DabbaError('forbidden', "only the order's kitchen may assign its driver");
      if (!ASSIGNABLE_STATUSES.has(order.status)) {
        throw new DabbaError(
          'order_transition_invalid',
          `a driver cannot be assigned while the order is ${order.status}`,
          {
            details: { from: order.status, to: 'assigned_to_driver' },
          },
        );
      }
      if (order.driverId === driverId) return { order, steps: [], events: [] };
      previousDriver = order.driverId;
      const now = new Date().toISOString();
      let next: Order = { ...order, driverId, updatedAt: now, timestamps: { ...order.timestamps, assignedAt: now } };
      let steps: StatusChange['steps'] = [];
      if (next.status === 'ready_for_pickup') {
        ({ order: next, steps } = applyTransition(next, 'assigned_to_driver', principal, undefined, now));
      }
      const events: OutgoingEvent[] = [
        domainEvent(channels.user(driverId), 'driver:new_assignment', {
          orderId: next.id,
          orderNumber: next.orderNumber,
          storeId: store.id,
          pickup: { name: store.name, address: store.address, latitude: store.latitude, longitude: store.longitude },
          dropoff: next.delivery,
          assignedAt: now,
        }),
        domainEvent(`order:${next.id}`, 'order:driver_assigned', {
          orderId: next.id,
          driverId,
          driverName: driver?.name ?? driverId,
          assignedAt: now,
        }),
      ];
      if (previousDriver) {
        events.push(
          domainEvent(channels.user(previousDriver), 'driver:unassigned', {
            orderId: next.id,
            orderNumber: next.orderNumber,
            at: now,
          }),
        );
      }
      return { order: next, steps, events };
    });
    if (previousDriver) for (const hook of this.unassignedHooks) hook(id, previousDriver);
    return updated;
  }

  /** Cancels orders the kitchen did not accept in time. Returns how many it cancelled. */
  async cancelUnaccepted(timeoutMs: number): Promise<number> {
    const cutoff = new Date(Date.now() - timeoutMs).toISOString();
    const stale = await repo.findUnacceptedSince(this.deps.db, cutoff, 100);
    let cancelled = 0;
    for (const order of stale) {
      try {
        await this.changeStatus({ id: 'system', role: 'system' }, order.id, 'cancelled', 'kitchen_timeout');
        cancelled++;
      } catch (error) {
        // Accepted in the meantime: nothing to do.
        if (!(error instanceof DabbaError && error.code === 'order_transition_invalid')) throw error;
      }
    }
    return cancelled;
  }

  /** Records a new ETA on the order; true when it changed. */
  async recordEta(orderId: string, etaMinutes: number, estimatedDeliveryAt: string): Promise<boolean> {
    const result = await this.deps.db
      .updateTable('orders')
      .set({ eta_minutes: etaMinutes, estimated_delivery_at: estimatedDeliveryAt })
      .where('id', '=', orderId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Envelopes beyond the status update: the kitchen's alert and the customer's (and others') notifications. */
  private async followUps(
    trx: Transaction<Database>,
    order: Order,
    store: Kitchen,
    statuses: OrderStatus[],
  ): Promise<OutgoingEvent[]> {
    const events: OutgoingEvent[] = [];
    for (const status of statuses) {
      if (status === 'payment_confirmed') {
        events.push(
          domainEvent(channels.user(order.chefId), 'order:new', {
            orderId: order.id,
            orderNumber: order.orderNumber,
            storeId: order.storeId,
            customerId: order.customerId,
            items: order.items,
            totalMinor: order.totalMinor,
            currency: order.currency,
            createdAt: order.createdAt,
          }),
        );
      }
      const notice = customerNotice(order, status, store.name);
      if (notice) events.push(await this.deps.notifications.create(trx, order.customerId, notice));
      if (status === 'cancelled') {
        // Everyone concerned is told, not only the customer.
        for (const userId of [order.chefId, order.driverId]) {
          if (userId)
            events.push(
              await this.deps.notifications.create(trx, userId, {
                ...(notice ?? { type: 'order_cancelled', title: 'Order cancelled', body: '' }),
                data: { orderId: order.id, orderNumber: order.orderNumber, status },
              }),
            );
        }
      }
    }
    return events;
  }

  private async mutate(
    principal: Principal,
    id: string,
    change: (
      order: Order,
      trx: Transaction<Database>,
      store: Kitchen,
    ) => Promise<StatusChange & { events: OutgoingEvent[] }>,
  ): Promise<Order> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const current = await this.get(principal, id);
      // Read before the transaction: SQLite has one connection, which the transaction holds.
      const store = await this.deps.stores.get(current.storeId);
      const outcome = await this.commit(async (trx) => {
        const { order, steps, events } = await change(current, trx, store);
        if (order === current) return { result: order, events };
        if (!(await repo.updateOrder(trx, order))) return { result: undefined, events: [] };
        // Each status passed through is recorded and announced, ahead of the change's other events.
        for (const step of steps) await repo.appendHistory(trx, order.id, step);
        const after = { ...order, version: order.version + 1 };
        const hooked: OutgoingEvent[] = [];
        for (const hook of this.changedHooks) hooked.push(...(await hook(trx, { before: current, after, steps })));
        return { result: after, events: [...steps.map((s) => statusUpdate(order, s)), ...events, ...hooked] };
      });
      if (outcome) return outcome;
    }
    throw new DabbaError('conflict', 'the order is changing too fast: try again');
  }

  private commit<T>(work: (trx: Transaction<Database>) => Promise<{ result: T; events: OutgoingEvent[] }>): Promise<T> {
    return this.deps.outbox.transact(work);
  }
}

function statusUpdate(
  order: Order,
  step: {
    previous: OrderStatus | null;
    status: OrderStatus;
    at: string;
    changedBy: string;
    changedByRole: string;
    reason: string | null;
  },
): OutgoingEvent {
  return domainEvent(`order:${order.id}`, 'order:status_update', {
    orderId: order.id,
    orderNumber: order.orderNumber,
    status: step.status,
    previousStatus: step.previous,
    actor: { id: step.changedBy, role: step.changedByRole as Principal['role'] },
    ...(step.reason ? { reason: step.reason } : {}),
    at: step.at,
    timestamps: order.timestamps,
    ...(order.driverId ? { driverId: order.driverId } : {}),
  });
}
