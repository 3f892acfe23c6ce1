import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { channels as channelNames, DISCONNECT, type Claims } from '@dabba/protocol';
import type { TokenVerifier } from '../../auth/jwt.js';
import { DabbaError, toDabbaError } from '../../errors.js';
import { decodePositions } from './last-event-id.js';
import { SSE_TOKEN_COOKIE } from './options.js';
import { seed002OrderStatus } from './order-status.js';
import { SseClient, type EnvelopeFormatter, type SseClientDeps } from './sse-client.js';

/** The general stream: `GET /api/events?channels=a,b`. */
export const SSE_EVENTS_PATH = '/api/events';
/** Seed 002's order status stream. */
export const SSE_ORDER_STATUS_PATH = '/api/notifications/orders/:id/status';

export interface SseFaceDeps extends SseClientDeps {
  readonly verifyToken: TokenVerifier;
  readonly originAllowed: (origin: string | undefined) => boolean;
}

/** `/api/events`: `event:` is the envelope type, `data:` the whole envelope `{id, type, channel, data, ts}`. */
const envelopeEvent: EnvelopeFormatter = (envelope) => ({ event: envelope.type, data: JSON.stringify(envelope) });

/** Seed 002: unnamed events (`onmessage`) carrying `{orderId, status, detailedStatus, timestamp}`, status changes only. */
const orderStatusEvent: EnvelopeFormatter = (envelope) => {
  const status = seed002OrderStatus(envelope);
  return status && { data: JSON.stringify(status) };
};

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-store',
  'X-Accel-Buffering': 'no',
};

/**
 * The SSE face: server-to-client streams of hub channels, authorized exactly like a native
 * subscribe. Auth by `?token=`, `Authorization: Bearer`, or the `dabba_token` cookie; refusals
 * are plain HTTP errors (`{error: {code, message}}`) before the stream opens.
 */
export class SseFace {
  private readonly clients = new Set<SseClient>();
  private refusing = false;

  constructor(private readonly deps: SseFaceDeps) {}

  get connectionCount(): number {
    return this.clients.size;
  }

  register(app: FastifyInstance): void {
    app.get(SSE_EVENTS_PATH, async (request, reply) => {
      await this.open(request, reply, () => this.parseChannels(request), envelopeEvent);
      return reply;
    });
    app.get(SSE_ORDER_STATUS_PATH, async (request, reply) => {
      const { id } = request.params as { id: string };
      await this.open(request, reply, () => [channelNames.order(id)], orderStatusEvent);
      return reply;
    });
  }

  /** Refuses new streams and ends the open ones (browsers reconnect elsewhere and resume). */
  close(): void {
    this.refusing = true;
    for (const client of [...this.clients]) client.disconnect(DISCONNECT.shutdown);
  }

  private async open(
    request: FastifyRequest,
    reply: FastifyReply,
    channelsOf: () => string[],
    format: EnvelopeFormatter,
  ): Promise<void> {
    let client: SseClient;
    let channels: string[];
    try {
      if (this.refusing) throw new DabbaError('not_available', 'server shutting down');
      if (!this.deps.originAllowed(request.headers.origin)) throw new DabbaError('forbidden', 'origin not allowed');
      const claims = await this.authenticate(request);
      channels = channelsOf();
      await this.authorize(claims, channels);
      client = new SseClient(claims, channels, reply.raw, format, this.deps);
      // Throws `limit_exceeded` past the user's connection limit.
      this.deps.hub.addClient(client);
    } catch (cause) {
      const error = toDabbaError(cause);
      void reply.code(error.httpStatus).send({ error: { code: error.code, message: error.message } });
      return;
    }
    const origin = request.headers.origin;
    reply.hijack();
    reply.raw.writeHead(200, {
      ...STREAM_HEADERS,
      ...(origin === undefined ? {} : { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' }),
    });
    this.clients.add(client);
    reply.raw.on('close', () => this.clients.delete(client));
    const lastEventId = request.headers['last-event-id'];
    const resumeFrom = decodePositions(typeof lastEventId === 'string' ? lastEventId : undefined, channels.length);
    client.start(resumeFrom).catch((cause) => {
      const error = toDabbaError(cause);
      this.deps.logger.info({ client: client.id, code: error.code }, 'sse subscribe failed');
      client.disconnect({ code: DISCONNECT.serverError.code, reason: error.message });
    });
  }

  private async authenticate(request: FastifyRequest): Promise<Claims> {
    const token = presentedToken(request);
    if (token === undefined) {
      throw new DabbaError(
        'unauthorized',
        `send a token: ?token=, Authorization: Bearer <token>, or the ${SSE_TOKEN_COOKIE} cookie`,
      );
    }
    return this.deps.verifyToken(token);
  }

  /** Every channel must exist and be one the user may subscribe to, as for a native subscribe. */
  private async authorize(claims: Claims, channels: string[]): Promise<void> {
    const { hub } = this.deps;
    for (const channel of channels) {
      const namespace = hub.resolveNamespace(channel);
      if (!(await hub.authorization.maySubscribe(claims, channel, namespace)))
        throw new DabbaError('permission_denied', `not allowed to follow "${channel}"`);
    }
  }

  private parseChannels(request: FastifyRequest): string[] {
    const raw = (request.query as Record<string, unknown>).channels;
    if (typeof raw !== 'string' || raw.trim() === '')
      throw new DabbaError('bad_request', 'channels required: ?channels=a,b');
    const channels = [...new Set(raw.split(',').map((c) => c.trim()))].filter((c) => c !== '');
    if (channels.length > this.deps.options.sseMaxChannels)
      throw new DabbaError('bad_request', `at most ${this.deps.options.sseMaxChannels} channels per stream`);
    return channels;
  }
}

/** The token from `?token=`, `Authorization: Bearer`, or the `dabba_token` cookie, in that order. */
function presentedToken(request: FastifyRequest): string | undefined {
  const query = (request.query as Record<string, unknown>).token;
  if (typeof query === 'string' && query !== '') return query;
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.toLowerCase().startsWith('bearer '))
    return authorization.slice('bearer '.length).trim();
  const cookie = request.headers.cookie;
  if (typeof cookie !== 'string') return undefined;
  for (const part of cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== SSE_TOKEN_COOKIE) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
