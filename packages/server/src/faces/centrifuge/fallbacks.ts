import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DISCONNECT } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { FaceContext } from './context.js';
import { CentrifugeSession } from './session.js';
import { StreamTransport } from './stream-transport.js';

/** Where centrifuge-js opens an SSE stream; the connect command is in the `cf_connect` query parameter. */
export const CENTRIFUGE_SSE_PATH = '/connection/sse';
/** Where centrifuge-js opens an HTTP stream; the connect command is the POST body. */
export const CENTRIFUGE_HTTP_STREAM_PATH = '/connection/http_stream';
/** Where centrifuge-js sends the commands that follow connect over SSE or HTTP streaming. */
export const CENTRIFUGE_EMULATION_PATH = '/emulation';

const emulationRequestSchema = z.object({
  session: z.string().min(1).max(64),
  node: z.string().min(1).max(64),
  /** The commands, newline-separated JSON (the JSON protocol sends them as one string). */
  data: z.string(),
});

const STREAM_HEADERS = {
  sse: {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-store',
    // Proxies such as nginx buffer responses unless told otherwise.
    'X-Accel-Buffering': 'no',
  },
  http_stream: {
    'Content-Type': 'application/x-ndjson; charset=utf-8',
    'Cache-Control': 'no-cache, no-store',
    'X-Accel-Buffering': 'no',
  },
} as const;

/**
 * The native protocol's fallbacks for clients without WebSocket, as centrifuge-js uses them:
 * a stream (SSE or HTTP streaming) carries replies and pushes, `POST /emulation` carries the
 * commands after connect to the session that owns the stream. Sessions are the same
 * CentrifugeSession as over WebSocket, sharing the face's context (housekeeping pings them,
 * shutdown disconnects them).
 *
 * Emulation requests reach only sessions of this node: behind a load balancer without sticky
 * sessions, a request for another node's session is answered 404 and the client reconnects.
 * Routing them between nodes (as Centrifugo does over its broker) is left for later.
 */
export class CentrifugeFallbacks {
  /** Emulated sessions by their emulation key. */
  private readonly sessions = new Map<string, CentrifugeSession>();
  private refusing = false;

  constructor(
    private readonly context: FaceContext,
    /** This node's id, which the client echoes in each emulation request. */
    private readonly nodeId: string,
    private readonly originAllowed: (origin: string | undefined) => boolean,
  ) {}

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** From now on new streams are refused with 503: the server is shutting down. */
  refuseNew(): void {
    this.refusing = true;
  }

  register(app: FastifyInstance): void {
    app.get(CENTRIFUGE_SSE_PATH, async (request, reply) => {
      const connect = (request.query as Record<string, unknown>).cf_connect;
      this.open('sse', request, reply, typeof connect === 'string' ? connect : undefined);
      return reply;
    });
    app.post(CENTRIFUGE_HTTP_STREAM_PATH, async (request, reply) => {
      this.open('http_stream', request, reply, request.body === undefined ? undefined : JSON.stringify(request.body));
      return reply;
    });
    app.post(CENTRIFUGE_EMULATION_PATH, async (request, reply) => {
      this.checkOrigin(request, reply);
      this.emulate(request.body);
      return reply.code(204).send();
    });
    for (const path of [CENTRIFUGE_HTTP_STREAM_PATH, CENTRIFUGE_EMULATION_PATH]) {
      app.options(path, async (request, reply) => {
        this.checkOrigin(request, reply);
        const headers = request.headers['access-control-request-headers'];
        void reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
        if (typeof headers === 'string') void reply.header('Access-Control-Allow-Headers', headers);
        return reply.code(204).send();
      });
    }
  }

  /** Opens a stream and runs its connect command in a new session. */
  private open(
    name: 'sse' | 'http_stream',
    request: FastifyRequest,
    reply: FastifyReply,
    connectText: string | undefined,
  ): void {
    if (this.refusing) throw new DabbaError('not_available', 'server shutting down');
    this.checkOrigin(request, reply);
    validateConnect(connectText, this.context.options.maxInboundFrameBytes);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, { ...STREAM_HEADERS[name], ...(reply.getHeaders() as Record<string, string>) });
    response.flushHeaders();
    const key = randomUUID();
    const session = new CentrifugeSession(
      new StreamTransport(name, response, { session: key, node: this.nodeId }),
      this.context,
    );
    this.context.sessions.add(session);
    this.sessions.set(key, session);
    response.on('close', () => {
      this.sessions.delete(key);
      session.transportClosed();
    });
    response.on('error', (error) => this.context.logger.debug({ err: error, client: session.id }, 'stream error'));
    session.receive(connectText as string);
  }

  /** Hands the commands of an emulation request to their session. */
  private emulate(body: unknown): void {
    const parsed = emulationRequestSchema.safeParse(body);
    if (!parsed.success) throw new DabbaError('bad_request', 'expected {session, node, data}');
    const { session: key, node, data } = parsed.data;
    const session = node === this.nodeId ? this.sessions.get(key) : undefined;
    // 404 makes centrifuge-js close its transport and reconnect: the session is gone.
    if (!session) throw new DabbaError('not_found', 'unknown emulation session');
    if (Buffer.byteLength(data) > this.context.options.maxInboundFrameBytes) {
      session.disconnect(DISCONNECT.messageSizeLimit);
      throw new DabbaError('payload_too_large', 'commands too large');
    }
    session.receive(data);
  }

  /** Browsers' cross-origin requests: allowed origins get CORS headers, others 403. */
  private checkOrigin(request: FastifyRequest, reply: FastifyReply): void {
    const origin = request.headers.origin;
    if (!this.originAllowed(origin)) throw new DabbaError('forbidden', 'origin not allowed');
    if (origin !== undefined) {
      void reply.header('Access-Control-Allow-Origin', origin);
      void reply.header('Access-Control-Allow-Credentials', 'true');
      void reply.header('Vary', 'Origin');
    }
  }
}

/** The stream's first message must be one connect command, within the inbound size limit. */
function validateConnect(text: string | undefined, maxBytes: number): asserts text is string {
  if (text === undefined || text === '') throw new DabbaError('bad_request', 'connect command required');
  if (Buffer.byteLength(text) > maxBytes) throw new DabbaError('payload_too_large', 'connect command too large');
  let command: unknown;
  try {
    command = JSON.parse(text);
  } catch {
    throw new DabbaError('bad_request', 'connect command is not valid JSON');
  }
  if (typeof command !== 'object' || command === null || !('connect' in command))
    throw new DabbaError('bad_request', 'the first command must be connect');
}
