import { DabbaError } from '../../errors.js';
import { greatCircleKm } from './eta.js';
import type { LocationFix } from './location-input.js';

/** The last fix a driver had accepted: what the next one is judged against. */
export interface AcceptedFix {
  readonly latitude: number;
  readonly longitude: number;
  readonly accuracy: number | undefined;
  readonly atMs: number;
}

export interface LocationLimits {
  readonly maxAccuracyM: number;
  readonly maxSpeedKmh: number;
  readonly maxClockSkewMs: number;
}

/**
 * Refuses a fix that cannot be trusted, with `validation_failed` and a message saying which
 * rule: a poor accuracy, a time in the future, a time not after the last accepted fix ('stale'),
 * or a move faster than any rider ('implausible jump'). Range checks are the schema's job.
 */
export function checkFix(fix: LocationFix, last: AcceptedFix | undefined, nowMs: number, limits: LocationLimits): void {
  if (fix.accuracy !== undefined && fix.accuracy > limits.maxAccuracyM) {
    throw new DabbaError(
      'validation_failed',
      `accuracy: ${fix.accuracy} m is worse than the ${limits.maxAccuracyM} m this server accepts`,
    );
  }
  if (fix.atMs > nowMs + limits.maxClockSkewMs) {
    throw new DabbaError(
      'validation_failed',
      `timestamp: ${Math.round((fix.atMs - nowMs) / 1000)} s in the future (device clock wrong?)`,
    );
  }
  if (!last) return;
  if (fix.atMs <= last.atMs) {
    throw new DabbaError(
      'validation_failed',
      `stale: timestamp ${new Date(fix.atMs).toISOString()} is not after the last accepted fix (${new Date(last.atMs).toISOString()})`,
    );
  }
  const speedKmh = impliedSpeedKmh(last, fix);
  if (speedKmh > limits.maxSpeedKmh) {
    throw new DabbaError(
      'validation_failed',
      `implausible jump: moving ${Math.round(speedKmh)} km/h since the last fix exceeds ${limits.maxSpeedKmh} km/h`,
    );
  }
}

/**
 * Speed the move from `from` to `to` implies, km/h. Both fixes may be off by their accuracy
 * radius, so that much of the distance is forgiven: a parked driver's GPS wander is not a jump.
 */
export function impliedSpeedKmh(
  from: AcceptedFix,
  to: Pick<AcceptedFix, 'latitude' | 'longitude' | 'accuracy' | 'atMs'>,
): number {
  const slackKm = ((from.accuracy ?? 0) + (to.accuracy ?? 0)) / 1000;
  const km = Math.max(0, greatCircleKm(from, to) - slackKm);
  const hours = (to.atMs - from.atMs) / 3_600_000;
  return km / hours;
}

/**
 * Per-driver rate limit as a generic cell rate algorithm: one update per `intervalMs` sustained,
 * and an update up to a quarter interval early is still let through while the driver has been
 * keeping pace. That absorbs network jitter on a 1 Hz GPS without allowing bursts: two updates
 * back to back are always refused. Holds one number per driver.
 */
export class UpdatePacer {
  private readonly toleranceMs: number;

  constructor(private readonly intervalMs: number) {
    this.toleranceMs = intervalMs / 4;
  }

  /** Whether an update at `nowMs` is within the rate, given the driver's `nextDueMs`. */
  allows(nextDueMs: number, nowMs: number): boolean {
    return this.intervalMs === 0 || nowMs >= nextDueMs - this.toleranceMs;
  }

  /** The driver's next due time after an update accepted at `nowMs`. */
  next(nextDueMs: number, nowMs: number): number {
    return Math.max(nextDueMs, nowMs) + this.intervalMs;
  }

  /** How long until an update would be let through, ms. */
  waitMs(nextDueMs: number, nowMs: number): number {
    return Math.max(0, Math.ceil(nextDueMs - this.toleranceMs - nowMs));
  }
}
