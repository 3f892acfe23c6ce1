import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, FlashSalesTable, ProductsTable } from '../../store/schema.js';
import { toProduct, type Product } from './product.js';

/** Takes the database or a transaction: every query here runs in either. */
type Db = Kysely<Database>;

/** The product's sale that has not ended and was not cancelled: the running one, else the next. */
async function currentSales(
  db: Db,
  productIds: readonly string[],
  now: number,
): Promise<Map<string, Selectable<FlashSalesTable>>> {
  const sales = new Map<string, Selectable<FlashSalesTable>>();
  if (productIds.length === 0) return sales;
  const rows = await db
    .selectFrom('flash_sales')
    .selectAll()
    .where('product_id', 'in', productIds)
    .where('cancelled_at', 'is', null)
    .where('ends_at', '>', new Date(now).toISOString())
    .orderBy('starts_at')
    .execute();
  for (const row of rows) if (!sales.has(row.product_id)) sales.set(row.product_id, row);
  return sales;
}

async function withSales(db: Db, rows: Selectable<ProductsTable>[], now: number): Promise<Product[]> {
  const sales = await currentSales(
    db,
    rows.map((r) => r.id),
    now,
  );
  return rows.map((row) => toProduct(row, sales.get(row.id), now));
}

export async function findProduct(db: Db, id: string, now = Date.now()): Promise<Product | undefined> {
  const row = await db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await withSales(db, [row], now))[0] : undefined;
}

export async function findProducts(db: Db, ids: readonly string[], now = Date.now()): Promise<Map<string, Product>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('products').selectAll().where('id', 'in', ids).execute();
  return new Map((await withSales(db, rows, now)).map((p) => [p.id, p]));
}

/** A store's products by name; `availableOnly` leaves out those switched off. At most 500. */
export async function listProducts(db: Db, storeId: string, availableOnly: boolean): Promise<Product[]> {
  let query = db.selectFrom('products').selectAll().where('store_id', '=', storeId);
  if (availableOnly) query = query.where('available', '=', 1);
  const rows = await query.orderBy('name').orderBy('id').limit(500).execute();
  return withSales(db, rows, Date.now());
}

/**
 * Takes `quantity` units out of tracked stock if that many are left: one conditional UPDATE, so
 * concurrent callers can never take stock below zero. True for untracked stock.
 */
export async function takeStock(db: Db, productId: string, quantity: number): Promise<boolean> {
  const result = await db
    .updateTable('products')
    .set({ stock: sql<number>`stock - ${quantity}` })
    .where('id', '=', productId)
    .where('stock', '>=', quantity)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) return true;
  const row = await db.selectFrom('products').select('stock').where('id', '=', productId).executeTakeFirst();
  return row !== undefined && row.stock === null;
}

/** Puts units back into tracked stock (a release); untracked stock stays untracked. */
export async function returnStock(db: Db, productId: string, quantity: number): Promise<void> {
  await db
    .updateTable('products')
    .set({ stock: sql<number>`stock + ${quantity}` })
    .where('id', '=', productId)
    .where('stock', 'is not', null)
    .execute();
}
