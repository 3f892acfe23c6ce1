import type { Kysely } from 'kysely';
import type { Logger } from '../../logger.js';
import type { Database } from '../../store/schema.js';
import type { DriverPosition } from '../orders/tracking.js';
import {
  readLatestLocation,
  rowToPosition,
  writeLocations,
  type LocationRow,
  type TrailRow,
} from './driver-locations.js';

/**
 * Write-behind persistence for accepted fixes. A fix costs a statement and a commit when
 * written alone; gathered for `flushIntervalMs` and written as a few multi-row upserts in one
 * transaction it costs a few microseconds, and a driver's fixes within one flush collapse to
 * their latest. Reads go through `latestPosition`, which sees fixes not yet written.
 *
 * The price: a crash loses at most one interval of fixes. Locations are latest-state data (the
 * next fix replaces them), so that is the right trade; orders and their history do not go
 * through here.
 */
export class LocationWriter {
  private pendingLatest = new Map<string, LocationRow>();
  private pendingTrail = new Map<string, TrailRow>();
  /** The batch being written: still served by `latestPosition` until it is committed. */
  private writingLatest: ReadonlyMap<string, LocationRow> = new Map();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    private readonly flushIntervalMs: number,
  ) {}

  /** Queues a driver's latest position and a trail point (overwriting the same trail slot if still queued). */
  enqueue(latest: LocationRow, trail: TrailRow): void {
    this.pendingLatest.set(latest.driver_id, latest);
    this.pendingTrail.set(trail.id, trail);
    if (this.timer === undefined && !this.closed) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
    }
  }

  /** A driver's latest position: queued, being written, or stored. */
  async latestPosition(driverId: string): Promise<DriverPosition | undefined> {
    const queued = this.pendingLatest.get(driverId) ?? this.writingLatest.get(driverId);
    if (queued) return rowToPosition(queued);
    const row = await readLatestLocation(this.db, driverId);
    return row && rowToPosition(row);
  }

  /** Writes everything queued so far; resolves when it is committed (or failed and logged). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.writeQueued());
    return this.writing;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async writeQueued(): Promise<void> {
    if (this.pendingLatest.size === 0 && this.pendingTrail.size === 0) return;
    const latest = this.pendingLatest;
    const trail = this.pendingTrail;
    this.pendingLatest = new Map();
    this.pendingTrail = new Map();
    this.writingLatest = latest;
    try {
      await writeLocations(this.db, [...latest.values()], [...trail.values()]);
    } catch (error) {
      // The next fix of each driver rewrites its latest position; only trail points are lost.
      this.logger.error({ err: error, drivers: latest.size }, 'writing driver locations failed');
    } finally {
      this.writingLatest = new Map();
    }
  }
}
