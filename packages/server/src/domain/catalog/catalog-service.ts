import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { DabbaError } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import type { OutgoingEvent } from '../events.js';
import type { Principal } from '../orders/order.js';
import type { Outbox } from '../outbox.js';
import type { Kitchen, StoreService } from '../stores/store-service.js';
import { catalogEvents, priceUpdated, productChanged, productUpdated } from './catalog-events.js';
import * as repo from './product-repository.js';
import {
  toFlashSale,
  type CreateFlashSaleInput,
  type CreateProductInput,
  type Product,
  type StockChange,
  type UpdateProductInput,
} from './product.js';

interface Deps {
  db: Kysely<Database>;
  outbox: Outbox;
  stores: StoreService;
  /** Told when a flash sale is created or cancelled, so the due-timer looks again. */
  onSalesChanged: () => void;
}

/** Whether `principal` may change the catalog of `store`: its chef, an admin or the server API. */
export function mayEditStore(principal: Principal, store: Kitchen): boolean {
  return (
    principal.role === 'admin' ||
    principal.role === 'system' ||
    (principal.role === 'chef' && principal.id === store.chefId)
  );
}

/**
 * Products of the live catalog: price, availability, stock and flash sales. Every change writes
 * the product and its envelopes (`product:updated` plus the narrower ones that apply, on
 * `store:{storeId}` and `catalog`) in one transaction, published after commit.
 */
export class CatalogService {
  constructor(private readonly deps: Deps) {}

  async get(id: string): Promise<Product> {
    const product = await repo.findProduct(this.deps.db, id);
    if (!product) throw new DabbaError('not_found', `no product ${id}`);
    return product;
  }

  async listForStore(storeId: string, availableOnly: boolean): Promise<Product[]> {
    await this.deps.stores.get(storeId);
    return repo.listProducts(this.deps.db, storeId, availableOnly);
  }

