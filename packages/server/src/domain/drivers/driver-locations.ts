import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { DriverPosition } from '../orders/tracking.js';

/** Drivers' latest positions, as stored. */
export async function latestDriverPosition(
  db: Kysely<Database>,
  driverId: string,
): Promise<DriverPosition | undefined> {
  const row = await db.selectFrom('driver_locations').selectAll().where('driver_id', '=', driverId).executeTakeFirst();
  return row
    ? { latitude: Number(row.latitude), longitude: Number(row.longitude), recordedAt: row.recorded_at }
    : undefined;
}
