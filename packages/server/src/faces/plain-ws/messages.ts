import { z } from 'zod';
import { productSchema, storeSchema } from '@dabba/protocol';
import { clientMessageSchema } from './inbound.js';

const message = <T extends string, S extends z.ZodType>(type: T, data: S) => z.object({ type: z.literal(type), data });

/** Every message the server sends on `/api/ws`, by type: seed 001's five, then the face's own. */
export const plainWsServerMessages = {
  order_updated: message(
    'order_updated',
    z.object({
      orderId: z.string(),
      order: z.record(z.string(), z.unknown()).describe('the order as GET /orders/:id returns it, as it is now'),
    }),
  ),
  store_updated: message('store_updated', z.object({ storeId: z.string(), store: storeSchema })),
  product_updated: message('product_updated', z.object({ storeId: z.string(), product: productSchema })),
  store_availability_changed: message(
    'store_availability_changed',
    z.object({ storeId: z.string(), isActive: z.boolean() }),
  ),
  product_availability_changed: message(
    'product_availability_changed',
    z.object({ storeId: z.string(), productId: z.string(), available: z.boolean() }),
  ),
  connected: message('connected', z.object({ userId: z.string(), role: z.string(), channels: z.array(z.string()) })),
  pong: z.object({ type: z.literal('pong') }),
  subscribed: message('subscribed', z.object({ channel: z.string() })),
  unsubscribed: message(
    'unsubscribed',
    z.object({ channel: z.string(), reason: z.literal('permission_denied').optional() }),
  ),
  error: message('error', z.object({ code: z.string(), message: z.string(), channel: z.string().optional() })),
} as const;

/** Every message a client may send on `/api/ws`. */
export const plainWsClientMessages = {
  ping: clientMessageSchema.options[0],
  subscribe: clientMessageSchema.options[1],
  unsubscribe: clientMessageSchema.options[2],
} as const;
