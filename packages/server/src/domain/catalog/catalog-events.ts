import { channels, type EventData, type EventName, type StoreView } from '@dabba/protocol';
import { domainEvent, type OutgoingEvent } from '../events.js';
import type { Product } from './product.js';

/** Envelope types that concern one product or one store. */
type CatalogEventName = Extract<EventName, `product:${string}` | `store:${string}`>;

/**
 * One envelope for the store's own channel and one for `catalog`: a shopper on a store page
 * follows `store:{id}`, a store list follows `catalog`.
 */
export function catalogEvents<N extends CatalogEventName>(
  storeId: string,
  type: N,
  data: EventData<N>,
): OutgoingEvent[] {
  return [domainEvent(channels.store(storeId), type, data), domainEvent(channels.catalog, type, data)];
}

export function productUpdated(product: Product): OutgoingEvent[] {
  return catalogEvents(product.storeId, 'product:updated', {
    storeId: product.storeId,
    productId: product.id,
    product,
  });
}

export function stockUpdated(product: Product, previousStock: number | null): OutgoingEvent[] {
  return catalogEvents(product.storeId, 'product:stock_update', {
    storeId: product.storeId,
    productId: product.id,
    product,
    stock: product.stock,
    previousStock,
  });
}

export function priceUpdated(product: Product, previousEffectivePriceMinor: number): OutgoingEvent[] {
  return catalogEvents(product.storeId, 'product:price_update', {
    storeId: product.storeId,
    productId: product.id,
    product,
    priceMinor: product.priceMinor,
    effectivePriceMinor: product.effectivePriceMinor,
    previousEffectivePriceMinor,
    currency: product.currency,
  });
}

/** What a product change announces: the whole product, plus the narrower events that apply. */
export function productChanged(before: Product, after: Product): OutgoingEvent[] {
  const events = productUpdated(after);
  if (before.available !== after.available) {
    events.push(
      ...catalogEvents(after.storeId, 'product:availability_changed', {
        storeId: after.storeId,
        productId: after.id,
        product: after,
        available: after.available,
      }),
    );
  }
  if (before.stock !== after.stock) events.push(...stockUpdated(after, before.stock));
  if (before.effectivePriceMinor !== after.effectivePriceMinor || before.priceMinor !== after.priceMinor) {
    events.push(...priceUpdated(after, before.effectivePriceMinor));
  }
  return events;
}

/** What a store change announces: the whole store, and its availability when `isActive` flipped. */
export function storeChanged(before: StoreView | undefined, after: StoreView): OutgoingEvent[] {
  const events = catalogEvents(after.id, 'store:updated', { storeId: after.id, store: after });
  if (before && before.isActive !== after.isActive) {
    events.push(
      ...catalogEvents(after.id, 'store:availability_changed', {
        storeId: after.id,
        isActive: after.isActive,
        store: after,
      }),
    );
  }
  return events;
}
