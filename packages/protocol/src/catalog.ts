import { z } from 'zod';
import { chatEvents } from './chat.js';
import { ORDER_STATUSES } from './orders.js';
import { ROLES } from './roles.js';
import { feedEvents, leaderboardEvents } from './social.js';
import { commerceEvents } from './commerce.js';

/**
 * The event catalog: every event type Dabba's domain publishes, with the schema of its data.
 * The server validates what it publishes against it; clients infer their handler types from it.
 */

const isoTime = z.string().datetime({ offset: true });
const orderStatus = z.enum(ORDER_STATUSES);
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);

export const orderActorSchema = z.object({
  id: z.string(),
  role: z.enum([...ROLES, 'system']),
});

/** Stage timestamps as the tracking payload names them; absent until the stage happens. */
export const orderTimestampsSchema = z.object({
  createdAt: isoTime,
  paymentConfirmedAt: isoTime.optional(),
  acceptedAt: isoTime.optional(),
  preparingAt: isoTime.optional(),
  readyAt: isoTime.optional(),
  assignedAt: isoTime.optional(),
  pickedUpAt: isoTime.optional(),
  inTransitAt: isoTime.optional(),
  deliveredAt: isoTime.optional(),
  cancelledAt: isoTime.optional(),
  rejectedAt: isoTime.optional(),
  paymentFailedAt: isoTime.optional(),
});

export const orderItemSchema = z.object({
  productId: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  quantity: z.number().int().min(1).max(1000),
  /** Price of one, in minor units (paise, cents). */
  unitPriceMinor: z.number().int().min(0),
});

export const eventCatalog = {
  'order:status_update': z.object({
    orderId: z.string(),
    orderNumber: z.string(),
    status: orderStatus,
    previousStatus: orderStatus.nullable(),
    actor: orderActorSchema,
    reason: z.string().optional(),
    at: isoTime,
    timestamps: orderTimestampsSchema,
    driverId: z.string().optional(),
  }),
  'order:new': z.object({
    orderId: z.string(),
    orderNumber: z.string(),
    storeId: z.string(),
    customerId: z.string(),
    items: z.array(orderItemSchema),
    totalMinor: z.number().int(),
    currency: z.string(),
    createdAt: isoTime,
  }),
  'driver:new_assignment': z.object({
    orderId: z.string(),
    orderNumber: z.string(),
    storeId: z.string(),
    pickup: z.object({ name: z.string(), address: z.string(), latitude, longitude }),
    dropoff: z.object({ address: z.string(), latitude, longitude }),
    assignedAt: isoTime,
  }),
  'order:driver_assigned': z.object({
    orderId: z.string(),
    driverId: z.string(),
    driverName: z.string(),
    assignedAt: isoTime,
  }),
  'driver:unassigned': z.object({ orderId: z.string(), orderNumber: z.string(), at: isoTime }),
  'order:eta_update': z.object({
    orderId: z.string(),
    etaMinutes: z.number().int().nonnegative(),
    estimatedDeliveryTime: isoTime,
  }),
  'driver:location_update': z.object({
    orderId: z.string(),
    driverId: z.string(),
    latitude,
    longitude,
    accuracy: z.number().nonnegative().optional(),
    heading: z.number().min(0).max(360).optional(),
    speed: z.number().nonnegative().optional(),
    timestamp: isoTime,
  }),
  notification: z.object({
    id: z.string(),
    type: z.string(),
    title: z.string(),
    body: z.string(),
    data: z.record(z.string(), z.unknown()),
    createdAt: isoTime,
    read: z.boolean(),
  }),
  ...feedEvents,
  ...leaderboardEvents,
  ...chatEvents,
  ...commerceEvents,
} as const;

export type EventName = keyof typeof eventCatalog;
export type EventData<N extends EventName> = z.infer<(typeof eventCatalog)[N]>;

export function isCatalogEvent(type: string): type is EventName {
  return Object.prototype.hasOwnProperty.call(eventCatalog, type);
}
