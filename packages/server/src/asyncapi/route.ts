import type { FastifyInstance } from 'fastify';
import { asyncApiDocument } from './document.js';
import { toYaml } from './yaml.js';

/** Where the server serves the AsyncAPI document. */
export const ASYNCAPI_PATH = '/asyncapi.yaml';

/** The document as `docs/asyncapi.yaml` holds it. */
export function asyncApiYaml(): string {
  return toYaml(asyncApiDocument());
}

/** `GET /asyncapi.yaml`: the event catalog as an AsyncAPI 3 document, built once. */
export function registerAsyncApi(app: FastifyInstance): void {
  let yaml: string | undefined;
  app.get(ASYNCAPI_PATH, { schema: { hide: true } }, async (_request, reply) => {
    yaml ??= asyncApiYaml();
    return reply.type('application/yaml; charset=utf-8').send(yaml);
  });
}
