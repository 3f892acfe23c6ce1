import type { Kysely } from 'kysely';
import { TERMINAL_STATUSES, type OrderStatus } from '@dabba/protocol';
import type { Database } from '../../store/schema.js';
import type { Order, OrderTimestamps } from '../orders/order.js';
import type { Kitchen, StoreService } from '../stores/store-service.js';
import type { LatLng, PrepClock } from './eta.js';

/** What the ETA of one of a driver's orders needs to know about it. */
export interface OrderRoute {
  readonly orderId: string;
  readonly kitchen: LatLng;
  readonly customer: LatLng;
  /** The driver has the food. */
  readonly pickedUp: boolean;
  readonly prep: PrepClock;
  /** The ETA stored on the order (what customers were last told), minutes. */
  readonly recordedEtaMinutes: number | null;
}

const PICKED_UP: ReadonlySet<OrderStatus> = new Set(['picked_up', 'in_transit']);

/** Where an order stands for its ETA: does the driver have the food, is it ready. */
export function stageOf(order: Pick<Order, 'status' | 'timestamps'>): { pickedUp: boolean; ready: boolean } {
  const pickedUp = PICKED_UP.has(order.status);
  return { pickedUp, ready: pickedUp || order.timestamps.readyAt !== undefined };
}

type RouteFields = Pick<Order, 'id' | 'status' | 'timestamps' | 'delivery' | 'etaMinutes'>;

export function routeOf(order: RouteFields, kitchen: Kitchen): OrderRoute {
  const { pickedUp, ready } = stageOf(order);
  const acceptedAt = order.timestamps.acceptedAt;
  return {
    orderId: order.id,
    kitchen: { latitude: kitchen.latitude, longitude: kitchen.longitude },
    customer: { latitude: order.delivery.latitude, longitude: order.delivery.longitude },
    pickedUp,
    prep: {
      prepMinutes: kitchen.prepMinutes,
      acceptedAtMs: acceptedAt === undefined ? undefined : Date.parse(acceptedAt),
      ready,
    },
    recordedEtaMinutes: order.etaMinutes,
  };
}

/** How long a kitchen's position and prep time are reused, ms: kitchens rarely move. */
const KITCHEN_CACHE_TTL_MS = 60_000;
const KITCHEN_CACHE_MAX = 10_000;
/** Drivers per query: well inside every engine's parameter limit. */
const DRIVERS_PER_QUERY = 500;
/** An order has a driver only from `accepted` on, so "assigned and not terminal" is exactly the driver's active orders. */
const TERMINAL = [...TERMINAL_STATUSES];

interface Waiter {
  resolve(routes: OrderRoute[]): void;
  reject(error: unknown): void;
}

/**
 * Reads the orders drivers are on (assigned, not finished) as routes. Requests made in the same
 * tick share one query — under load, many drivers' caches run out together, and one query for
 * all of them costs little more than one for each — and kitchens are cached briefly.
 */
export class OrderRoutes {
  private readonly kitchens = new Map<string, { kitchen: Promise<Kitchen>; expiresAtMs: number }>();
  private queued = new Map<string, Waiter[]>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly stores: StoreService,
  ) {}

  ofDriver(driverId: string): Promise<OrderRoute[]> {
    return new Promise((resolve, reject) => {
      if (this.queued.size === 0) setImmediate(() => void this.loadQueued());
      const waiters = this.queued.get(driverId);
      if (waiters) waiters.push({ resolve, reject });
      else this.queued.set(driverId, [{ resolve, reject }]);
    });
  }

  async ofOrder(order: Order): Promise<OrderRoute> {
    return routeOf(order, await this.kitchen(order.storeId));
  }

  private async loadQueued(): Promise<void> {
    const batch = this.queued;
    this.queued = new Map();
    const driverIds = [...batch.keys()];
    for (let i = 0; i < driverIds.length; i += DRIVERS_PER_QUERY) {
      const ids = driverIds.slice(i, i + DRIVERS_PER_QUERY);
      try {
        const routes = await this.read(ids);
        for (const id of ids) for (const waiter of batch.get(id) ?? []) waiter.resolve(routes.get(id) ?? []);
      } catch (error) {
        for (const id of ids) for (const waiter of batch.get(id) ?? []) waiter.reject(error);
      }
    }
  }

  private async read(driverIds: string[]): Promise<Map<string, OrderRoute[]>> {
    const rows = await this.db
      .selectFrom('orders')
      .select([
        'id',
        'driver_id',
        'status',
        'store_id',
        'timestamps',
        'delivery_latitude',
        'delivery_longitude',
        'eta_minutes',
      ])
      .where('driver_id', 'in', driverIds)
      .where('status', 'not in', TERMINAL)
      .execute();
    const byDriver = new Map<string, OrderRoute[]>();
    for (const row of rows) {
      const route = routeOf(
        {
          id: row.id,
          status: row.status as OrderStatus,
          timestamps: JSON.parse(row.timestamps) as OrderTimestamps,
          delivery: { address: '', latitude: Number(row.delivery_latitude), longitude: Number(row.delivery_longitude) },
          etaMinutes: row.eta_minutes === null ? null : Number(row.eta_minutes),
        },
        await this.kitchen(row.store_id),
      );
      const driverId = row.driver_id as string;
      const list = byDriver.get(driverId);
      if (list) list.push(route);
      else byDriver.set(driverId, [route]);
    }
    return byDriver;
  }

  private kitchen(storeId: string): Promise<Kitchen> {
    const nowMs = Date.now();
    const cached = this.kitchens.get(storeId);
    if (cached && cached.expiresAtMs > nowMs) return cached.kitchen;
    if (this.kitchens.size >= KITCHEN_CACHE_MAX) this.kitchens.clear();
    const kitchen = this.stores.get(storeId);
    this.kitchens.set(storeId, { kitchen, expiresAtMs: nowMs + KITCHEN_CACHE_TTL_MS });
    kitchen.catch(() => {
      // A failed read is not cached.
      if (this.kitchens.get(storeId)?.kitchen === kitchen) this.kitchens.delete(storeId);
    });
    return kitchen;
  }
}
