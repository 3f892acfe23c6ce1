import { z } from 'zod';
import { MAX_CART_QUANTITY } from '@dabba/protocol';

const productId = z.string().min(1).max(64);
const quantity = z.number().int().min(1).max(MAX_CART_QUANTITY);
/** The cart version the change was made against; a stale one is refused (409 `cart_version_conflict`). */
const expectedVersion = z.number().int().min(0).optional();

export const addItemSchema = z.object({ productId, quantity: quantity.default(1), expectedVersion });
export const setQuantitySchema = z.object({ productId, quantity, expectedVersion });
export const removeItemSchema = z.object({ productId, expectedVersion });
export const versionOnlySchema = z.object({ expectedVersion });

/** Placing the order of a checked-out cart: where it goes. */
export const cartOrderSchema = z.object({
  deliveryAddress: z.string().min(1).max(500),
  deliveryLatitude: z.number().min(-90).max(90),
  deliveryLongitude: z.number().min(-180).max(180),
  deliveryFeeMinor: z.number().int().min(0).max(10_000_000).default(0),
  expectedVersion,
});

export type AddItemInput = z.infer<typeof addItemSchema>;
export type SetQuantityInput = z.infer<typeof setQuantitySchema>;
export type RemoveItemInput = z.infer<typeof removeItemSchema>;
export type CartOrderInput = z.infer<typeof cartOrderSchema>;