  async create(principal: Principal, storeId: string, input: CreateProductInput): Promise<Product> {
    const store = await this.deps.stores.get(storeId);
    this.authorize(principal, store);
    const id = input.id ?? randomUUID();
    if (await repo.findProduct(this.deps.db, id)) throw new DabbaError('conflict', `product ${id} exists already`);
    const now = new Date().toISOString();
    return this.commit(async (trx) => {
      await trx
        .insertInto('products')
        .values({
          id,
          store_id: store.id,
          name: input.name,
          description: input.description,
          price_minor: input.priceMinor,
          currency: input.currency,
          available: input.available ? 1 : 0,
          stock: input.stock,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const product = await this.reload(trx, id);
      return { result: product, events: productUpdated(product) };
    });
  }

  async update(principal: Principal, id: string, input: UpdateProductInput): Promise<Product> {
    await this.authorizeFor(principal, id);
    return this.commit(async (trx) => {
      const before = await this.reload(trx, id);
      await trx
        .updateTable('products')
        .set({
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(input.description === undefined ? {} : { description: input.description }),
          ...(input.priceMinor === undefined ? {} : { price_minor: input.priceMinor }),
          ...(input.currency === undefined ? {} : { currency: input.currency }),
          ...(input.available === undefined ? {} : { available: input.available ? 1 : 0 }),
          updated_at: new Date().toISOString(),
        })
        .where('id', '=', id)
        .execute();
      const after = await this.reload(trx, id);
      return { result: after, events: productChanged(before, after) };
    });
  }

  /**
   * Changes stock: `delta` adds or takes units (never below zero: 409 `out_of_stock`), `set`
   * replaces the count of units that can be bought (units held by carts are not part of it),
   * `set: null` stops tracking.
   */
  async changeStock(principal: Principal, id: string, change: StockChange): Promise<Product> {
    await this.authorizeFor(principal, id);
    return this.commit(async (trx) => {
      const before = await this.reload(trx, id);
      if ('set' in change) {
        await trx.updateTable('products').set({ stock: change.set }).where('id', '=', id).execute();
      } else if (before.stock === null) {
        throw new DabbaError('bad_request', `product ${id} does not track stock: set it first`);
      } else if (change.delta < 0) {
        if (!(await repo.takeStock(trx, id, -change.delta))) {
          throw new DabbaError('out_of_stock', `product ${id} has fewer than ${-change.delta} units`, {
            details: { productId: id, requested: -change.delta, stock: before.stock },
          });
        }
      } else {
        await repo.returnStock(trx, id, change.delta);
      }
      await trx.updateTable('products').set({ updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      const after = await this.reload(trx, id);
      return { result: after, events: productChanged(before, after) };
    });
  }

  /** Schedules a flash sale; a product has at most one that has not ended (409 `conflict`). */
  async createFlashSale(principal: Principal, productId: string, input: CreateFlashSaleInput): Promise<Product> {
    const product = await this.authorizeFor(principal, productId);
    if (Date.parse(input.endsAt) <= Date.now()) throw new DabbaError('bad_request', 'endsAt: already past');
    if (input.salePriceMinor !== undefined && input.salePriceMinor >= product.priceMinor) {
      throw new DabbaError('bad_request', `salePriceMinor: must be below the price (${product.priceMinor})`);
    }
    const created = await this.commit(async (trx) => {
      const before = await this.reload(trx, productId);
      if (before.flashSale) {
        throw new DabbaError('conflict', `product ${productId} already has a flash sale`, {
          details: { flashSale: before.flashSale },
        });
      }
      await trx
        .insertInto('flash_sales')
        .values({
          id: randomUUID(),
          product_id: productId,
          store_id: before.storeId,
          starts_at: new Date(input.startsAt).toISOString(),
          ends_at: new Date(input.endsAt).toISOString(),
          discount_percent: input.discountPercent ?? null,
          sale_price_minor: input.salePriceMinor ?? null,
          cancelled_at: null,
          started_announced_at: null,
          ended_announced_at: null,
          created_at: new Date().toISOString(),
        })
        .execute();
      const after = await this.reload(trx, productId);
      // Announcing the start (and the price it brings) is the due-timer's job, also for a sale
      // that starts at once, so each phase is announced exactly once.
      return { result: after, events: productUpdated(after) };
    });
    this.deps.onSalesChanged();
    return created;
  }

  /** Cancels the product's flash sale; one that was running is announced as ended. */
  async cancelFlashSale(principal: Principal, productId: string): Promise<Product> {
    await this.authorizeFor(principal, productId);
    const cancelled = await this.commit(async (trx) => {
      const before = await this.reload(trx, productId);
      const sale = before.flashSale;
      if (!sale) throw new DabbaError('not_found', `product ${productId} has no flash sale to cancel`);
      const now = new Date().toISOString();
      await trx.updateTable('flash_sales').set({ cancelled_at: now }).where('id', '=', sale.id).execute();
      // Only a start that was announced gets its end announced.
      const endAnnounced = await trx
        .updateTable('flash_sales')
        .set({ ended_announced_at: now })
        .where('id', '=', sale.id)
        .where('started_announced_at', 'is not', null)
        .where('ended_announced_at', 'is', null)
        .executeTakeFirst();
      const after = await this.reload(trx, productId);
      const events = productUpdated(after);
      if (Number(endAnnounced.numUpdatedRows) === 1) {
        const row = await trx.selectFrom('flash_sales').selectAll().where('id', '=', sale.id).executeTakeFirstOrThrow();
        events.push(
          ...catalogEvents(after.storeId, 'store:flash_sale', {
            storeId: after.storeId,
            productId,
            product: after,
            phase: 'ended',
            reason: 'cancelled',
            sale: toFlashSale(row, Date.now()),
            at: now,
          }),
        );
      }
      if (after.effectivePriceMinor !== before.effectivePriceMinor) {
        events.push(...priceUpdated(after, before.effectivePriceMinor));
      }
      return { result: after, events };
    });
    this.deps.onSalesChanged();
    return cancelled;
  }

  private authorize(principal: Principal, store: Kitchen): void {
    if (!mayEditStore(principal, store)) {
      throw new DabbaError('forbidden', "only the store's chef, admins and the server API change its catalog");
    }
  }

  /** 404 for an unknown product, 403 for someone who may not edit its store. */
  private async authorizeFor(principal: Principal, productId: string): Promise<Product> {
    const product = await this.get(productId);
    this.authorize(principal, await this.deps.stores.get(product.storeId));
    return product;
  }

  private async reload(trx: Transaction<Database>, id: string): Promise<Product> {
    const product = await repo.findProduct(trx, id);
    if (!product) throw new DabbaError('not_found', `no product ${id}`);
    return product;
  }

  private commit<T>(work: (trx: Transaction<Database>) => Promise<{ result: T; events: OutgoingEvent[] }>): Promise<T> {
    return this.deps.outbox.transact(work);
  }
}
