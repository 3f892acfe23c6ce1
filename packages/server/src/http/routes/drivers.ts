import type { FastifyInstance } from 'fastify';
import type { Domain } from '../../domain/domain.js';
import { locationInputSchema } from '../../domain/drivers/location-input.js';
import { route, type RestContext } from '../rest.js';

export function registerDriverRoutes(app: FastifyInstance, context: RestContext, domain: Domain): void {
  route(app, context, {
    method: 'POST',
    url: '/drivers/me/location',
    summary:
      "Report your position (driver token): stored, sent to your orders' tracking channels, ETAs recomputed. " +
      'At most one per second (429 rate_limited); poor accuracy, future or stale timestamps and impossible jumps are 400.',
    tags: ['drivers'],
    body: locationInputSchema,
    handler: ({ principal, body }) => domain.locations.record(principal, body),
  });
}
