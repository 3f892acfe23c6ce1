import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.js';

/**
 * OpenAPI for the REST routes, generated from their zod schemas: the document at
 * `/docs/json`, a browsable UI at `/docs`. Routes validate with zod themselves, so fastify's own
 * validator is switched off (the JSON schemas are documentation only).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Dabba REST API', version: VERSION, description: 'Orders, tracking, kitchens and notifications.' },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
    // The Centrifugo-compatible server API and operations endpoints are documented in docs/protocol.md.
    hideUntagged: true,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
}
