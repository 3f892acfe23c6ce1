import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DabbaError } from '../errors.js';
import type { Principal } from '../domain/orders/order.js';
import type { IdempotencyStore, StoredResponse } from './idempotency.js';

/** What every REST route needs: who is calling, and the idempotency store for POSTs. */
export interface RestContext {
  authenticate(request: FastifyRequest): Promise<Principal>;
  idempotency: IdempotencyStore;
}

export interface RouteInput<B, Q, P> {
  principal: Principal;
  body: B;
  query: Q;
  params: P;
  request: FastifyRequest;
}

export interface RouteSpec<B, Q, P, R> {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  summary: string;
  tags: string[];
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** HTTP status of a success. Default 200. */
  status?: number;
  handler(input: RouteInput<B, Q, P>): Promise<R>;
}

/**
 * Declares a REST route: authentication (Bearer token or X-API-Key), zod validation of params,
 * query and body with field paths in the 400, Idempotency-Key on POST, and an OpenAPI entry
 * generated from the same zod schemas.
 */
export function route<B = undefined, Q = undefined, P = undefined, R = unknown>(
  app: FastifyInstance,
  context: RestContext,
  spec: RouteSpec<B, Q, P, R>,
): void {
  app.route({
    method: spec.method,
    url: spec.url,
    schema: {
      summary: spec.summary,
      tags: spec.tags,
      security: [{ bearerAuth: [] }, { apiKey: [] }],
      ...(spec.body ? { body: toJsonSchema(spec.body) } : {}),
      ...(spec.query ? { querystring: toJsonSchema(spec.query) } : {}),
      ...(spec.params ? { params: toJsonSchema(spec.params) } : {}),
    },
    handler: async (request, reply) => {
      const principal = await context.authenticate(request);
      const input: RouteInput<B, Q, P> = {
        principal,
        params: validate(spec.params, request.params, 'params') as P,
        query: validate(spec.query, request.query, 'query') as Q,
        body: validate(spec.body, request.body, 'body') as B,
        request,
      };
      const run = async (): Promise<StoredResponse> => ({
        status: spec.status ?? 200,
        body: await spec.handler(input),
      });
      const result = spec.method === 'POST' ? await context.idempotency.run(principal, request, run) : await run();
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(result.status).send(result.body);
    },
  });
}

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T | undefined {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path].join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  throw new DabbaError('validation_failed', first ? `${first.path}: ${first.message}` : `invalid ${where}`, {
    details: { issues },
  });
}

function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return {};
  }
}
