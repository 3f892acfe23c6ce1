import { setTimeout as delay } from 'node:timers/promises';
import { TERMINAL_STATUSES, type OrderStatus } from '@dabba/protocol';
import { DabbaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { SYSTEM, type Order, type Principal } from '../domain/orders/order.js';
import type { CreateOrderInput, OrderService } from '../domain/orders/order-service.js';
import { bearingDegrees, routePoints, type GeoPoint } from './route.js';

/** A driver's position report, as the location service (`domain.locations.record`) takes it. */
export interface LocationInput {
  latitude: number;
  longitude: number;
  /** Metres. */
  accuracy?: number;
  /** Degrees clockwise from north. */
  heading?: number;
  /** Metres per second. */
  speed?: number;
  timestamp?: string | number;
  orderId?: string;
}

/** The part of the location service the simulator drives. */
export interface LocationRecorder {
  record(driver: Principal, input: LocationInput): Promise<{ accepted: true; orderIds: string[]; etaMinutes?: number }>;
}

export interface SimulatorOptions {
  /** Pause before each status change of a simulated order, ms. Default 3 000. */
  stepIntervalMs?: number;
  /**
   * How often the driver reports a position while driving, ms. At least 1 000: the location
   * service accepts one update per second per driver. Default 1 000.
   */
  locationIntervalMs?: number;
  /**
   * The driver's speed, km/h: the distance between two reports is this speed × the location
   * interval. Above 0 and at most 180, under the location service's 200 km/h jump limit. Default 40.
   */
  driverSpeedKmh?: number;
  /** Pause after an order is delivered (or fails) before the next one is placed, ms. Default 10 000. */
  pauseBetweenOrdersMs?: number;
}

export const DEFAULT_SIMULATOR_OPTIONS: Readonly<Required<SimulatorOptions>> = {
  stepIntervalMs: 3_000,
  locationIntervalMs: 1_000,
  driverSpeedKmh: 40,
  pauseBetweenOrdersMs: 10_000,
};

export const MIN_LOCATION_INTERVAL_MS = 1_000;
export const MAX_DRIVER_SPEED_KMH = 180;
/** Location rejections that a later retry of the same point can get past. */
const RETRIED_REJECTIONS: ReadonlySet<string> = new Set(['validation_failed', 'rate_limited']);
/** Rejected reports in a row after which the simulator gives up on an order. */
const MAX_CONSECUTIVE_REJECTIONS = 120;
/** Reported GPS accuracy, metres. */
const ACCURACY_M = 5;

/** Who acts and where: the demo cast, the kitchen, the customer's address and the driver's start. */
export interface SimulationPlan {
  customer: Principal;
  chef: Principal;
  driver: Principal;
  kitchen: GeoPoint & { id: string };
  dropoff: GeoPoint & { address: string };
  /** Corners between the kitchen and the dropoff. */
  via?: readonly GeoPoint[];
  driverStart: GeoPoint;
  items: CreateOrderInput['items'];
  /** Paise. */
  deliveryFeeMinor: number;
}

export interface SimulatorDeps {
  orders: Pick<OrderService, 'create' | 'changeStatus' | 'assignDriver'>;
  locations: LocationRecorder;
  logger: Logger;
}

/** Callbacks for whoever shows the simulation (the dev banner, tests). */
export interface SimulatorHooks {
  placed?(order: Order): void;
  moved?(order: Order): void;
}

type Step =
  | { kind: 'status'; to: OrderStatus; by: 'system' | 'chef' | 'driver' }
  | { kind: 'assign' }
  | { kind: 'drive'; to: 'kitchen' | 'dropoff' };

/** One simulated order after it is placed: seed 003's path plus `preparing`, the driver driving both legs. */
export const SIMULATION_SCRIPT: readonly Step[] = [
  { kind: 'status', to: 'payment_confirmed', by: 'system' },
  { kind: 'status', to: 'accepted', by: 'chef' },
  { kind: 'status', to: 'preparing', by: 'chef' },
  { kind: 'status', to: 'ready_for_pickup', by: 'chef' },
  { kind: 'assign' },
  { kind: 'drive', to: 'kitchen' },
  { kind: 'status', to: 'picked_up', by: 'driver' },
  { kind: 'status', to: 'in_transit', by: 'driver' },
  { kind: 'drive', to: 'dropoff' },
  { kind: 'status', to: 'delivered', by: 'driver' },
];

/** Checks simulator options and fills in the defaults; a TypeError names a bad one. */
export function resolveSimulatorOptions(options: SimulatorOptions = {}): Required<SimulatorOptions> {
  const resolved: Required<SimulatorOptions> = { ...DEFAULT_SIMULATOR_OPTIONS };
  for (const [key, value] of Object.entries(options) as Array<[keyof SimulatorOptions, number | undefined]>) {
    if (value !== undefined) resolved[key] = value;
  }
  for (const key of ['stepIntervalMs', 'pauseBetweenOrdersMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0)
      throw new TypeError(`${key} must be a non-negative number of ms`);
  }
  if (!Number.isFinite(resolved.locationIntervalMs) || resolved.locationIntervalMs < MIN_LOCATION_INTERVAL_MS)
    throw new TypeError(`locationIntervalMs must be at least ${MIN_LOCATION_INTERVAL_MS} ms (one update per second)`);
  if (!(resolved.driverSpeedKmh > 0 && resolved.driverSpeedKmh <= MAX_DRIVER_SPEED_KMH))
    throw new TypeError(`driverSpeedKmh must be above 0 and at most ${MAX_DRIVER_SPEED_KMH} km/h`);
  return resolved;
}

/**
 * Runs demo orders through the whole lifecycle, one after another, until stopped: it acts
 * through the domain services as the customer, the system, the chef and the driver, and the
 * driver reports a position every `locationIntervalMs` while driving to the kitchen and on to
 * the customer. The driver's position carries over from one order to the next, so no report
 * is ever a jump. `stop()` cancels the order in progress and leaves no timer behind.
 */
export class OrderSimulator {
  private readonly options: Required<SimulatorOptions>;
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  private position: GeoPoint;
  private current: Order | undefined;
  /** `Date.now()` when the last report returned: the service saw it no later than this. */
  private lastReportAt = -Infinity;
  private rejections = 0;

  constructor(
    private readonly deps: SimulatorDeps,
    private readonly plan: SimulationPlan,
    options: SimulatorOptions = {},
    private readonly hooks: SimulatorHooks = {},
  ) {
    this.options = resolveSimulatorOptions(options);
    this.position = plan.driverStart;
  }

  /** Starts the loop; a second call does nothing. */
  start(): void {
    if (this.controller.signal.aborted) throw new Error('the simulator was stopped');
    this.running ??= this.loop(this.controller.signal);
  }

  /** Stops after the domain call in flight, cancels the unfinished order. Idempotent. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.runOrder(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.deps.logger.warn(
          { err: error, orderId: this.current?.id },
          'simulated order failed; the next one starts after the pause',
        );
        await this.abandon('demo_simulation_failed');
      }
      try {
        await delay(this.options.pauseBetweenOrdersMs, undefined, { signal });
      } catch {
        break;
      }
    }
    await this.abandon('demo_simulation_stopped');
  }

  private async runOrder(signal: AbortSignal): Promise<void> {
    const { plan, deps } = this;
    this.rejections = 0;
    let order = await deps.orders.create(plan.customer, {
      storeId: plan.kitchen.id,
      items: plan.items,
      deliveryAddress: plan.dropoff.address,
      deliveryLatitude: plan.dropoff.latitude,
      deliveryLongitude: plan.dropoff.longitude,
      deliveryFeeMinor: plan.deliveryFeeMinor,
      currency: 'INR',
    });
    this.current = order;
    deps.logger.info({ orderId: order.id, orderNumber: order.orderNumber }, 'simulated order placed');
    this.hooks.placed?.(order);
    for (const step of SIMULATION_SCRIPT) {
      if (step.kind === 'drive') {
        const stops = step.to === 'kitchen' ? [plan.kitchen] : [...(plan.via ?? []), plan.dropoff];
        await this.drive(order.id, stops, signal);
        continue;
      }
      await delay(this.options.stepIntervalMs, undefined, { signal });
      order =
        step.kind === 'assign'
          ? await deps.orders.assignDriver(plan.chef, order.id, plan.driver.id)
          : await deps.orders.changeStatus(step.by === 'system' ? SYSTEM : plan[step.by], order.id, step.to);
      this.current = order;
      deps.logger.debug({ orderId: order.id, status: order.status }, 'simulated order moved');
      this.hooks.moved?.(order);
    }
    this.current = undefined;
    deps.logger.info({ orderId: order.id, orderNumber: order.orderNumber }, 'simulated order delivered');
  }

  /** Drives from where the driver is through `stops`, reporting the start and then every step. */
  private async drive(orderId: string, stops: readonly GeoPoint[], signal: AbortSignal): Promise<void> {
    const speedMps = this.options.driverSpeedKmh / 3.6;
    const points = routePoints([this.position, ...stops], speedMps * (this.options.locationIntervalMs / 1000));
    const first = points[0];
    await this.report(orderId, this.position, first ? bearingDegrees(this.position, first) : undefined, 0, signal);
    for (let i = 0; i < points.length;) {
      const next = points[i] as GeoPoint;
      if (await this.report(orderId, next, bearingDegrees(this.position, next), speedMps, signal)) {
        this.position = next;
        i++;
      }
    }
  }

  /** Sends one position once the rate limit allows; false when the service rejected it. */
  private async report(
    orderId: string,
    at: GeoPoint,
    heading: number | undefined,
    speed: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    // Timers may fire a millisecond early: wait until the clock really says so.
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) await delay(wait, undefined, { signal });
    try {
      await this.deps.locations.record(this.plan.driver, {
        latitude: at.latitude,
        longitude: at.longitude,
        accuracy: ACCURACY_M,
        ...(heading === undefined ? {} : { heading }),
        speed,
        orderId,
      });
      this.rejections = 0;
      return true;
    } catch (error) {
      if (!(error instanceof DabbaError && RETRIED_REJECTIONS.has(error.code))) throw error;
      // E.g. a jump from where a previous run left the driver: the same point is accepted once
      // enough time has passed. Anything else (the order was reassigned or cancelled) ends the order.
      if (this.rejections++ === 0)
        this.deps.logger.warn({ orderId, code: error.code, reason: error.message }, 'simulated location rejected');
      if (this.rejections >= MAX_CONSECUTIVE_REJECTIONS) throw error;
      return false;
    } finally {
      this.lastReportAt = Date.now();
    }
  }

  private waitMs(): number {
    return this.lastReportAt + this.options.locationIntervalMs - Date.now();
  }

  /** Cancels the unfinished simulated order, so nothing is left half-delivered. */
  private async abandon(reason: string): Promise<void> {
    const order = this.current;
    this.current = undefined;
    if (!order || TERMINAL_STATUSES.has(order.status)) return;
    try {
      await this.deps.orders.changeStatus(SYSTEM, order.id, 'cancelled', reason);
    } catch (error) {
      this.deps.logger.debug({ err: error, orderId: order.id }, 'could not cancel the simulated order');
    }
  }
}
