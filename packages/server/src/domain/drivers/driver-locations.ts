import type { Kysely } from 'kysely';
import type { Database, DriverLocationsTable, DriverLocationTrailTable } from '../../store/schema.js';
import type { DriverPosition } from '../orders/tracking.js';
import type { AcceptedFix } from './location-rules.js';

/**
 * The two location tables. `driver_locations` holds each driver's latest fix. The trail keeps
 * the last N fixes per driver as a ring: row ids are `{driverId}#{slot}` with slot = 0…N-1, and
 * each new point overwrites the oldest slot, so the trail never needs a trimming DELETE.
 */

/** Rows per multi-row statement: far below SQLite's 32 766 and Postgres' 65 535 parameters. */
const ROWS_PER_STATEMENT = 500;

export type LocationRow = DriverLocationsTable;
export type TrailRow = DriverLocationTrailTable;

export function trailRowId(driverId: string, slot: number): string {
  return `${driverId}#${slot}`;
}

function slotOf(rowId: string): number {
  return Number(rowId.slice(rowId.lastIndexOf('#') + 1));
}

/** Upserts latest positions and trail points in one transaction, a few multi-row statements in all. */
export async function writeLocations(
  db: Kysely<Database>,
  latest: readonly LocationRow[],
  trail: readonly TrailRow[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < latest.length; i += ROWS_PER_STATEMENT) {
      await trx
        .insertInto('driver_locations')
        .values(latest.slice(i, i + ROWS_PER_STATEMENT))
        .onConflict((oc) =>
          oc.column('driver_id').doUpdateSet((eb) => ({
            latitude: eb.ref('excluded.latitude'),
            longitude: eb.ref('excluded.longitude'),
            accuracy: eb.ref('excluded.accuracy'),
            heading: eb.ref('excluded.heading'),
            speed: eb.ref('excluded.speed'),
            recorded_at: eb.ref('excluded.recorded_at'),
            received_at: eb.ref('excluded.received_at'),
          })),
        )
        .execute();
    }
    for (let i = 0; i < trail.length; i += ROWS_PER_STATEMENT) {
      await trx
        .insertInto('driver_location_trail')
        .values(trail.slice(i, i + ROWS_PER_STATEMENT))
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            latitude: eb.ref('excluded.latitude'),
            longitude: eb.ref('excluded.longitude'),
            recorded_at: eb.ref('excluded.recorded_at'),
          })),
        )
        .execute();
    }
  });
}

export async function readLatestLocation(db: Kysely<Database>, driverId: string): Promise<LocationRow | undefined> {
  return db.selectFrom('driver_locations').selectAll().where('driver_id', '=', driverId).executeTakeFirst();
}

export function rowToPosition(row: Pick<LocationRow, 'latitude' | 'longitude' | 'recorded_at'>): DriverPosition {
  return { latitude: Number(row.latitude), longitude: Number(row.longitude), recordedAt: row.recorded_at };
}

/** What a driver's in-memory state starts from after a restart or an idle eviction. */
export interface StoredDriverLocation {
  lastFix: AcceptedFix | undefined;
  nextTrailSlot: number;
}

/**
 * Reads a driver's last fix (so stale and jump checks survive a restart) and where the trail
 * ring continues. Trail rows from a longer ring (the length was lowered) are deleted.
 */
export async function readStoredDriverLocation(
  db: Kysely<Database>,
  driverId: string,
  trailLength: number,
): Promise<StoredDriverLocation> {
  const [latest, trail] = await Promise.all([
    readLatestLocation(db, driverId),
    db.selectFrom('driver_location_trail').select(['id', 'recorded_at']).where('driver_id', '=', driverId).execute(),
  ]);
  const lastFix = latest && {
    latitude: Number(latest.latitude),
    longitude: Number(latest.longitude),
    accuracy: latest.accuracy === null ? undefined : Number(latest.accuracy),
    atMs: Date.parse(latest.recorded_at),
  };
  const outside = trail.filter((row) => !(slotOf(row.id) < trailLength));
  if (outside.length > 0) {
    await db
      .deleteFrom('driver_location_trail')
      .where(
        'id',
        'in',
        outside.map((row) => row.id),
      )
      .execute();
  }
  let newest: { slot: number; at: string } | undefined;
  for (const row of trail) {
    const slot = slotOf(row.id);
    if (slot < trailLength && (!newest || row.recorded_at > newest.at)) newest = { slot, at: row.recorded_at };
  }
  return { lastFix, nextTrailSlot: newest ? (newest.slot + 1) % trailLength : 0 };
}
