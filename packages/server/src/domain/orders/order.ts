import type { z } from 'zod';
import type { OrderStatus, orderItemSchema, orderTimestampsSchema, Role } from '@dabba/protocol';

export type OrderItem = z.infer<typeof orderItemSchema>;
export type OrderTimestamps = z.infer<typeof orderTimestampsSchema>;

/** Who is acting: a token's holder, or the app's backend / Dabba itself (`system`). */
export interface Principal {
  readonly id: string;
  readonly role: Role | 'system';
}

export const SYSTEM: Principal = { id: 'system', role: 'system' };

export interface Order {
  id: string;
  orderNumber: string;
  customerId: string;
  storeId: string;
  chefId: string;
  driverId: string | null;
  status: OrderStatus;
  statusChangedAt: string;
  items: OrderItem[];
  subtotalMinor: number;
  deliveryFeeMinor: number;
  totalMinor: number;
  currency: string;
  delivery: { address: string; latitude: number; longitude: number };
  etaMinutes: number | null;
  estimatedDeliveryAt: string | null;
  timestamps: OrderTimestamps;
  cancelReason: string | null;
  cancelledBy: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface StatusHistoryEntry {
  status: OrderStatus;
  at: string;
  changedBy: string;
  changedByRole: string;
  reason: string | null;
}

/** Who may see an order (and follow its channels): its customer, chef, assigned driver, support, admin. */
export function canViewOrder(principal: Principal, order: Order): boolean {
  switch (principal.role) {
    case 'system':
    case 'support':
    case 'admin':
      return true;
    case 'customer':
      return order.customerId === principal.id;
    case 'chef':
      return order.chefId === principal.id;
    case 'driver':
      return order.driverId === principal.id;
  }
}
