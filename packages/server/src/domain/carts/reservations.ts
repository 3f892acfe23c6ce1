import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { channels, type CartReleaseReason } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import { stockUpdated } from '../catalog/catalog-events.js';
import { findProduct, returnStock, takeStock } from '../catalog/product-repository.js';
import type { Product } from '../catalog/product.js';
import { domainEvent, type OutgoingEvent } from '../events.js';
import type { ReservationRow } from './cart-repository.js';

type Db = Kysely<Database>;

/**
 * Holds `quantity` units of a product for a cart until `expiresAt`: takes them out of stock with
 * a conditional UPDATE (409 `out_of_stock` when fewer are left, 409 `product_unavailable` when
 * the product is switched off) and records the reservation. Call inside the cart's transaction.
 */
export async function reserve(
  trx: Db,
  cart: { id: string; userId: string },
  product: Product,
  quantity: number,
  expiresAt: string,
): Promise<OutgoingEvent[]> {
  if (!product.available) {
    throw new DabbaError('product_unavailable', `${product.name} is not available`, {
      details: { productId: product.id },
    });
  }
  if (!(await takeStock(trx, product.id, quantity))) {
    const current = await findProduct(trx, product.id);
    throw new DabbaError('out_of_stock', `only ${current?.stock ?? 0} of ${product.name} left`, {
      details: { productId: product.id, requested: quantity, stock: current?.stock ?? 0 },
    });
  }
  await trx
    .insertInto('cart_reservations')
    .values({
      id: randomUUID(),
      cart_id: cart.id,
      user_id: cart.userId,
      product_id: product.id,
      store_id: product.storeId,
      quantity,
      status: 'active',
      expires_at: expiresAt,
      created_at: new Date().toISOString(),
      ended_at: null,
    })
    .execute();
  const events = [
    domainEvent(channels.user(cart.userId), 'cart:item_reserved', {
      cartId: cart.id,
      productId: product.id,
      storeId: product.storeId,
      quantity,
      expiresAt,
    }),
  ];
  if (product.stock !== null) {
    const after = await findProduct(trx, product.id);
    if (after) events.push(...stockUpdated(after, product.stock));
  }
  return events;
}

/**
 * Ends reservations and puts their units back into stock. Each is ended with a conditional
 * UPDATE, so a reservation that an order consumed (or another sweep released) meanwhile is
 * left alone and its units are never returned twice.
 */
export async function release(
  trx: Db,
  reservations: readonly ReservationRow[],
  reason: CartReleaseReason,
): Promise<OutgoingEvent[]> {
  const events: OutgoingEvent[] = [];
  const now = new Date().toISOString();
  const returned = new Map<string, number | null>();
  // Rows locked in one order (product id) by every transaction: no deadlocks on Postgres.
  const ordered = [...reservations].sort((a, b) => a.product_id.localeCompare(b.product_id));
  for (const reservation of ordered) {
    const ended = await trx
      .updateTable('cart_reservations')
      .set({ status: 'released', ended_at: now })
      .where('id', '=', reservation.id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (Number(ended.numUpdatedRows) !== 1) continue;
    const before = await findProduct(trx, reservation.product_id);
    if (before && !returned.has(before.id)) returned.set(before.id, before.stock);
    await returnStock(trx, reservation.product_id, Number(reservation.quantity));
    events.push(
      domainEvent(channels.user(reservation.user_id), 'cart:item_released', {
        cartId: reservation.cart_id,
        productId: reservation.product_id,
        storeId: reservation.store_id,
        quantity: Number(reservation.quantity),
        reason,
      }),
    );
  }
  for (const [productId, previous] of returned) {
    const after = await findProduct(trx, productId);
    if (after && after.stock !== previous) events.push(...stockUpdated(after, previous));
  }
  return events;
}

/**
 * Turns a user's active, unexpired reservations of a product into part of an order: they end as
 * `consumed` (conditionally, so a concurrent expiry cannot also return their units). Returns
 * how many units they held.
 */
export async function consume(trx: Db, userId: string, productId: string): Promise<number> {
  const now = new Date().toISOString();
  const held = await trx
    .selectFrom('cart_reservations')
    .selectAll()
    .where('user_id', '=', userId)
    .where('product_id', '=', productId)
    .where('status', '=', 'active')
    .where('expires_at', '>', now)
    .execute();
  let units = 0;
  for (const reservation of held) {
    const ended = await trx
      .updateTable('cart_reservations')
      .set({ status: 'consumed', ended_at: now })
      .where('id', '=', reservation.id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (Number(ended.numUpdatedRows) === 1) units += Number(reservation.quantity);
  }
  return units;
}
