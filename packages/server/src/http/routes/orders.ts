import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ORDER_STATUSES } from '@dabba/protocol';
import type { Domain } from '../../domain/domain.js';
import {
  assignSchema,
  cancelSchema,
  createOrderSchema,
  statusChangeSchema,
} from '../../domain/orders/order-service.js';
import { route, type RestContext } from '../rest.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const listQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  before: z.string().datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export function registerOrderRoutes(app: FastifyInstance, context: RestContext, domain: Domain): void {
  const tags = ['orders'];
  const { orders } = domain;

  route(app, context, {
    method: 'POST',
    url: '/orders',
    summary: "Place an order (customer token, or the server API on a customer's behalf)",
    tags,
    body: createOrderSchema,
    status: 201,
    handler: ({ principal, body }) => orders.create(principal, body),
  });
  route(app, context, {
    method: 'GET',
    url: '/orders',
    summary: "Orders you may see: your own, your kitchen's, or those assigned to you",
    tags,
    query: listQuery,
    handler: async ({ principal, query }) => {
      const list = await orders.list(principal, query);
      const last = list.at(-1);
      return { orders: list, nextCursor: list.length === query.limit && last ? last.createdAt : null };
    },
  });
  route(app, context, {
    method: 'GET',
    url: '/orders/:id',
    summary: 'One order',
    tags,
    params: idParams,
    handler: ({ principal, params }) => orders.get(principal, params.id),
  });
  route(app, context, {
    method: 'GET',
    url: '/orders/:id/tracking',
    summary: 'Live tracking snapshot (seed 003 payload)',
    tags,
    params: idParams,
    handler: ({ principal, params }) => domain.tracking(principal, params.id),
  });
  route(app, context, {
    method: 'POST',
    url: '/orders/:id/status',
    summary: 'Move an order along its lifecycle',
    tags,
    params: idParams,
    body: statusChangeSchema,
    handler: ({ principal, params, body }) => orders.changeStatus(principal, params.id, body.status, body.reason),
  });
  route(app, context, {
    method: 'POST',
    url: '/orders/:id/assign',
    summary: 'Assign (or reassign) a driver',
    tags,
    params: idParams,
    body: assignSchema,
    handler: ({ principal, params, body }) => orders.assignDriver(principal, params.id, body.driverId),
  });
  route(app, context, {
    method: 'POST',
    url: '/orders/:id/cancel',
    summary: 'Cancel an order, with a reason',
    tags,
    params: idParams,
    body: cancelSchema,
    handler: ({ principal, params, body }) => orders.cancel(principal, params.id, body.reason),
  });
}
