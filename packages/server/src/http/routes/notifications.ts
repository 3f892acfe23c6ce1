import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Domain } from '../../domain/domain.js';
import { DabbaError } from '../../errors.js';
import type { Principal } from '../../domain/orders/order.js';
import { route, type RestContext } from '../rest.js';

const listQuery = z.object({
  unread: z.enum(['true', 'false']).optional(),
  before: z.string().datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const deviceBody = z.object({ platform: z.enum(['ios', 'android', 'web']), token: z.string().min(1).max(4096) });

/** Inboxes belong to users: the server API has none. */
function userOf(principal: Principal): string {
  if (principal.role === 'system')
    throw new DabbaError('forbidden', 'notifications belong to users: call with a user token');
  return principal.id;
}

export function registerNotificationRoutes(app: FastifyInstance, context: RestContext, domain: Domain): void {
  const tags = ['notifications'];
  const { notifications } = domain;
  route(app, context, {
    method: 'GET',
    url: '/notifications',
    summary: 'Your notifications, newest first, with the unread count',
    tags,
    query: listQuery,
    handler: ({ principal, query }) =>
      notifications.list(userOf(principal), {
        unreadOnly: query.unread === 'true',
        before: query.before,
        limit: query.limit,
      }),
  });
  route(app, context, {
    method: 'POST',
    url: '/notifications/:id/read',
    summary: 'Mark one notification read',
    tags,
    params: z.object({ id: z.string().min(1).max(64) }),
    handler: ({ principal, params }) => notifications.markRead(userOf(principal), params.id),
  });
  route(app, context, {
    method: 'POST',
    url: '/notifications/read-all',
    summary: 'Mark every notification read',
    tags,
    handler: ({ principal }) => notifications.markAllRead(userOf(principal)),
  });
  route(app, context, {
    method: 'POST',
    url: '/devices',
    summary: 'Register a device for push notifications (stored for later use)',
    tags,
    body: deviceBody,
    status: 201,
    handler: ({ principal, body }) => notifications.registerDevice(userOf(principal), body),
  });
}
