/**
 * Driver location ingest and ETA: every option, its unit in its name and its default in its
 * JSDoc. `DomainOptions` (and so `startServer`) accepts all of them.
 */
export interface LocationOptions {
  /** Fixes whose reported accuracy radius is worse (larger) than this are rejected, metres. Default 100. */
  locationMaxAccuracyM?: number;
  /** Two accepted fixes may not imply a faster move than this, km/h. Default 200. */
  locationMaxSpeedKmh?: number;
  /**
   * Sustained rate limit per driver: at most one accepted update per this interval, ms; 0 turns the
   * limit off. An update up to a quarter interval early is still accepted while the driver keeps
   * pace, so a 1 Hz GPS with network jitter is not refused (the long-run rate never exceeds it).
   * Default 1 000.
   */
  locationMinIntervalMs?: number;
  /** How far a fix's timestamp may be ahead of the server clock (device clock skew), ms. Default 30 000. */
  locationMaxClockSkewMs?: number;
  /** Points kept per driver in `driver_location_trail`. Default 20. */
  locationTrailLength?: number;
  /** A driver's in-memory state (last fix, rate limit, ETA damping) is dropped after this long without an update, ms. Default 600 000. */
  locationIdleEvictMs?: number;
  /**
   * How long a driver's active orders are cached between updates, ms. Unassignment and an order's
   * end (delivered, cancelled) take effect at once whatever this is; a new assignment or a pickup
   * is seen within it (an ETA announcement re-reads its order first). Default 2 000.
   */
  locationOrderCacheTtlMs?: number;
  /**
   * Accepted fixes are written to the store in batches this often, ms (write-behind: the latest
   * position is served from memory until then). Default 100.
   */
  locationFlushIntervalMs?: number;
  /** Road distance ÷ great-circle distance, for the ETA. Default 1.3. */
  etaDetourFactor?: number;
  /** Average riding speed in the city, for the ETA, km/h. Default 20. */
  etaCitySpeedKmh?: number;
}

export const DEFAULT_LOCATION_OPTIONS: Readonly<Required<LocationOptions>> = {
  locationMaxAccuracyM: 100,
  locationMaxSpeedKmh: 200,
  locationMinIntervalMs: 1_000,
  locationMaxClockSkewMs: 30_000,
  locationTrailLength: 20,
  locationIdleEvictMs: 10 * 60_000,
  locationOrderCacheTtlMs: 2_000,
  locationFlushIntervalMs: 100,
  etaDetourFactor: 1.3,
  etaCitySpeedKmh: 20,
};

export type ResolvedLocationOptions = Readonly<Required<LocationOptions>>;

/** Fills in defaults and refuses values that cannot work (a TypeError names the option). */
export function resolveLocationOptions(options: LocationOptions): ResolvedLocationOptions {
  const resolved: Required<LocationOptions> = { ...DEFAULT_LOCATION_OPTIONS };
  for (const key of Object.keys(DEFAULT_LOCATION_OPTIONS) as Array<keyof LocationOptions>) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`${key} must be a finite, non-negative number`);
    resolved[key] = value;
  }
  const mustBePositive: Array<keyof LocationOptions> = [
    'locationMaxAccuracyM',
    'locationMaxSpeedKmh',
    'locationIdleEvictMs',
    'locationFlushIntervalMs',
    'etaCitySpeedKmh',
  ];
  for (const key of mustBePositive) if (resolved[key] === 0) throw new TypeError(`${key} must be positive`);
  if (!Number.isInteger(resolved.locationTrailLength) || resolved.locationTrailLength < 1) {
    throw new TypeError('locationTrailLength must be a positive integer');
  }
  if (resolved.etaDetourFactor < 1) throw new TypeError('etaDetourFactor must be at least 1 (roads are never shorter)');
  return resolved;
}
