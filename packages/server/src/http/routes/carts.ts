import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  addItemSchema,
  cartOrderSchema,
  setQuantitySchema,
  versionOnlySchema,
} from '../../domain/carts/cart-inputs.js';
import type { Domain } from '../../domain/domain.js';
import { route, type RestContext } from '../rest.js';

const productParams = z.object({ productId: z.string().min(1).max(64) });
/** DELETE carries no body: the expected version rides in the query. */
const versionQuery = z.object({ expectedVersion: z.coerce.number().int().min(0).optional() });

/** The caller's cart. Every change answers the whole cart and publishes it as `cart:sync` to `user:{id}`. */
export function registerCartRoutes(app: FastifyInstance, context: RestContext, domain: Domain): void {
  const tags = ['carts'];
  const { carts } = domain.commerce;
  route(app, context, {
    method: 'GET',
    url: '/cart',
    summary: 'Your cart',
    tags,
    handler: ({ principal }) => carts.get(principal),
  });
  route(app, context, {
    method: 'POST',
    url: '/cart/items',
    summary: 'Add units of a product',
    tags,
    body: addItemSchema,
    handler: ({ principal, body }) => carts.add(principal, body),
  });
  route(app, context, {
    method: 'PATCH',
    url: '/cart/items/:productId',
    summary: "Set a line's quantity",
    tags,
    params: productParams,
    body: setQuantitySchema.omit({ productId: true }),
    handler: ({ principal, params, body }) => carts.setQuantity(principal, { ...body, productId: params.productId }),
  });
  route(app, context, {
    method: 'DELETE',
    url: '/cart/items/:productId',
    summary: 'Remove a line',
    tags,
    params: productParams,
    query: versionQuery,
    handler: ({ principal, params, query }) =>
      carts.remove(principal, { productId: params.productId, expectedVersion: query.expectedVersion }),
  });
  route(app, context, {
    method: 'DELETE',
    url: '/cart',
    summary: 'Empty the cart',
    tags,
    query: versionQuery,
    handler: ({ principal, query }) => carts.clear(principal, query.expectedVersion),
  });
  route(app, context, {
    method: 'POST',
    url: '/cart/checkout',
    summary: 'Hold stock for every line for a limited time',
    tags,
    body: versionOnlySchema.default({}),
    handler: ({ principal, body }) => carts.checkout(principal, body.expectedVersion),
  });
  route(app, context, {
    method: 'POST',
    url: '/cart/order',
    summary: 'Place the order of the cart (consumes what the checkout held)',
    tags,
    body: cartOrderSchema,
    status: 201,
    handler: ({ principal, body }) => carts.placeOrder(principal, body),
  });
}
