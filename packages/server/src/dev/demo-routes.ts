import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DEMO_USERS } from '../dev-credentials.js';
import type { Domain } from '../domain/domain.js';
import { SYSTEM } from '../domain/orders/order.js';
import { DabbaError } from '../errors.js';
import { route, type RestContext } from '../http/rest.js';
import { demoToken } from './banner.js';
import { DEMO_DRIVER_START, DEMO_DROPOFF, DEMO_KITCHEN, DEMO_ROUTE_VIA } from './seed.js';

/** Where dev mode's routes live; nothing under it exists outside `--dev`. */
export const DEV_ROUTE_PREFIX = '/dev';

export interface DemoRouteOptions {
  /** Signs the demo users' tokens; without it (a public key or JWKS configured) `token` is null. */
  jwtSecret?: string | undefined;
}

const orderParams = z.object({ id: z.string().min(1).max(64) });

/**
 * Dev mode's routes, registered only by `dabba serve --dev` (ServerOptions.devMode):
 *
 * - `GET /dev/demo`: the demo users with a ready-made token each (the same ones the banner
 *   prints), the demo kitchen, the customer's address and the simulated driver's route, so the
 *   demo web app can switch users without a login; drivers come with their last reported position. No authentication: in dev mode anyone who
 *   can reach the server may act as any demo user, which is the point of dev mode.
 * - `POST /dev/orders/:id/pay`: the demo's stand-in for a payment provider. The order's customer
 *   confirms the payment (`pending` → `payment_confirmed`, acted by `system`), which in
 *   production only the app's backend may do with the API key.
 */
export function registerDemoRoutes(
  app: FastifyInstance,
  context: RestContext,
  domain: Domain,
  options: DemoRouteOptions,
): void {
  app.get(
    `${DEV_ROUTE_PREFIX}/demo`,
    { schema: { summary: 'Dev mode only: demo users with tokens, the demo kitchen and route', tags: ['dev'] } },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      const users = await Promise.all(
        DEMO_USERS.map(async (user) => ({
          id: user.sub,
          role: user.role,
          name: user.name,
          token: options.jwtSecret ? await demoToken({ url: '', jwtSecret: options.jwtSecret }, user.sub) : null,
          // Where a driver last reported: a demo ride starts there (a jump back would be refused).
          lastPosition: user.role === 'driver' ? await lastPosition(domain, user.sub) : null,
        })),
      );
      return {
        users,
        kitchen: DEMO_KITCHEN,
        dropoff: DEMO_DROPOFF,
        via: DEMO_ROUTE_VIA,
        driverStart: DEMO_DRIVER_START,
      };
    },
  );

  route(app, context, {
    method: 'POST',
    url: `${DEV_ROUTE_PREFIX}/orders/:id/pay`,
    summary: "Dev mode only: the order's customer confirms its payment (stands in for a payment provider)",
    tags: ['dev'],
    params: orderParams,
    handler: async ({ principal, params }) => {
      // get() answers 404 to anyone who may not see the order; of those who may, only its customer pays.
      const order = await domain.orders.get(principal, params.id);
      if (order.customerId !== principal.id) throw new DabbaError('forbidden', "only the order's customer pays for it");
      return domain.orders.changeStatus(SYSTEM, order.id, 'payment_confirmed');
    },
  });
}

async function lastPosition(domain: Domain, driverId: string): Promise<{ latitude: number; longitude: number } | null> {
  const position = await domain.locations.latestPosition(driverId);
  return position ? { latitude: position.latitude, longitude: position.longitude } : null;
}
