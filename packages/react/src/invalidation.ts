import type { EventMeta } from '@dabba/client';
import type { EventData, EventName } from '@dabba/protocol';

/** A React Query key, as `invalidateQueries({ queryKey })` takes it. */
export type QueryKey = readonly unknown[];

/** Keys to invalidate for one event; `data` is typed from the catalog. */
export type InvalidationRule<N extends EventName> = (data: EventData<N>, meta: EventMeta) => readonly QueryKey[];

/** Event type → the keys it invalidates. A rule set to `null` turns a default rule off. */
export type InvalidationMapping = { readonly [N in EventName]?: InvalidationRule<N> | null };

const orderUpdated = (data: { orderId: string }): QueryKey[] => [['orders'], ['order', data.orderId]];
const productUpdated = (data: { storeId: string }): QueryKey[] => [['products'], ['products', data.storeId]];

/**
 * Seed 001's table, from the Dabba events each of its messages derives from (docs/commerce.md):
 *
 * | seed 001 message               | Dabba events                                                                  | keys                                     |
 * | ------------------------------ | ----------------------------------------------------------------------------- | ---------------------------------------- |
 * | `order_updated`                | `order:status_update`, `order:new`, `order:driver_assigned`                    | `['orders']`, `['order', orderId]`       |
 * | `store_updated`                | `store:updated`                                                               | `['stores']`, `['store', storeId]`       |
 * | `product_updated`              | `product:updated`, `product:stock_update`, `product:price_update`, `store:flash_sale` | `['products']`, `['products', storeId]` |
 * | `store_availability_changed`   | `store:availability_changed`                                                  | `['stores']`, `['products', storeId]`    |
 * | `product_availability_changed` | `product:availability_changed`                                                | `['products', storeId]`                  |
 */
export const DEFAULT_INVALIDATION: InvalidationMapping = {
  'order:status_update': orderUpdated,
  'order:new': orderUpdated,
  'order:driver_assigned': orderUpdated,
  'store:updated': (data) => [['stores'], ['store', data.storeId]],
  'product:updated': productUpdated,
  'product:stock_update': productUpdated,
  'product:price_update': productUpdated,
  'store:flash_sale': productUpdated,
  'store:availability_changed': (data) => [['stores'], ['products', data.storeId]],
  'product:availability_changed': (data) => [['products', data.storeId]],
};

/** The keys `mapping` gives for an event (none for types it does not name), without duplicates. */
export function keysFor(mapping: InvalidationMapping, data: unknown, meta: EventMeta): QueryKey[] {
  const rule = mapping[meta.type as EventName] as ((data: unknown, meta: EventMeta) => readonly QueryKey[]) | null;
  if (!rule) return [];
  const seen = new Set<string>();
  return rule(data, meta).filter((key) => {
    const id = JSON.stringify(key);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
