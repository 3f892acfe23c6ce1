import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { FlashSaleView, ProductView } from '@dabba/protocol';
import type { FlashSalesTable, ProductsTable } from '../../store/schema.js';

export type Product = ProductView;
export type FlashSale = FlashSaleView;

/** Largest price, stock and stock change accepted, so sums stay far from integer limits. */
export const MAX_PRICE_MINOR = 100_000_000;
export const MAX_STOCK = 1_000_000;

const productId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

/** What a product is made of; no defaults here, so a partial update leaves unnamed fields alone. */
const productFields = {
  name: z.string().min(1).max(200),
  description: z.string().max(2000),
  priceMinor: z.number().int().min(0).max(MAX_PRICE_MINOR),
  currency: z.string().regex(/^[A-Z]{3}$/),
  available: z.boolean(),
};

export const createProductSchema = z.object({
  /** Optional: a caller that already has ids (the app's backend) may keep them. */
  id: productId.optional(),
  ...productFields,
  description: productFields.description.default(''),
  currency: productFields.currency.default('INR'),
  available: productFields.available.default(true),
  /** Units on hand; null (the default) when stock is not tracked. */
  stock: z.number().int().min(0).max(MAX_STOCK).nullable().default(null),
});
export type CreateProductInput = z.infer<typeof createProductSchema>;

export const updateProductSchema = z
  .object(productFields)
  .partial()
  .refine((input) => Object.values(input).some((v) => v !== undefined), { message: 'nothing to change' });
export type UpdateProductInput = z.infer<typeof updateProductSchema>;

/** Exactly one of `delta` (may be negative) or `set`; `set: null` stops tracking stock. */
export const stockChangeSchema = z.union([
  z.object({ delta: z.number().int().min(-MAX_STOCK).max(MAX_STOCK) }).strict(),
  z.object({ set: z.number().int().min(0).max(MAX_STOCK).nullable() }).strict(),
]);
export type StockChange = z.infer<typeof stockChangeSchema>;

/** Longest flash sale accepted: 7 days. */
export const MAX_FLASH_SALE_MS = 7 * 24 * 60 * 60_000;

export const createFlashSaleSchema = z
  .object({
    startsAt: z.string().datetime({ offset: true }),
    endsAt: z.string().datetime({ offset: true }),
    discountPercent: z.number().int().min(1).max(99).optional(),
    salePriceMinor: z.number().int().min(0).max(MAX_PRICE_MINOR).optional(),
  })
  .refine((s) => (s.discountPercent === undefined) !== (s.salePriceMinor === undefined), {
    message: 'give exactly one of discountPercent and salePriceMinor',
  })
  .refine((s) => Date.parse(s.endsAt) > Date.parse(s.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  })
  .refine((s) => Date.parse(s.endsAt) - Date.parse(s.startsAt) <= MAX_FLASH_SALE_MS, {
    message: 'a flash sale lasts at most 7 days',
    path: ['endsAt'],
  });
export type CreateFlashSaleInput = z.infer<typeof createFlashSaleSchema>;

export function isSaleRunning(sale: Selectable<FlashSalesTable>, now: number): boolean {
  return sale.cancelled_at === null && Date.parse(sale.starts_at) <= now && now < Date.parse(sale.ends_at);
}

/** The price of one while `sale` runs. */
export function salePrice(
  priceMinor: number,
  sale: Pick<FlashSalesTable, 'discount_percent' | 'sale_price_minor'>,
): number {
  if (sale.sale_price_minor !== null) return Math.min(Number(sale.sale_price_minor), priceMinor);
  return Math.round((priceMinor * (100 - Number(sale.discount_percent ?? 0))) / 100);
}

export function toFlashSale(row: Selectable<FlashSalesTable>, now: number): FlashSale {
  return {
    id: row.id,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    discountPercent: row.discount_percent === null ? null : Number(row.discount_percent),
    salePriceMinor: row.sale_price_minor === null ? null : Number(row.sale_price_minor),
    active: isSaleRunning(row, now),
  };
}

/** A product as clients see it, its price evaluated at `now` against its current or next sale. */
export function toProduct(
  row: Selectable<ProductsTable>,
  sale: Selectable<FlashSalesTable> | undefined,
  now: number,
): Product {
  const priceMinor = Number(row.price_minor);
  const running = sale !== undefined && isSaleRunning(sale, now);
  return {
    id: row.id,
    storeId: row.store_id,
    name: row.name,
    description: row.description,
    priceMinor,
    effectivePriceMinor: running ? salePrice(priceMinor, sale) : priceMinor,
    currency: row.currency,
    available: Number(row.available) === 1,
    stock: row.stock === null ? null : Number(row.stock),
    flashSale: sale ? toFlashSale(sale, now) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
