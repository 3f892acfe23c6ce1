import { z } from 'zod';

/**
 * The live catalog (stores, products, stock, prices, flash sales) and carts synced across a
 * user's devices. Every product envelope carries the whole product and every store envelope the
 * whole store, so a face can derive any narrower message (seed 001's `product_updated`,
 * `store_availability_changed`, …) from one envelope without a lookup.
 */

const isoTime = z.string().datetime({ offset: true });
const minor = z.number().int().min(0);

/** Most lines one cart holds. */
export const MAX_CART_LINES = 50;
/** Largest quantity of one product in a cart. */
export const MAX_CART_QUANTITY = 99;

export const storeSchema = z.object({
  id: z.string(),
  chefId: z.string(),
  name: z.string(),
  address: z.string(),
  latitude: z.number(),
  longitude: z.number(),
  prepMinutes: z.number().int(),
  isActive: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

/** A flash sale of one product: a discount in percent, or a fixed sale price. */
export const flashSaleSchema = z.object({
  id: z.string(),
  startsAt: isoTime,
  endsAt: isoTime,
  discountPercent: z.number().int().min(1).max(99).nullable(),
  salePriceMinor: minor.nullable(),
  /** Whether the sale was running when this snapshot was taken. */
  active: z.boolean(),
});

export const productSchema = z.object({
  id: z.string(),
  storeId: z.string(),
  name: z.string(),
  description: z.string(),
  /** List price of one, minor units. */
  priceMinor: minor,
  /** What one costs now: the flash-sale price while a sale runs, else the list price. */
  effectivePriceMinor: minor,
  currency: z.string(),
  available: z.boolean(),
  /** Units that can still be bought (reserved units excluded); null when stock is not tracked. */
  stock: z.number().int().min(0).nullable(),
  /** The current or next flash sale, if any. */
  flashSale: flashSaleSchema.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export const cartItemSchema = z.object({
  productId: z.string(),
  storeId: z.string(),
  name: z.string(),
  quantity: z.number().int().min(1).max(MAX_CART_QUANTITY),
  /** The product's current price (flash sale applied). */
  unitPriceMinor: minor,
  available: z.boolean(),
  /** Units of this line held for the user by a checkout (0 when none). */
  reservedQuantity: z.number().int().min(0),
});

export const cartSchema = z.object({
  id: z.string(),
  userId: z.string(),
  /** Bumped by every change; name it as `expectedVersion` to change the cart safely. */
  version: z.number().int().min(0),
  /** The store every line comes from; null while the cart is empty. */
  storeId: z.string().nullable(),
  items: z.array(cartItemSchema).max(MAX_CART_LINES),
  subtotalMinor: minor,
  currency: z.string().nullable(),
  /** When the earliest active reservation expires; null when nothing is reserved. */
  reservedUntil: isoTime.nullable(),
  updatedAt: isoTime,
});

const productRef = { storeId: z.string(), productId: z.string(), product: productSchema };

export const CART_RELEASE_REASONS = ['expired', 'removed', 'changed', 'checkout_failed', 'renewed'] as const;

export const commerceEvents = {
  /** A store was created or changed (whole store). On `store:{id}` and `catalog`. */
  'store:updated': z.object({ storeId: z.string(), store: storeSchema }),
  /** A store opened or closed for orders. On `store:{id}` and `catalog`. */
  'store:availability_changed': z.object({ storeId: z.string(), isActive: z.boolean(), store: storeSchema }),
  /** A product was created or changed (whole product). On `store:{storeId}` and `catalog`. */
  'product:updated': z.object(productRef),
  'product:availability_changed': z.object({ ...productRef, available: z.boolean() }),
  'product:stock_update': z.object({
    ...productRef,
    stock: z.number().int().min(0).nullable(),
    previousStock: z.number().int().min(0).nullable(),
  }),
  /** The price one pays changed: list price edited, or a flash sale started or ended. */
  'product:price_update': z.object({
    ...productRef,
    priceMinor: minor,
    effectivePriceMinor: minor,
    previousEffectivePriceMinor: minor,
    currency: z.string(),
  }),
  /** A flash sale started or ended (at its time, or when cancelled while running). */
  'store:flash_sale': z.object({
    ...productRef,
    phase: z.enum(['started', 'ended']),
    reason: z.enum(['scheduled', 'cancelled']),
    sale: flashSaleSchema,
    at: isoTime,
  }),
  /** The whole cart after a change; on `user:{userId}`, so every device of the user converges. */
  'cart:sync': z.object({ cart: cartSchema }),
  'cart:item_reserved': z.object({
    cartId: z.string(),
    productId: z.string(),
    storeId: z.string(),
    quantity: z.number().int().min(1),
    expiresAt: isoTime,
  }),
  'cart:item_released': z.object({
    cartId: z.string(),
    productId: z.string(),
    storeId: z.string(),
    quantity: z.number().int().min(1),
    reason: z.enum(CART_RELEASE_REASONS),
  }),
} as const;

export type StoreView = z.infer<typeof storeSchema>;
export type ProductView = z.infer<typeof productSchema>;
export type FlashSaleView = z.infer<typeof flashSaleSchema>;
export type CartView = z.infer<typeof cartSchema>;
export type CartItemView = z.infer<typeof cartItemSchema>;
export type CartReleaseReason = (typeof CART_RELEASE_REASONS)[number];
