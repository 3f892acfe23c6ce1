import { z } from 'zod';

const point = z.object({ latitude: z.number(), longitude: z.number() });

/** `GET /dev/demo`: what the dev server hands the demo (see packages/server/src/dev/demo-routes.ts). */
export const demoSchema = z.object({
  users: z.array(
    z.object({
      id: z.string(),
      role: z.enum(['customer', 'chef', 'driver', 'support', 'admin']),
      name: z.string(),
      token: z.string().nullable(),
      /** Drivers: where they last reported (a ride continues from there). */
      lastPosition: point.nullable(),
    }),
  ),
  kitchen: point.extend({ id: z.string(), name: z.string(), address: z.string(), chefId: z.string() }),
  dropoff: point.extend({ address: z.string() }),
  via: z.array(point),
  driverStart: point,
});
export type Demo = z.infer<typeof demoSchema>;
export type DemoUser = Demo['users'][number];
export type GeoPoint = z.infer<typeof point>;

/** Loads the demo users and places; fails with a readable reason outside dev mode. */
export async function loadDemo(): Promise<Demo> {
  const response = await fetch('/dev/demo', { headers: { Accept: 'application/json' } });
  if (response.status === 404)
    throw new Error('this server is not in dev mode: start it with `npm start` (dabba serve --dev)');
  if (!response.ok) throw new Error(`GET /dev/demo answered ${response.status}`);
  return demoSchema.parse(await response.json());
}

/** A REST error body `{ error: { code, message } }`, as an Error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls a REST route as `token`'s holder; POSTs carry an Idempotency-Key so a retried click is applied once. */
export async function api<T>(
  token: string,
  method: string,
  path: string,
  body?: unknown,
  idempotencyKey?: string,
): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method === 'POST') headers['Idempotency-Key'] = idempotencyKey ?? crypto.randomUUID();
  const response = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `${method} ${path}: ${response.status}`,
    );
  }
  return parsed as T;
}

/** Paise → "₹180". */
export function rupees(minor: number): string {
  return `₹${(minor / 100).toLocaleString('en-IN', { maximumFractionDigits: 2 })}`;
}

/** Status → words a person reads. */
export const STATUS_LABELS: Record<string, string> = {
  pending: 'Placed',
  payment_confirmed: 'Paid',
  accepted: 'Accepted by the kitchen',
  preparing: 'Cooking',
  ready_for_pickup: 'Ready for pickup',
  assigned_to_driver: 'Driver assigned',
  picked_up: 'Picked up',
  in_transit: 'On the way',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
  rejected: 'Declined by the kitchen',
  payment_failed: 'Payment failed',
};

/** The timeline's rows: the statuses of a delivery that goes well, in order. */
export { HAPPY_PATH } from '@dabba/protocol';

/** The order fields the views read (the server's order object has more). */
export interface OrderSummary {
  id: string;
  orderNumber: string;
  status: string;
  customerId: string;
  driverId: string | null;
  storeId: string;
  totalMinor: number;
  currency: string;
  items: Array<{ productId?: string | null; name: string; quantity: number }>;
  delivery: { address: string; latitude: number; longitude: number };
  createdAt: string;
}
