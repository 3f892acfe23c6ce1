import type { OrderStatus } from '@dabba/protocol';
import type { Kitchen } from '../stores/store-service.js';
import type { User } from '../users.js';
import type { Order, StatusHistoryEntry } from './order.js';

/** A driver's last known position. */
export interface DriverPosition {
  latitude: number;
  longitude: number;
  recordedAt: string;
}

/** `GET /orders/:id/tracking`: exactly seed 003's payload. Optional fields are left out when unknown. */
export interface TrackingPayload {
  orderId: string;
  orderNumber: string;
  status: OrderStatus;
  customerName: string;
  deliveryAddress: string;
  deliveryLatitude: number;
  deliveryLongitude: number;
  chefName: string;
  chefBusinessName: string;
  chefAddress: string;
  chefLatitude: number;
  chefLongitude: number;
  driverAssigned: boolean;
  driverName?: string;
  driverPhone?: string;
  driverLatitude?: number;
  driverLongitude?: number;
  lastLocationUpdate?: string;
  estimatedDeliveryTime?: string;
  etaMinutes?: number;
  statusHistory: Array<{ status: OrderStatus; timestamp: string; changedBy?: string }>;
  createdAt: string;
  paymentConfirmedAt?: string;
  acceptedAt?: string;
  readyAt?: string;
  assignedAt?: string;
  pickedUpAt?: string;
  deliveredAt?: string;
}

export interface TrackingSources {
  order: Order;
  history: StatusHistoryEntry[];
  store: Kitchen;
  customer: User | undefined;
  chef: User | undefined;
  driver: User | undefined;
  driverPosition: DriverPosition | undefined;
}

export function trackingPayload(s: TrackingSources): TrackingPayload {
  const { order, store } = s;
  const t = order.timestamps;
  const payload: TrackingPayload = {
    orderId: order.id,
    orderNumber: order.orderNumber,
    status: order.status,
    customerName: s.customer?.name ?? order.customerId,
    deliveryAddress: order.delivery.address,
    deliveryLatitude: order.delivery.latitude,
    deliveryLongitude: order.delivery.longitude,
    chefName: s.chef?.name ?? order.chefId,
    chefBusinessName: store.name,
    chefAddress: store.address,
    chefLatitude: store.latitude,
    chefLongitude: store.longitude,
    driverAssigned: order.driverId !== null,
    statusHistory: s.history.map((h) => ({ status: h.status, timestamp: h.at, changedBy: h.changedBy })),
    createdAt: t.createdAt,
  };
  if (order.driverId) {
    payload.driverName = s.driver?.name ?? order.driverId;
    if (s.driver?.phone) payload.driverPhone = s.driver.phone;
    if (s.driverPosition) {
      payload.driverLatitude = s.driverPosition.latitude;
      payload.driverLongitude = s.driverPosition.longitude;
      payload.lastLocationUpdate = s.driverPosition.recordedAt;
    }
  }
  if (order.estimatedDeliveryAt) payload.estimatedDeliveryTime = order.estimatedDeliveryAt;
  if (order.etaMinutes !== null) payload.etaMinutes = order.etaMinutes;
  const stages = ['paymentConfirmedAt', 'acceptedAt', 'readyAt', 'assignedAt', 'pickedUpAt', 'deliveredAt'] as const;
  for (const stage of stages) if (t[stage]) payload[stage] = t[stage];
  return payload;
}
