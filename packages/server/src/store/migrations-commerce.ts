import { sql, type Kysely } from 'kysely';

/**
 * `2026-11-24-003-commerce`: the live catalog (products, flash sales) and carts with their
 * stock reservations. Stock is the count that can still be bought: a reservation takes units
 * out of it and a release puts them back, each with a conditional UPDATE, so it never goes
 * negative under concurrent checkouts on either engine.
 */
export async function commerceUp(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('products')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('price_minor', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('available', 'integer', (c) => c.notNull())
    // Null: stock is not tracked (made to order).
    .addColumn('stock', 'integer', (c) => c.check(sqlCheck('stock')))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('products_store').on('products').columns(['store_id', 'name']).execute();

  await db.schema
    .createTable('flash_sales')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('discount_percent', 'integer')
    .addColumn('sale_price_minor', 'integer')
    .addColumn('cancelled_at', 'text')
    // What the due-timer has announced: a restart announces what came due while down, once.
    .addColumn('started_announced_at', 'text')
    .addColumn('ended_announced_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('flash_sales_product').on('flash_sales').columns(['product_id', 'ends_at']).execute();
  await db.schema
    .createIndex('flash_sales_start')
    .on('flash_sales')
    .columns(['started_announced_at', 'starts_at'])
    .execute();
  await db.schema.createIndex('flash_sales_end').on('flash_sales').columns(['ended_announced_at', 'ends_at']).execute();

  await db.schema
    .createTable('carts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // One cart per user.
    .addColumn('user_id', 'text', (c) => c.notNull().unique())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cart_items')
    .addColumn('cart_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cart_items_pk', ['cart_id', 'product_id'])
    .execute();

  await db.schema
    .createTable('cart_reservations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('cart_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    // 'active' | 'released' | 'consumed': only an active one holds stock.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema
    .createIndex('cart_reservations_active')
    .on('cart_reservations')
    .columns(['status', 'expires_at'])
    .execute();
  await db.schema
    .createIndex('cart_reservations_user')
    .on('cart_reservations')
    .columns(['user_id', 'product_id', 'status'])
    .execute();
}

function sqlCheck(column: string) {
  return sql`${sql.ref(column)} is null or ${sql.ref(column)} >= 0`;
}
