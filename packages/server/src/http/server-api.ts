import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ERROR_CODE_INFO, DISCONNECT } from '@dabba/protocol';
import { apiKeyMatches, presentedApiKey } from '../auth/api-key.js';
import { DabbaError, toDabbaError } from '../errors.js';
import type { Hub } from '../hub/hub.js';
import { publicationWire } from '../faces/centrifuge/codec.js';

const channel = z.string().min(1);
const idempotencyKey = z.string().min(1).max(256).optional();
const eventType = z.string().min(1).max(128).optional();

const schemas = {
  publish: z.object({ channel, data: z.unknown(), idempotency_key: idempotencyKey, type: eventType }),
  broadcast: z.object({
    channels: z.array(channel).min(1).max(1000),
    data: z.unknown(),
    idempotency_key: idempotencyKey,
    type: eventType,
  }),
  history: z.object({
    channel,
    limit: z.number().int().optional(),
    since: z.object({ offset: z.number().int().nonnegative().optional(), epoch: z.string().optional() }).optional(),
    reverse: z.boolean().optional(),
  }),
  presence: z.object({ channel }),
  presence_stats: z.object({ channel }),
  channels: z.object({ pattern: z.string().max(255).optional() }),
  info: z.object({}),
  disconnect: z.object({
    user: z.string().min(1),
    client: z.string().optional(),
    disconnect: z.object({ code: z.number().int().min(3000).max(4999), reason: z.string().max(100) }).optional(),
  }),
} as const;

type Method = keyof typeof schemas;
type Handler<M extends Method> = (params: z.infer<(typeof schemas)[M]>) => Promise<unknown>;

export interface ServerApiOptions {
  hub: Hub;
  /** Without a key the server API answers 503: it is never open to anyone. */
  apiKey: string | undefined;
  version: string;
}

/**
 * The Centrifugo-compatible server API: `POST /api/<method>` with `X-API-Key`, replying
 * `{ result }` or `{ error: { code, message } }` with Centrifugo's numeric codes, so its
 * server SDKs work unchanged.
 */
export function registerServerApi(app: FastifyInstance, options: ServerApiOptions): void {
  const { hub } = options;
  const handlers: { [M in Method]: Handler<M> } = {
    publish: async (p) => {
      const result = await hub.publish(
        p.channel,
        { type: p.type, data: p.data },
        { idempotencyKey: p.idempotency_key },
      );
      return { offset: result.offset, epoch: result.epoch };
    },
    broadcast: async (p) => ({
      responses: await Promise.all(
        p.channels.map(async (c) => {
          try {
            const r = await hub.publish(c, { type: p.type, data: p.data }, { idempotencyKey: p.idempotency_key });
            return { result: { offset: r.offset, epoch: r.epoch } };
          } catch (error) {
            return { error: toDabbaError(error).toProtocol() };
          }
        }),
      ),
    }),
    history: async (p) => {
      const since = p.since ? { offset: p.since.offset ?? 0, epoch: p.since.epoch ?? '' } : undefined;
      const r = await hub.history(p.channel, { since, limit: p.limit ?? 0, reverse: p.reverse });
      return { publications: r.publications.map(publicationWire), offset: r.offset, epoch: r.epoch };
    },
    presence: async (p) => ({ presence: await hub.presence(p.channel) }),
    presence_stats: async (p) => {
      const s = await hub.presenceStats(p.channel);
      return { num_clients: s.numClients, num_users: s.numUsers };
    },
    channels: async (p) => ({ channels: hub.channels(p.pattern) }),
    info: async () => ({ nodes: [hub.info(options.version)] }),
    disconnect: async (p) => {
      await hub.disconnectUser(p.user, p.disconnect ?? DISCONNECT.forceNoReconnect, p.client);
      return {};
    },
  };

  for (const method of Object.keys(schemas) as Method[]) {
    app.post(`/api/${method}`, async (request, reply) => {
      if (!authorize(request, reply, options.apiKey)) return;
      const params = schemas[method].safeParse(request.body ?? {});
      if (!params.success) {
        return { error: new DabbaError('bad_request', describeZodError(params.error)).toProtocol() };
      }
      try {
        return { result: await (handlers[method] as Handler<Method>)(params.data) };
      } catch (error) {
        const dabbaError = toDabbaError(error);
        if (dabbaError.code === 'internal') request.log.error({ err: error }, 'server API call failed');
        return { error: dabbaError.toProtocol() };
      }
    });
  }
}

function authorize(request: FastifyRequest, reply: FastifyReply, apiKey: string | undefined): boolean {
  if (!apiKey) {
    void reply.code(503).send({
      error: { code: ERROR_CODE_INFO.not_available.protocolCode, message: 'server API disabled: set DABBA_API_KEY' },
    });
    return false;
  }
  if (!apiKeyMatches(apiKey, presentedApiKey(request.headers))) {
    void reply
      .code(401)
      .send({ error: { code: ERROR_CODE_INFO.unauthorized.protocolCode, message: 'invalid or missing API key' } });
    return false;
  }
  return true;
}

export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'bad request';
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
