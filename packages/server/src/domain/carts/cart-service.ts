import type { Kysely, Transaction } from 'kysely';
import { channels, MAX_CART_LINES, MAX_CART_QUANTITY, type CartView } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Database } from '../../store/schema.js';
import { findProduct, findProducts } from '../catalog/product-repository.js';
import { domainEvent, type OutgoingEvent } from '../events.js';
import type { Order, Principal } from '../orders/order.js';
import type { OrderService } from '../orders/order-service.js';
import type { Outbox } from '../outbox.js';
import type { AddItemInput, CartOrderInput, RemoveItemInput, SetQuantityInput } from './cart-inputs.js';
import * as repo from './cart-repository.js';
import { release, reserve } from './reservations.js';

interface Deps {
  db: Kysely<Database>;
  outbox: Outbox;
  orders: OrderService;
  logger: Logger;
  /** How long a checkout holds stock, ms. */
  reservationTtlMs: number;
}

type CartWork = (trx: Transaction<Database>, cart: { id: string; userId: string }) => Promise<OutgoingEvent[]>;

/**
 * One cart per user, synced across devices: every change bumps the version and publishes the
 * whole cart (`cart:sync`) to `user:{id}` in the change's transaction. Checkout holds stock for
 * `reservationTtlMs`; expiry, removal or a failed checkout gives it back; the order placed from
 * the cart consumes it (see order-stock.ts).
 */
export class CartService {
  constructor(private readonly deps: Deps) {}

  async get(principal: Principal): Promise<CartView> {
    const cart = await repo.ensureCart(this.deps.db, userOf(principal));
    return repo.cartView(this.deps.db, cart.id);
  }

  /** Adds units of a product (to its line, if there is one). */
  add(principal: Principal, input: AddItemInput): Promise<CartView> {
    return this.change(principal, input.expectedVersion, async (trx, cart) => {
      const product = await findProduct(trx, input.productId);
      if (!product) throw new DabbaError('not_found', `no product ${input.productId}`);
      if (!product.available) {
        throw new DabbaError('product_unavailable', `${product.name} is not available`, {
          details: { productId: product.id },
        });
      }
      const lines = await repo.cartLines(trx, cart.id);
      const others = await findProducts(
        trx,
        lines.map((l) => l.product_id),
      );
      const otherStore = [...others.values()].find((p) => p.storeId !== product.storeId);
      if (otherStore) {
        throw new DabbaError('cart_store_mismatch', `the cart holds products of store ${otherStore.storeId}`, {
          details: { cartStoreId: otherStore.storeId, productStoreId: product.storeId },
        });
      }
      const line = lines.find((l) => l.product_id === product.id);
      if (!line && lines.length >= MAX_CART_LINES) {
        throw new DabbaError('bad_request', `a cart holds at most ${MAX_CART_LINES} lines`);
      }
      const quantity = Number(line?.quantity ?? 0) + input.quantity;
      if (quantity > MAX_CART_QUANTITY) {
        throw new DabbaError('bad_request', `quantity: at most ${MAX_CART_QUANTITY} of one product`);
      }
      if (line) {
        await trx
          .updateTable('cart_items')
          .set({ quantity })
          .where('cart_id', '=', cart.id)
          .where('product_id', '=', product.id)
          .execute();
        return [];
      }
      await trx
        .insertInto('cart_items')
        .values({ cart_id: cart.id, product_id: product.id, quantity, added_at: new Date().toISOString() })
        .execute();
      return [];
    });
  }

