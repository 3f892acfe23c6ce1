import type { Hub } from '../../hub/hub.js';

const MINUTE_MS = 60_000;

/**
 * `store:{storeId}`: one store's availability, products, stock, prices and flash sales. Any
 * authenticated user may follow it (it is what a store page shows). Short history: enough to
 * recover a brief disconnect; a longer gap refetches over REST.
 */
export function registerStoreChannels(hub: Hub): void {
  hub.namespaces.define('store', { historySize: 100, historyTtlMs: 10 * MINUTE_MS });
  hub.authorization.set('store', () => true);
}
