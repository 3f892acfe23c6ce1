import type { EventData, OrderStatus, TrackingSnapshot } from '@dabba/protocol';

/** The events `trackOrder` follows, on `order:{id}` and `tracking:{id}`. */
export type TrackedEvent =
  | { type: 'order:status_update'; data: EventData<'order:status_update'> }
  | { type: 'order:driver_assigned'; data: EventData<'order:driver_assigned'> }
  | { type: 'order:eta_update'; data: EventData<'order:eta_update'> }
  | { type: 'driver:location_update'; data: EventData<'driver:location_update'> };

export const TRACKED_EVENT_TYPES = [
  'order:status_update',
  'order:driver_assigned',
  'order:eta_update',
  'driver:location_update',
] as const satisfies ReadonlyArray<TrackedEvent['type']>;

export interface StatusHistoryEntry {
  readonly status: OrderStatus;
  /** ISO time of the change. */
  readonly timestamp: string;
  /** Who made it (user id, or `system`), when known. */
  readonly changedBy?: string | undefined;
}

export interface DriverPosition {
  readonly latitude: number;
  readonly longitude: number;
  /** ISO time of the fix. */
  readonly at: string;
  readonly heading?: number | undefined;
  readonly speed?: number | undefined;
  readonly accuracy?: number | undefined;
}

export interface TrackedDriver {
  readonly id?: string | undefined;
  readonly name?: string | undefined;
  readonly phone?: string | undefined;
  /** ISO time of the (latest) assignment. */
  readonly assignedAt?: string | undefined;
  readonly position?: DriverPosition | undefined;
}

/** Where `trackOrder`'s state comes from right now. */
export type TrackingPhase =
  /** Waiting for the first snapshot; events that arrive meanwhile are held. */
  | 'loading'
  /** Snapshot applied; following live events. */
  | 'live'
  /** A resubscribe could not recover missed events: refetching the snapshot (events are held). */
  | 'refetching'
  /** The snapshot could not be fetched; `error` says why. Live events still apply once one is. */
  | 'error'
  | 'closed';

/** Everything a tracking screen shows. A new object after every change (fit for `useSyncExternalStore`). */
export interface OrderTrackingState {
  readonly orderId: string;
  readonly phase: TrackingPhase;
  /** The last snapshot: names, addresses and coordinates of the kitchen and the drop-off. */
  readonly snapshot: TrackingSnapshot | undefined;
  readonly status: OrderStatus | undefined;
  /** Every status the order passed through, oldest first, each once. */
  readonly history: readonly StatusHistoryEntry[];
  /** The assigned driver; undefined while none is. */
  readonly driver: TrackedDriver | undefined;
  readonly eta: { readonly minutes: number; readonly estimatedDeliveryTime: string } | undefined;
  /** How many snapshots were fetched (the first, plus one per unrecovered resubscribe). */
  readonly snapshots: number;
  readonly error: Error | undefined;
}

export function initialTrackingState(orderId: string): OrderTrackingState {
  return {
    orderId,
    phase: 'loading',
    snapshot: undefined,
    status: undefined,
    history: [],
    driver: undefined,
    eta: undefined,
    snapshots: 0,
    error: undefined,
  };
}

/** The state a snapshot describes; the phase is the caller's. */
export function fromSnapshot(state: OrderTrackingState, snapshot: TrackingSnapshot): OrderTrackingState {
  const driver: TrackedDriver | undefined = snapshot.driverAssigned
    ? {
        // The snapshot names the driver but not their id; the next assignment event does.
        id: state.driver?.name === snapshot.driverName ? state.driver?.id : undefined,
        name: snapshot.driverName,
        phone: snapshot.driverPhone,
        assignedAt: snapshot.assignedAt,
        // Locations are written behind their publication: a live fix may be newer than the snapshot's.
        position: newer(
          snapshot.driverLatitude !== undefined && snapshot.driverLongitude !== undefined && snapshot.lastLocationUpdate
            ? {
                latitude: snapshot.driverLatitude,
                longitude: snapshot.driverLongitude,
                at: snapshot.lastLocationUpdate,
              }
            : undefined,
          state.driver?.name === snapshot.driverName ? state.driver?.position : undefined,
        ),
      }
    : undefined;
  return {
    ...state,
    snapshot,
    status: snapshot.status,
    history: snapshot.statusHistory.map((h) => ({ status: h.status, timestamp: h.timestamp, changedBy: h.changedBy })),
    driver,
    eta:
      snapshot.etaMinutes !== undefined && snapshot.estimatedDeliveryTime !== undefined
        ? { minutes: snapshot.etaMinutes, estimatedDeliveryTime: snapshot.estimatedDeliveryTime }
        : state.eta,
    snapshots: state.snapshots + 1,
    error: undefined,
  };
}

/**
 * Applies one event. Every rule is idempotent, so an event the snapshot already reflects, or
 * one seen twice, changes nothing:
 * - status: the lifecycle never revisits a status, so a status already in the history was applied;
 * - driver position: only a fix newer than the one shown;
 * - assignment: only one at least as recent as the one shown;
 * - ETA: the latest received (ETA updates carry no order of their own; the next one corrects it).
 */
export function applyTrackedEvent(state: OrderTrackingState, event: TrackedEvent): OrderTrackingState {
  switch (event.type) {
    case 'order:status_update': {
      const update = event.data;
      if (update.orderId !== state.orderId || state.history.some((h) => h.status === update.status)) return state;
      const driver = update.driverId ? { ...state.driver, id: update.driverId } : state.driver;
      return {
        ...state,
        status: update.status,
        history: [...state.history, { status: update.status, timestamp: update.at, changedBy: update.actor.id }],
        driver,
      };
    }
    case 'order:driver_assigned': {
      const assigned = event.data;
      const shownAt = state.driver?.assignedAt;
      if (
        assigned.orderId !== state.orderId ||
        (shownAt !== undefined && Date.parse(assigned.assignedAt) < Date.parse(shownAt))
      ) {
        return state;
      }
      const sameDriver =
        state.driver?.id === assigned.driverId ||
        (state.driver?.id === undefined && state.driver?.name === assigned.driverName);
      return {
        ...state,
        driver: {
          id: assigned.driverId,
          name: assigned.driverName,
          assignedAt: assigned.assignedAt,
          phone: sameDriver ? state.driver?.phone : undefined,
          position: sameDriver ? state.driver?.position : undefined,
        },
      };
    }
    case 'order:eta_update': {
      const eta = event.data;
      if (eta.orderId !== state.orderId) return state;
      return { ...state, eta: { minutes: eta.etaMinutes, estimatedDeliveryTime: eta.estimatedDeliveryTime } };
    }
    case 'driver:location_update': {
      const fix = event.data;
      const shown = state.driver?.position;
      if (fix.orderId !== state.orderId || (shown && Date.parse(fix.timestamp) <= Date.parse(shown.at))) return state;
      return {
        ...state,
        driver: {
          ...state.driver,
          id: state.driver?.id ?? fix.driverId,
          position: {
            latitude: fix.latitude,
            longitude: fix.longitude,
            at: fix.timestamp,
            heading: fix.heading,
            speed: fix.speed,
            accuracy: fix.accuracy,
          },
        },
      };
    }
  }
}

function newer(a: DriverPosition | undefined, b: DriverPosition | undefined): DriverPosition | undefined {
  if (!a || !b) return a ?? b;
  return Date.parse(b.at) > Date.parse(a.at) ? b : a;
}
