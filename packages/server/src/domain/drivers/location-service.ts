import type { Kysely } from 'kysely';
import { TERMINAL_STATUSES } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Hub } from '../../hub/hub.js';
import type { Logger } from '../../logger.js';
import type { Database } from '../../store/schema.js';
import type { Principal } from '../orders/order.js';
import type { OrderService } from '../orders/order-service.js';
import type { DriverPosition } from '../orders/tracking.js';
import type { StoreService } from '../stores/store-service.js';
import { readStoredDriverLocation, trailRowId } from './driver-locations.js';
import { DriverStates, invalidateRoutes, type DriverState } from './driver-states.js';
import { EtaPublisher } from './eta-publisher.js';
import { parseLocationInput, type LocationAccepted, type LocationFix } from './location-input.js';
import { resolveLocationOptions, type LocationOptions, type ResolvedLocationOptions } from './location-options.js';
import { checkFix, UpdatePacer, type LocationLimits } from './location-rules.js';
import { LocationWriter } from './location-writer.js';
import { OrderRoutes, type OrderRoute } from './order-routes.js';

export interface LocationServiceDeps {
  db: Kysely<Database>;
  hub: Hub;
  orders: OrderService;
  stores: StoreService;
  logger: Logger;
}

/** Reloads of a driver's routes when an unassignment lands while one is in flight. */
const MAX_ROUTE_RELOADS = 3;

/**
 * Driver locations: validates each fix, rate-limits per driver, stores it (write-behind), sends
 * it to `tracking:{orderId}` of each order the driver is on, and recomputes those orders' ETAs.
 * Faces call `record`; the REST route and the rpc `driver.location` are two of them.
 */
export class LocationService {
  private readonly options: ResolvedLocationOptions;
  private readonly limits: LocationLimits;
  private readonly pacer: UpdatePacer;
  private readonly states: DriverStates;
  private readonly writer: LocationWriter;
  private readonly routes: OrderRoutes;
  private readonly etas: EtaPublisher;
  private readonly evictTimer: NodeJS.Timeout;

  constructor(
    private readonly deps: LocationServiceDeps,
    options: LocationOptions = {},
  ) {
    this.options = resolveLocationOptions(options);
    this.limits = {
      maxAccuracyM: this.options.locationMaxAccuracyM,
      maxSpeedKmh: this.options.locationMaxSpeedKmh,
      maxClockSkewMs: this.options.locationMaxClockSkewMs,
    };
    this.pacer = new UpdatePacer(this.options.locationMinIntervalMs);
    this.states = new DriverStates((driverId) =>
      readStoredDriverLocation(deps.db, driverId, this.options.locationTrailLength),
    );
    this.writer = new LocationWriter(deps.db, deps.logger, this.options.locationFlushIntervalMs);
    this.routes = new OrderRoutes(deps.db, deps.stores);
    this.etas = new EtaPublisher(deps, this.routes, {
      detourFactor: this.options.etaDetourFactor,
      citySpeedKmh: this.options.etaCitySpeedKmh,
    });
    deps.orders.onDriverUnassigned((orderId, driverId) => this.onUnassigned(orderId, driverId));
    // A delivered or cancelled order leaves its driver's cached routes at once, too.
    deps.orders.onOrderClosed((order) => {
      const driver = order.driverId ? this.states.peek(order.driverId) : undefined;
      if (driver) invalidateRoutes(driver, order.id);
    });
    this.evictTimer = setInterval(
      () => this.states.evictIdle(Date.now(), this.options.locationIdleEvictMs),
      Math.min(this.options.locationIdleEvictMs, 60_000),
    );
    this.evictTimer.unref();
  }

