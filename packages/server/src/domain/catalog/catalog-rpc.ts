import { z } from 'zod';
import type { Hub } from '../../hub/hub.js';
import { parseRpcData } from '../../hub/rpc.js';
import type { CatalogService } from './catalog-service.js';

const productRefSchema = z.object({ productId: z.string().min(1).max(64) });

/**
 * Native-protocol rpc for reading the catalog over a socket: `catalog.product` `{productId}` →
 * the product as `GET /products/:id` answers it (404 `not_found` for an unknown id). Faces use
 * it to find the store whose channel carries a product's events.
 */
export function registerCatalogRpc(hub: Hub, catalog: CatalogService): void {
  hub.rpc.register('catalog.product', async (_context, data) => {
    return catalog.get(parseRpcData(productRefSchema, data).productId);
  });
}