  /** Sets a line's quantity; what a checkout held for it is released (`changed`). */
  setQuantity(principal: Principal, input: SetQuantityInput): Promise<CartView> {
    return this.change(principal, input.expectedVersion, async (trx, cart) => {
      const updated = await trx
        .updateTable('cart_items')
        .set({ quantity: input.quantity })
        .where('cart_id', '=', cart.id)
        .where('product_id', '=', input.productId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new DabbaError('not_found', `no ${input.productId} in the cart`);
      return release(trx, await repo.activeReservations(trx, cart.id, input.productId), 'changed');
    });
  }

  /** Removes a line; what a checkout held for it is released (`removed`). */
  remove(principal: Principal, input: RemoveItemInput): Promise<CartView> {
    return this.change(principal, input.expectedVersion, async (trx, cart) => {
      const deleted = await trx
        .deleteFrom('cart_items')
        .where('cart_id', '=', cart.id)
        .where('product_id', '=', input.productId)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) !== 1) throw new DabbaError('not_found', `no ${input.productId} in the cart`);
      return release(trx, await repo.activeReservations(trx, cart.id, input.productId), 'removed');
    });
  }

  /** Empties the cart, releasing whatever it held. */
  clear(principal: Principal, expectedVersion?: number): Promise<CartView> {
    return this.change(principal, expectedVersion, async (trx, cart) => {
      await trx.deleteFrom('cart_items').where('cart_id', '=', cart.id).execute();
      return release(trx, await repo.activeReservations(trx, cart.id), 'removed');
    });
  }

  /**
   * Holds stock for every line for `reservationTtlMs` (`cart:item_reserved` each). All or
   * nothing: a line that cannot be held fails the checkout (409 `out_of_stock`,
   * `product_unavailable` or `store_closed`) and releases what an earlier checkout held.
   */
  async checkout(principal: Principal, expectedVersion?: number): Promise<CartView> {
    try {
      return await this.change(principal, expectedVersion, async (trx, cart) => {
        const lines = await repo.cartLines(trx, cart.id);
        if (lines.length === 0) throw new DabbaError('bad_request', 'the cart is empty');
        const products = await findProducts(
          trx,
          lines.map((l) => l.product_id),
        );
        const first = products.values().next().value;
        if (first) {
          // Through the transaction: SQLite's one connection is held by it.
          const store = await trx
            .selectFrom('stores')
            .select('is_active')
            .where('id', '=', first.storeId)
            .executeTakeFirst();
          if (Number(store?.is_active ?? 0) !== 1)
            throw new DabbaError('store_closed', `store ${first.storeId} is not taking orders`);
        }
        // A second checkout renews the hold: what the first held goes back, then is taken again.
        const events = await release(trx, await repo.activeReservations(trx, cart.id), 'renewed');
        const expiresAt = new Date(Date.now() + this.deps.reservationTtlMs).toISOString();
        // Rows locked in one order (product id) by every transaction: no deadlocks on Postgres.
        for (const line of [...lines].sort((a, b) => a.product_id.localeCompare(b.product_id))) {
          const product = await findProduct(trx, line.product_id);
          if (!product) {
            throw new DabbaError('product_unavailable', `product ${line.product_id} is gone`, {
              details: { productId: line.product_id },
            });
          }
          events.push(...(await reserve(trx, cart, product, Number(line.quantity), expiresAt)));
        }
        return events;
      });
    } catch (error) {
      if (isCheckoutFailure(error)) await this.releaseAll(userOf(principal), 'checkout_failed');
      throw error;
    }
  }

  /**
   * Places the order of the cart: its lines at the catalog's current prices. A held checkout is
   * consumed by the order; a failed order (409) releases it.
   */
  async placeOrder(principal: Principal, input: CartOrderInput): Promise<Order> {
    const view = await this.get(principal);
    if (input.expectedVersion !== undefined && input.expectedVersion !== view.version) {
      throw versionConflict(view);
    }
    if (view.items.length === 0 || !view.storeId) throw new DabbaError('bad_request', 'the cart is empty');
    try {
      return await this.deps.orders.create(principal, {
        storeId: view.storeId,
        items: view.items.map((item) => ({
          productId: item.productId,
          name: item.name,
          quantity: item.quantity,
          unitPriceMinor: item.unitPriceMinor,
        })),
        currency: view.currency ?? 'INR',
        deliveryAddress: input.deliveryAddress,
        deliveryLatitude: input.deliveryLatitude,
        deliveryLongitude: input.deliveryLongitude,
        deliveryFeeMinor: input.deliveryFeeMinor,
      });
    } catch (error) {
      if (isCheckoutFailure(error)) await this.releaseAll(userOf(principal), 'checkout_failed');
      throw error;
    }
  }

  /** Releases reservations whose time is up (`expired`). Returns how many it released. */
  async expireDue(): Promise<number> {
    const due = await this.deps.db
      .selectFrom('cart_reservations')
      .selectAll()
      .where('status', '=', 'active')
      .where('expires_at', '<=', new Date().toISOString())
      .orderBy('expires_at')
      .limit(200)
      .execute();
    const byUser = new Map<string, repo.ReservationRow[]>();
    for (const reservation of due)
      byUser.set(reservation.user_id, [...(byUser.get(reservation.user_id) ?? []), reservation]);
    let released = 0;
    for (const [userId, reservations] of byUser) {
      await this.change({ id: userId, role: 'customer' }, undefined, async (trx) => {
        const events = await release(trx, reservations, 'expired');
        released += events.filter((e) => e.type === 'cart:item_released').length;
        return events;
      });
    }
    return released;
  }

  private async releaseAll(userId: string, reason: 'checkout_failed'): Promise<void> {
    const cart = await repo.ensureCart(this.deps.db, userId);
    if ((await repo.activeReservations(this.deps.db, cart.id)).length === 0) return;
    await this.change({ id: userId, role: 'customer' }, undefined, async (trx) =>
      release(trx, await repo.activeReservations(trx, cart.id), reason),
    ).catch((error: unknown) => this.deps.logger.error({ err: error, userId }, 'releasing a failed checkout failed'));
  }

  /**
   * Runs one change of the user's cart in a transaction: version bump (from `expectedVersion`,
   * if named), the change, and `cart:sync` with the cart after it. A stale version is 409
   * `cart_version_conflict` with the current cart in the details.
   */
  private async change(principal: Principal, expectedVersion: number | undefined, work: CartWork): Promise<CartView> {
    const userId = userOf(principal);
    const cart = await repo.ensureCart(this.deps.db, userId);
    const outcome = await this.deps.db.transaction().execute(async (trx) => {
      if (!(await repo.bumpVersion(trx, cart.id, expectedVersion))) return undefined;
      const events = await work(trx, { id: cart.id, userId });
      const view = await repo.cartView(trx, cart.id);
      events.push(domainEvent(channels.user(userId), 'cart:sync', { cart: view }));
      await this.deps.outbox.write(trx, events);
      return { view, events };
    });
    if (!outcome) throw versionConflict(await repo.cartView(this.deps.db, cart.id));
    await this.deps.outbox.publishCommitted(outcome.events);
    return outcome.view;
  }
}

function userOf(principal: Principal): string {
  if (principal.role === 'system') throw new DabbaError('forbidden', 'a cart belongs to a user: call with their token');
  return principal.id;
}

function versionConflict(cart: CartView): DabbaError {
  return new DabbaError('cart_version_conflict', `the cart is at version ${cart.version}`, { details: { cart } });
}

/** Conflicts that end a checkout: what it held goes back. */
function isCheckoutFailure(error: unknown): boolean {
  return (
    error instanceof DabbaError &&
    ['out_of_stock', 'product_unavailable', 'store_closed', 'price_changed'].includes(error.code)
  );
}
