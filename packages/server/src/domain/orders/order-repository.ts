import type { Kysely, Selectable, Transaction } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { OrderStatus } from '@dabba/protocol';
import type { Database, OrdersTable } from '../../store/schema.js';
import type { Order, OrderItem, OrderTimestamps, StatusHistoryEntry } from './order.js';

type Db = Kysely<Database> | Transaction<Database>;

export function rowToOrder(row: Selectable<OrdersTable>): Order {
  return {
    id: row.id,
    orderNumber: row.order_number,
    customerId: row.customer_id,
    storeId: row.store_id,
    chefId: row.chef_id,
    driverId: row.driver_id,
    status: row.status as OrderStatus,
    statusChangedAt: row.status_changed_at,
    items: JSON.parse(row.items) as OrderItem[],
    subtotalMinor: Number(row.subtotal_minor),
    deliveryFeeMinor: Number(row.delivery_fee_minor),
    totalMinor: Number(row.total_minor),
    currency: row.currency,
    delivery: {
      address: row.delivery_address,
      latitude: Number(row.delivery_latitude),
      longitude: Number(row.delivery_longitude),
    },
    etaMinutes: row.eta_minutes === null ? null : Number(row.eta_minutes),
    estimatedDeliveryAt: row.estimated_delivery_at,
    timestamps: JSON.parse(row.timestamps) as OrderTimestamps,
    cancelReason: row.cancel_reason,
    cancelledBy: row.cancelled_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: Number(row.version),
  };
}

function orderToRow(order: Order): Selectable<OrdersTable> {
  return {
    id: order.id,
    order_number: order.orderNumber,
    customer_id: order.customerId,
    store_id: order.storeId,
    chef_id: order.chefId,
    driver_id: order.driverId,
    status: order.status,
    status_changed_at: order.statusChangedAt,
    items: JSON.stringify(order.items),
    subtotal_minor: order.subtotalMinor,
    delivery_fee_minor: order.deliveryFeeMinor,
    total_minor: order.totalMinor,
    currency: order.currency,
    delivery_address: order.delivery.address,
    delivery_latitude: order.delivery.latitude,
    delivery_longitude: order.delivery.longitude,
    eta_minutes: order.etaMinutes,
    estimated_delivery_at: order.estimatedDeliveryAt,
    timestamps: JSON.stringify(order.timestamps),
    cancel_reason: order.cancelReason,
    cancelled_by: order.cancelledBy,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    version: order.version,
  };
}

export async function insertOrder(db: Db, order: Order): Promise<void> {
  await db.insertInto('orders').values(orderToRow(order)).execute();
}

export async function findOrder(db: Db, id: string): Promise<Order | undefined> {
  const row = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToOrder(row) : undefined;
}

/** Writes the order if nobody changed it since `order.version` was read; returns false otherwise. */
export async function updateOrder(db: Db, order: Order): Promise<boolean> {
  const { id: _id, version, ...changes } = orderToRow(order);
  const result = await db
    .updateTable('orders')
    .set({ ...changes, version: version + 1 })
    .where('id', '=', order.id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function appendHistory(db: Db, orderId: string, entry: StatusHistoryEntry): Promise<void> {
  const last = await db
    .selectFrom('order_status_history')
    .select((eb) => eb.fn.max('position').as('position'))
    .where('order_id', '=', orderId)
    .executeTakeFirst();
  await db
    .insertInto('order_status_history')
    .values({
      id: randomUUID(),
      order_id: orderId,
      position: Number(last?.position ?? 0) + 1,
      status: entry.status,
      at: entry.at,
      changed_by: entry.changedBy,
      changed_by_role: entry.changedByRole,
      reason: entry.reason,
    })
    .execute();
}

export async function listHistory(db: Db, orderId: string): Promise<StatusHistoryEntry[]> {
  const rows = await db
    .selectFrom('order_status_history')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    status: r.status as OrderStatus,
    at: r.at,
    changedBy: r.changed_by,
    changedByRole: r.changed_by_role,
    reason: r.reason,
  }));
}

/** `RND-20260131-0001`: a per-day counter, taken inside the order's transaction. */
export async function nextOrderNumber(db: Db, now: Date): Promise<string> {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  const row = await db
    .insertInto('order_counters')
    .values({ day, last: 1 })
    .onConflict((oc) => oc.column('day').doUpdateSet((eb) => ({ last: eb('order_counters.last', '+', 1) })))
    .returning('last')
    .executeTakeFirstOrThrow();
  return `RND-${day}-${String(row.last).padStart(4, '0')}`;
}

export interface OrderListQuery {
  customerId?: string;
  chefId?: string;
  driverId?: string;
  status?: OrderStatus;
  /** Orders created before this (ISO time) — the cursor. */
  before?: string;
  limit: number;
}

export async function listOrders(db: Db, query: OrderListQuery): Promise<Order[]> {
  let q = db.selectFrom('orders').selectAll();
  if (query.customerId !== undefined) q = q.where('customer_id', '=', query.customerId);
  if (query.chefId !== undefined) q = q.where('chef_id', '=', query.chefId);
  if (query.driverId !== undefined) q = q.where('driver_id', '=', query.driverId);
  if (query.status !== undefined) q = q.where('status', '=', query.status);
  if (query.before !== undefined) q = q.where('created_at', '<', query.before);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(rowToOrder);
}

/** Orders still waiting for the kitchen since before `cutoff`. */
export async function findUnacceptedSince(db: Db, cutoff: string, limit: number): Promise<Order[]> {
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('status', '=', 'payment_confirmed')
    .where('status_changed_at', '<', cutoff)
    .limit(limit)
    .execute();
  return rows.map(rowToOrder);
}
