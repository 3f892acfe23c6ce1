import { z } from 'zod';
import { DabbaError } from '../../errors.js';
import type { Hub } from '../../hub/hub.js';
import type { CatalogService } from './catalog-service.js';

const productRefSchema = z.object({ productId: z.string().min(1).max(64) });

/**
 * Native-protocol rpc for reading the catalog over a socket: `catalog.product` `{productId}` →
 * the product as `GET /products/:id` answers it (404 `not_found` for an unknown id). Faces use
 * it to find the store whose channel carries a product's events.
 */
export function registerCatalogRpc(hub: Hub, catalog: CatalogService): void {
  hub.rpc.register('catalog.product', async (_context, data) => {
    const parsed = productRefSchema.safeParse(data ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DabbaError('validation_failed', `${issue?.path.join('.') || 'data'}: ${issue?.message ?? 'invalid'}`);
    }
    return catalog.get(parsed.data.productId);
  });
}
