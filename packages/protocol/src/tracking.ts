import { z } from 'zod';
import { ORDER_STATUSES } from './orders.js';

const isoTime = z.string().datetime({ offset: true });
const orderStatus = z.enum(ORDER_STATUSES);
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);

/**
 * `GET /orders/:id/tracking` (seed 003's payload): the snapshot a client starts from, and
 * refetches when a resubscribe could not recover what it missed. Optional fields are absent
 * while unknown.
 */
export const trackingSnapshotSchema = z.object({
  orderId: z.string(),
  orderNumber: z.string(),
  status: orderStatus,
  customerName: z.string(),
  deliveryAddress: z.string(),
  deliveryLatitude: latitude,
  deliveryLongitude: longitude,
  chefName: z.string(),
  chefBusinessName: z.string(),
  chefAddress: z.string(),
  chefLatitude: latitude,
  chefLongitude: longitude,
  driverAssigned: z.boolean(),
  driverName: z.string().optional(),
  driverPhone: z.string().optional(),
  driverLatitude: latitude.optional(),
  driverLongitude: longitude.optional(),
  lastLocationUpdate: isoTime.optional(),
  estimatedDeliveryTime: isoTime.optional(),
  etaMinutes: z.number().int().nonnegative().optional(),
  statusHistory: z.array(z.object({ status: orderStatus, timestamp: isoTime, changedBy: z.string().optional() })),
  createdAt: isoTime,
  paymentConfirmedAt: isoTime.optional(),
  acceptedAt: isoTime.optional(),
  readyAt: isoTime.optional(),
  assignedAt: isoTime.optional(),
  pickedUpAt: isoTime.optional(),
  deliveredAt: isoTime.optional(),
});

export type TrackingSnapshot = z.infer<typeof trackingSnapshotSchema>;
