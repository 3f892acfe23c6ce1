/**
 * ETA without a routing provider: pure functions, no I/O, no clock of their own.
 *
 * Before pickup the order travels driver → kitchen → customer, and it cannot leave the kitchen
 * before the food is ready. The driver rides to the kitchen while the food cooks, so the wait
 * at the kitchen is the longer of the two, not their sum:
 *
 *     eta = max(remaining prep, ride to kitchen) + ride kitchen → customer
 *
 * After pickup it is the ride straight to the customer. A ride is the great-circle distance
 * × a detour factor (roads are not straight) ÷ an average city speed.
 */

export interface LatLng {
  readonly latitude: number;
  readonly longitude: number;
}

export interface EtaSpeedModel {
  /** Road distance ÷ great-circle distance. */
  readonly detourFactor: number;
  /** Average riding speed, km/h. */
  readonly citySpeedKmh: number;
}

/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6371.0088;
const RADIANS = Math.PI / 180;

/** Great-circle (haversine) distance, km. */
export function greatCircleKm(a: LatLng, b: LatLng): number {
  const dLat = (b.latitude - a.latitude) * RADIANS;
  const dLng = (b.longitude - a.longitude) * RADIANS;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * RADIANS) * Math.cos(b.latitude * RADIANS) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Riding time between two points, minutes. */
export function rideMinutes(from: LatLng, to: LatLng, model: EtaSpeedModel): number {
  return ((greatCircleKm(from, to) * model.detourFactor) / model.citySpeedKmh) * 60;
}

export interface PrepClock {
  /** The kitchen's preparation time, minutes. */
  readonly prepMinutes: number;
  /** When the kitchen accepted the order, ms since the epoch; undefined before acceptance. */
  readonly acceptedAtMs: number | undefined;
  /** The kitchen said the food is ready: nothing left to wait for. */
  readonly ready: boolean;
}

/** Preparation time still to run, minutes (never negative). Before acceptance the whole prep time is left. */
export function remainingPrepMinutes(prep: PrepClock, nowMs: number): number {
  if (prep.ready) return 0;
  if (prep.acceptedAtMs === undefined) return prep.prepMinutes;
  return Math.max(0, prep.prepMinutes - (nowMs - prep.acceptedAtMs) / 60_000);
}

export interface EtaInput {
  readonly driver: LatLng;
  readonly kitchen: LatLng;
  readonly customer: LatLng;
  /** The driver has the food: ride straight to the customer. */
  readonly pickedUp: boolean;
  readonly prep: PrepClock;
}

/** Minutes until delivery, unrounded. */
export function estimateMinutes(input: EtaInput, model: EtaSpeedModel, nowMs: number): number {
  if (input.pickedUp) return rideMinutes(input.driver, input.customer, model);
  const leaveKitchenIn = Math.max(
    remainingPrepMinutes(input.prep, nowMs),
    rideMinutes(input.driver, input.kitchen, model),
  );
  return leaveKitchenIn + rideMinutes(input.kitchen, input.customer, model);
}

/**
 * What customers were last told, and a change waiting to be confirmed. Noise must not make the
 * published ETA flip back and forth, so:
 *  - a change of 2 minutes or more is published at once (the situation really changed);
 *  - a change of exactly 1 minute is published only when the next update rounds to the same
 *    new value (2 consecutive updates agree);
 *  - an update that rounds back to the published value cancels a pending change.
 * So a value wobbling between 10 and 11 keeps saying 10, while a steady approach
 * (11, 10, 10, 9, 9…) is followed one update late.
 */
export interface EtaDamping {
  /** Minutes last published; undefined before the first. */
  readonly publishedMinutes: number | undefined;
  /** A 1-minute change seen once, waiting for a second sighting. */
  readonly pendingMinutes: number | undefined;
}

export const INITIAL_ETA_DAMPING: EtaDamping = { publishedMinutes: undefined, pendingMinutes: undefined };

/** A change this large (minutes) is published at once. */
export const ETA_IMMEDIATE_CHANGE_MINUTES = 2;

/** Feeds one new estimate (unrounded minutes) through the damping; `publish` says whether to announce `state.publishedMinutes`. */
export function dampEta(state: EtaDamping, estimateMinutes: number): { state: EtaDamping; publish: boolean } {
  const minutes = Math.max(0, Math.round(estimateMinutes));
  const published = state.publishedMinutes;
  if (published === undefined || Math.abs(minutes - published) >= ETA_IMMEDIATE_CHANGE_MINUTES) {
    return { state: { publishedMinutes: minutes, pendingMinutes: undefined }, publish: true };
  }
  if (minutes === published) {
    return {
      state: state.pendingMinutes === undefined ? state : { ...state, pendingMinutes: undefined },
      publish: false,
    };
  }
  if (state.pendingMinutes === minutes) {
    return { state: { publishedMinutes: minutes, pendingMinutes: undefined }, publish: true };
  }
  return { state: { publishedMinutes: published, pendingMinutes: minutes }, publish: false };
}