  /**
   * Records one fix from a driver. `input` is a LocationInput as the client sent it: it is
   * validated here. Throws `forbidden` (not a driver, or `orderId` names an order the driver is
   * not on), `validation_failed` (bad field, poor accuracy, future, stale, implausible jump) or
   * `rate_limited`.
   */
  async record(driver: Principal, input: unknown): Promise<LocationAccepted> {
    if (driver.role !== 'driver') throw new DabbaError('forbidden', 'only drivers send locations');
    const fix = parseLocationInput(input, Date.now());
    // Fast paths stay synchronous: under load almost every driver's state and orders are cached.
    const loaded = this.states.get(driver.id);
    const state = loaded instanceof Promise ? await loaded : loaded;
    // Seen now, before anything awaits: idle eviction must not drop a driver mid-update.
    state.lastSeenMs = Date.now();
    let routes = this.cachedRoutes(state) ?? (await this.loadRoutes(state));
    if (fix.orderId !== undefined && !routes.some((r) => r.orderId === fix.orderId)) {
      // A fresh assignment may not be cached yet: look once more before refusing.
      invalidateRoutes(state);
      routes = await this.loadRoutes(state);
    }

    // From here to the enqueue nothing awaits: two updates of one driver cannot interleave.
    const nowMs = Date.now();
    checkFix(fix, state.lastFix, nowMs, this.limits);
    if (!this.pacer.allows(state.nextDueMs, nowMs)) {
      const retryAfterMs = this.pacer.waitMs(state.nextDueMs, nowMs);
      throw new DabbaError(
        'rate_limited',
        `at most one location update per ${this.options.locationMinIntervalMs} ms: retry in ${retryAfterMs} ms`,
        { details: { retryAfterMs } },
      );
    }
    const targets = fix.orderId === undefined ? routes : routes.filter((r) => r.orderId === fix.orderId);
    if (fix.orderId !== undefined && targets.length === 0) {
      throw new DabbaError('forbidden', `you are not the driver of an active order ${fix.orderId}`);
    }
    state.nextDueMs = this.pacer.next(state.nextDueMs, nowMs);
    state.lastFix = { latitude: fix.latitude, longitude: fix.longitude, accuracy: fix.accuracy, atMs: fix.atMs };
    const recordedAt = new Date(fix.atMs).toISOString();
    this.store(state, fix, recordedAt, nowMs);
    for (const route of targets) this.publishLocation(state.driverId, route.orderId, fix, recordedAt);

    const eta = this.etas.update(state, targets, fix, nowMs);
    const etaMinutes = eta instanceof Promise ? await eta : eta;
    const orderIds = targets.map((r) => r.orderId);
    return etaMinutes === undefined ? { accepted: true, orderIds } : { accepted: true, orderIds, etaMinutes };
  }

  /** A driver's latest position, including fixes not yet written to the store. */
  latestPosition(driverId: string): Promise<DriverPosition | undefined> {
    return this.writer.latestPosition(driverId);
  }

  /** Stops the timers and writes the fixes still queued. */
  close(): Promise<void> {
    clearInterval(this.evictTimer);
    return this.writer.close();
  }

  private store(state: DriverState, fix: LocationFix, recordedAt: string, nowMs: number): void {
    const slot = state.nextTrailSlot;
    state.nextTrailSlot = (slot + 1) % this.options.locationTrailLength;
    this.writer.enqueue(
      {
        driver_id: state.driverId,
        latitude: fix.latitude,
        longitude: fix.longitude,
        accuracy: fix.accuracy ?? null,
        heading: fix.heading ?? null,
        speed: fix.speed ?? null,
        recorded_at: recordedAt,
        received_at: new Date(nowMs).toISOString(),
      },
      {
        id: trailRowId(state.driverId, slot),
        driver_id: state.driverId,
        latitude: fix.latitude,
        longitude: fix.longitude,
        recorded_at: recordedAt,
      },
    );
  }

  /**
   * Straight to the hub, not through the outbox: a location is latest-state, the next one
   * replaces it. Not awaited: the memory engine fans out before it returns, and a failure must
   * not fail an update that is already stored. The schema held the fix to the catalog's ranges.
   */
  private publishLocation(driverId: string, orderId: string, fix: LocationFix, recordedAt: string): void {
    const data: Record<string, unknown> = {
      orderId,
      driverId,
      latitude: fix.latitude,
      longitude: fix.longitude,
      timestamp: recordedAt,
    };
    if (fix.accuracy !== undefined) data.accuracy = fix.accuracy;
    if (fix.heading !== undefined) data.heading = fix.heading;
    if (fix.speed !== undefined) data.speed = fix.speed;
    this.deps.hub
      .publish(`tracking:${orderId}`, { type: 'driver:location_update', data })
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error, orderId }, 'publishing a driver location failed'),
      );
  }

  private cachedRoutes(state: DriverState): readonly OrderRoute[] | undefined {
    return state.routes && state.routes.expiresAtMs > Date.now() ? state.routes.list : undefined;
  }

  /** Reads the driver's active orders into the cache; an unassignment during the read wins. */
  private async loadRoutes(state: DriverState): Promise<readonly OrderRoute[]> {
    for (let attempt = 0; attempt < MAX_ROUTE_RELOADS; attempt++) {
      const epoch = state.routesEpoch;
      const list = await this.routes.ofDriver(state.driverId);
      if (state.routesEpoch !== epoch) continue;
      state.routes = { list, expiresAtMs: Date.now() + this.options.locationOrderCacheTtlMs };
      for (const orderId of state.etas.keys()) if (!list.some((r) => r.orderId === orderId)) state.etas.delete(orderId);
      return list;
    }
    throw new DabbaError('conflict', 'your orders are being reassigned: send the location again');
  }

  /** The old driver stops publishing to the order at once; the new one picks it up on its next fix. */
  private onUnassigned(orderId: string, previousDriverId: string): void {
    const previous = this.states.peek(previousDriverId);
    if (previous) invalidateRoutes(previous, orderId);
    this.deps.orders
      .find(orderId)
      .then((order) => {
        const next = order?.driverId ? this.states.peek(order.driverId) : undefined;
        if (next && order && !TERMINAL_STATUSES.has(order.status)) invalidateRoutes(next);
      })
      .catch((error: unknown) => this.deps.logger.warn({ err: error, orderId }, 'reading a reassigned order failed'));
  }
}
