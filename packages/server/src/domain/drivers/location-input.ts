import { z } from 'zod';
import { DabbaError } from '../../errors.js';

/** The largest time a JavaScript Date can hold, ms. */
const MAX_EPOCH_MS = 8.64e15;

/**
 * What a driver's app sends: REST `POST /drivers/me/location` and the native rpc
 * `driver.location` take the same object. Ranges match the `driver:location_update` catalog
 * entry, so an accepted fix can be published without checking it again.
 */
export const locationInputSchema = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  /** Radius of the fix's uncertainty, metres. */
  accuracy: z.number().nonnegative().optional(),
  /** Direction of travel, degrees clockwise from north. */
  heading: z.number().min(0).max(360).optional(),
  /** Ground speed the device reports, m/s. */
  speed: z.number().nonnegative().optional(),
  /** When the fix was taken: ISO-8601 or ms since the epoch. Default: when the server receives it. */
  timestamp: z.union([z.number().int().nonnegative().max(MAX_EPOCH_MS), z.iso.datetime({ offset: true })]).optional(),
  /** Publish this fix to this one of the driver's orders only (seed 003 clients send it). */
  orderId: z.string().min(1).max(64).optional(),
});

export type LocationInput = z.input<typeof locationInputSchema>;

/** A validated fix, its time in ms. */
export interface LocationFix {
  readonly latitude: number;
  readonly longitude: number;
  readonly accuracy: number | undefined;
  readonly heading: number | undefined;
  readonly speed: number | undefined;
  readonly atMs: number;
  readonly orderId: string | undefined;
}

/** What an accepted update returns. */
export interface LocationAccepted {
  accepted: true;
  /** The orders whose tracking channel got the fix. */
  orderIds: string[];
  /** ETA the customers were last told, for the soonest of those orders; absent without one. */
  etaMinutes?: number;
}

/** Validates a fix; `validation_failed` names the first bad field, the rest are in details. */
export function parseLocationInput(input: unknown, receivedAtMs: number): LocationFix {
  const parsed = locationInputSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const first = issues[0];
    throw new DabbaError(
      'validation_failed',
      first ? `${first.path || 'location'}: ${first.message}` : 'invalid location',
      {
        details: { issues },
      },
    );
  }
  const { timestamp } = parsed.data;
  return {
    latitude: parsed.data.latitude,
    longitude: parsed.data.longitude,
    accuracy: parsed.data.accuracy,
    heading: parsed.data.heading,
    speed: parsed.data.speed,
    atMs: timestamp === undefined ? receivedAtMs : typeof timestamp === 'number' ? timestamp : Date.parse(timestamp),
    orderId: parsed.data.orderId,
  };
}
