import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Domain } from '../../domain/domain.js';
import { createStoreSchema, updateStoreSchema } from '../../domain/stores/store-service.js';
import { route, type RestContext } from '../rest.js';

const idParams = z.object({ id: z.string().min(1).max(64) });

export function registerStoreRoutes(app: FastifyInstance, context: RestContext, domain: Domain): void {
  const tags = ['stores'];
  route(app, context, {
    method: 'POST',
    url: '/stores',
    summary: 'Create a kitchen (a chef creates their own)',
    tags,
    body: createStoreSchema,
    status: 201,
    handler: ({ principal, body }) => domain.stores.create(principal, body),
  });
  route(app, context, {
    method: 'PATCH',
    url: '/stores/:id',
    summary: 'Update a kitchen (its chef, an admin or the server API)',
    tags,
    params: idParams,
    body: updateStoreSchema,
    handler: ({ principal, params, body }) => domain.stores.update(principal, params.id, body),
  });
  route(app, context, {
    method: 'GET',
    url: '/stores/:id',
    summary: 'One kitchen',
    tags,
    params: idParams,
    handler: ({ params }) => domain.stores.get(params.id),
  });
}
