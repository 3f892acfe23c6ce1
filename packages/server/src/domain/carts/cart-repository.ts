import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { CartView } from '@dabba/protocol';
import type { CartReservationsTable, CartsTable, Database } from '../../store/schema.js';
import { findProducts } from '../catalog/product-repository.js';

type Db = Kysely<Database>;
export type CartRow = Selectable<CartsTable>;
export type ReservationRow = Selectable<CartReservationsTable>;

/** The user's cart, created empty (version 0) on first use; safe when two devices race. */
export async function ensureCart(db: Db, userId: string): Promise<CartRow> {
  const now = new Date().toISOString();
  await db
    .insertInto('carts')
    .values({ id: randomUUID(), user_id: userId, version: 0, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
  return db.selectFrom('carts').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
}

/**
 * Bumps the cart's version, only from `expectedVersion` when one is named. Runs first in every
 * cart change: on Postgres the row lock it takes queues concurrent changes of the same cart.
 */
export async function bumpVersion(db: Db, cartId: string, expectedVersion: number | undefined): Promise<boolean> {
  let update = db
    .updateTable('carts')
    .set({ version: sql<number>`version + 1`, updated_at: new Date().toISOString() })
    .where('id', '=', cartId);
  if (expectedVersion !== undefined) update = update.where('version', '=', expectedVersion);
  return Number((await update.executeTakeFirst()).numUpdatedRows) === 1;
}

export function cartLines(db: Db, cartId: string) {
  return db
    .selectFrom('cart_items')
    .selectAll()
    .where('cart_id', '=', cartId)
    .orderBy('added_at')
    .orderBy('product_id')
    .execute();
}

export function activeReservations(db: Db, cartId: string, productId?: string): Promise<ReservationRow[]> {
  let query = db
    .selectFrom('cart_reservations')
    .selectAll()
    .where('cart_id', '=', cartId)
    .where('status', '=', 'active');
  if (productId !== undefined) query = query.where('product_id', '=', productId);
  return query.orderBy('created_at').execute();
}

/** The cart as clients see it: lines with the catalog's current names and prices, and what is held. */
export async function cartView(db: Db, cartId: string): Promise<CartView> {
  const cart = await db.selectFrom('carts').selectAll().where('id', '=', cartId).executeTakeFirstOrThrow();
  const lines = await cartLines(db, cartId);
  const reservations = await activeReservations(db, cartId);
  const products = await findProducts(
    db,
    lines.map((l) => l.product_id),
  );
  const reserved = new Map<string, number>();
  for (const r of reservations) reserved.set(r.product_id, (reserved.get(r.product_id) ?? 0) + Number(r.quantity));
  const items = lines.flatMap((line) => {
    const product = products.get(line.product_id);
    if (!product) return [];
    return [
      {
        productId: product.id,
        storeId: product.storeId,
        name: product.name,
        quantity: Number(line.quantity),
        unitPriceMinor: product.effectivePriceMinor,
        available: product.available,
        reservedQuantity: reserved.get(product.id) ?? 0,
      },
    ];
  });
  const first = items[0];
  const expiries = reservations.map((r) => r.expires_at).sort();
  return {
    id: cart.id,
    userId: cart.user_id,
    version: Number(cart.version),
    storeId: first?.storeId ?? null,
    items,
    subtotalMinor: items.reduce((sum, item) => sum + item.quantity * item.unitPriceMinor, 0),
    currency: first ? (products.get(first.productId)?.currency ?? null) : null,
    reservedUntil: expiries[0] ?? null,
    updatedAt: cart.updated_at,
  };
}
