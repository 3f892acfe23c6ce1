import type { EtaDamping } from './eta.js';
import type { StoredDriverLocation } from './driver-locations.js';
import type { AcceptedFix } from './location-rules.js';
import type { OrderRoute } from './order-routes.js';

/** What this node remembers about one driver between updates. */
export interface DriverState {
  readonly driverId: string;
  /** The last accepted fix: the next one must be newer and within reach of it. */
  lastFix: AcceptedFix | undefined;
  /** The rate limiter's next due time, ms since the epoch. */
  nextDueMs: number;
  /** Trail ring slot the next point goes to. */
  nextTrailSlot: number;
  /** Last time an update arrived (accepted or not), for idle eviction. */
  lastSeenMs: number;
  /** The driver's active orders, cached until `expiresAtMs`. */
  routes: { readonly list: readonly OrderRoute[]; readonly expiresAtMs: number } | undefined;
  /** Bumped whenever cached routes are invalidated: a read that started before is not trusted. */
  routesEpoch: number;
  /** ETA damping per order. */
  readonly etas: Map<string, EtaDamping>;
}

/**
 * Per-driver state in memory, bounded: a driver idle for longer than the eviction time is
 * forgotten, and the next update reloads its last fix from the store.
 */
export class DriverStates {
  private readonly states = new Map<string, DriverState>();
  private readonly loading = new Map<string, Promise<DriverState>>();

  constructor(private readonly loadStored: (driverId: string) => Promise<StoredDriverLocation>) {}

  get size(): number {
    return this.states.size;
  }

  /** The driver's state, loading it from the store the first time (concurrent callers share one load). */
  get(driverId: string): DriverState | Promise<DriverState> {
    const state = this.states.get(driverId);
    if (state) return state;
    let load = this.loading.get(driverId);
    if (!load) {
      load = this.loadStored(driverId)
        .then((stored) => {
          const created: DriverState = {
            driverId,
            lastFix: stored.lastFix,
            nextDueMs: 0,
            nextTrailSlot: stored.nextTrailSlot,
            lastSeenMs: Date.now(),
            routes: undefined,
            routesEpoch: 0,
            etas: new Map(),
          };
          this.states.set(driverId, created);
          return created;
        })
        .finally(() => this.loading.delete(driverId));
      this.loading.set(driverId, load);
    }
    return load;
  }

  /** The driver's state if this node has it, without loading. */
  peek(driverId: string): DriverState | undefined {
    return this.states.get(driverId);
  }

  /** Forgets drivers not heard from since `nowMs - idleMs`. Returns how many. */
  evictIdle(nowMs: number, idleMs: number): number {
    let evicted = 0;
    for (const [driverId, state] of this.states) {
      if (nowMs - state.lastSeenMs > idleMs) {
        this.states.delete(driverId);
        evicted++;
      }
    }
    return evicted;
  }
}

/** Drops a driver's cached routes (all, or one order's) so the next update reads them again. */
export function invalidateRoutes(state: DriverState, orderId?: string): void {
  state.routesEpoch++;
  if (orderId === undefined || !state.routes) {
    state.routes = undefined;
    return;
  }
  state.routes = { ...state.routes, list: state.routes.list.filter((route) => route.orderId !== orderId) };
  state.etas.delete(orderId);
}
