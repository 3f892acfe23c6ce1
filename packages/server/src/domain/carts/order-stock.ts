import type { Transaction } from 'kysely';
import { channels } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import { stockUpdated } from '../catalog/catalog-events.js';
import { findProduct, findProducts, returnStock, takeStock } from '../catalog/product-repository.js';
import { domainEvent, type OutgoingEvent } from '../events.js';
import type { Order } from '../orders/order.js';
import * as repo from './cart-repository.js';
import { consume } from './reservations.js';

/**
 * The catalog's part of placing an order, run by `orders.onCreated` inside the order's
 * transaction (a throw here leaves nothing written):
 * - every item is a product of the order's store that is available (else 409 `product_unavailable`);
 * - its `unitPriceMinor` equals the catalog's current price, flash sale applied (else 409
 *   `price_changed`, with the current price in the details): the client's price is checked, never
 *   trusted, so the order's totals are the catalog's;
 * - stock is taken with a conditional UPDATE (409 `out_of_stock`, naming the product); units the
 *   customer's checkout holds are consumed instead of taken again, and the cart lines they held
 *   leave the cart (`cart:sync`).
 */
export async function takeOrderStock(trx: Transaction<Database>, order: Order): Promise<OutgoingEvent[]> {
  const wanted = new Map<string, number>();
  for (const item of order.items) wanted.set(item.productId, (wanted.get(item.productId) ?? 0) + item.quantity);
  const products = await findProducts(trx, [...wanted.keys()]);
  for (const item of order.items) {
    const product = products.get(item.productId);
    if (!product || product.storeId !== order.storeId || !product.available) {
      throw new DabbaError(
        'product_unavailable',
        `${product?.name ?? item.productId} is not available from this store`,
        {
          details: { productId: item.productId },
        },
      );
    }
    if (product.currency !== order.currency || product.effectivePriceMinor !== item.unitPriceMinor) {
      throw new DabbaError(
        'price_changed',
        `${product.name} costs ${product.effectivePriceMinor} ${product.currency} now`,
        {
          details: { productId: product.id, unitPriceMinor: product.effectivePriceMinor, currency: product.currency },
        },
      );
    }
  }
  const events: OutgoingEvent[] = [];
  const consumedProducts: string[] = [];
  // Rows locked in one order (product id) by every transaction: no deadlocks on Postgres.
  for (const [productId, quantity] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    const product = products.get(productId);
    if (!product) continue;
    const held = await consume(trx, order.customerId, productId);
    if (held > 0) consumedProducts.push(productId);
    if (held < quantity && !(await takeStock(trx, productId, quantity - held))) {
      throw new DabbaError('out_of_stock', `not enough ${product.name} left`, {
        details: { productId, requested: quantity - held, stock: product.stock },
      });
    }
    // Held more than ordered: the rest goes back.
    if (held > quantity) await returnStock(trx, productId, held - quantity);
    const after = await findProduct(trx, productId);
    if (after && after.stock !== product.stock) events.push(...stockUpdated(after, product.stock));
  }
  if (consumedProducts.length > 0) events.push(...(await dropOrderedLines(trx, order.customerId, consumedProducts)));
  return events;
}

/** The cart lines an order took over leave the cart; its other devices hear of it. */
async function dropOrderedLines(
  trx: Transaction<Database>,
  userId: string,
  productIds: string[],
): Promise<OutgoingEvent[]> {
  const cart = await trx.selectFrom('carts').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (!cart) return [];
  await repo.bumpVersion(trx, cart.id, undefined);
  await trx.deleteFrom('cart_items').where('cart_id', '=', cart.id).where('product_id', 'in', productIds).execute();
  return [domainEvent(channels.user(userId), 'cart:sync', { cart: await repo.cartView(trx, cart.id) })];
}
