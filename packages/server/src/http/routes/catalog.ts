import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  createFlashSaleSchema,
  createProductSchema,
  stockChangeSchema,
  updateProductSchema,
} from '../../domain/catalog/product.js';
import type { Domain } from '../../domain/domain.js';
import { listStoresQuery } from '../../domain/stores/store-service.js';
import { route, type RestContext } from '../rest.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const productsQuery = z.object({ available: z.enum(['true', 'false']).optional() });

/** The live catalog: store list, products, stock and flash sales. Changes: the store's chef, admins, the server API. */
export function registerCatalogRoutes(app: FastifyInstance, context: RestContext, domain: Domain): void {
  const tags = ['catalog'];
  const { catalog } = domain.commerce;
  route(app, context, {
    method: 'GET',
    url: '/stores',
    summary: 'Stores by name (`active=true`: only those taking orders)',
    tags,
    query: listStoresQuery,
    handler: async ({ query }) => ({ stores: await domain.stores.list(query) }),
  });
  route(app, context, {
    method: 'GET',
    url: '/stores/:id/products',
    summary: "A store's products (`available=true`: only those that can be ordered)",
    tags,
    params: idParams,
    query: productsQuery,
    handler: async ({ params, query }) => ({
      products: await catalog.listForStore(params.id, query.available === 'true'),
    }),
  });
  route(app, context, {
    method: 'POST',
    url: '/stores/:id/products',
    summary: 'Add a product to a store',
    tags,
    params: idParams,
    body: createProductSchema,
    status: 201,
    handler: ({ principal, params, body }) => catalog.create(principal, params.id, body),
  });
  route(app, context, {
    method: 'GET',
    url: '/products/:id',
    summary: 'One product, with its current price and flash sale',
    tags,
    params: idParams,
    handler: ({ params }) => catalog.get(params.id),
  });
  route(app, context, {
    method: 'PATCH',
    url: '/products/:id',
    summary: "Change a product's name, description, price, currency or availability",
    tags,
    params: idParams,
    body: updateProductSchema,
    handler: ({ principal, params, body }) => catalog.update(principal, params.id, body),
  });
  route(app, context, {
    method: 'POST',
    url: '/products/:id/stock',
    summary: 'Change stock: `{delta}` adds or takes units, `{set}` replaces the count (null: untracked)',
    tags,
    params: idParams,
    body: stockChangeSchema,
    handler: ({ principal, params, body }) => catalog.changeStock(principal, params.id, body),
  });
  route(app, context, {
    method: 'POST',
    url: '/products/:id/flash-sale',
    summary: 'Schedule a flash sale (discountPercent or salePriceMinor, between startsAt and endsAt)',
    tags,
    params: idParams,
    body: createFlashSaleSchema,
    status: 201,
    handler: ({ principal, params, body }) => catalog.createFlashSale(principal, params.id, body),
  });
  route(app, context, {
    method: 'DELETE',
    url: '/products/:id/flash-sale',
    summary: "Cancel the product's flash sale (a running one is announced as ended)",
    tags,
    params: idParams,
    handler: ({ principal, params }) => catalog.cancelFlashSale(principal, params.id),
  });
}
