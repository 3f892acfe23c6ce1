import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import { redactUrl } from '../logger.js';
import { DabbaError, toDabbaError } from '../errors.js';
import type { Metrics } from '../metrics.js';

export interface HttpAppOptions {
  logger: Logger;
  metrics: Metrics;
  /** Largest request body, bytes. Default 1 MiB. */
  maxBodyBytes: number;
  isReady: () => boolean;
}

/**
 * The fastify app every HTTP route hangs on. Bodies are parsed as JSON whatever their content
 * type (as Centrifugo's API does); every error leaves as `{ error: { code, message } }`.
 */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    // pino's Logger is fastify's logger; only their declared generics differ.
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.maxBodyBytes,
    // Request URLs may carry `?token=`: routes log what they need, redacted.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new DabbaError('bad_request', 'request body is not valid JSON'), undefined);
    }
  });

  app.setErrorHandler((cause: FastifyError | DabbaError, request, reply) => {
    const error = fromFastifyError(cause);
    if (error.code === 'internal') request.log.error({ err: cause, url: redactUrl(request.url) }, 'request failed');
    void reply.code(error.httpStatus).send(errorBody(request.url, error));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${redactUrl(request.url)}` } });
  });

  app.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode >= 500)
      request.log.warn(
        { url: redactUrl(request.url), status: reply.statusCode },
        'request answered with a server error',
      );
    done();
  });

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    if (!options.isReady()) return reply.code(503).send({ status: 'not ready' });
    return { status: 'ready' };
  });
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
  return app;
}

/** The server API speaks Centrifugo's numeric codes; every other route Dabba's string codes. */
function errorBody(
  url: string,
  error: DabbaError,
): { error: { code: number | string; message: string; details?: unknown } } {
  if (url.startsWith('/api/')) return { error: error.toProtocol() };
  return { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
}

function fromFastifyError(cause: FastifyError | DabbaError): DabbaError {
  if (cause instanceof DabbaError) return cause;
  if (cause.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new DabbaError('payload_too_large', 'request body too large');
  if (typeof cause.statusCode === 'number' && cause.statusCode >= 400 && cause.statusCode < 500) {
    return new DabbaError('bad_request', cause.message);
  }
  return toDabbaError(cause);
}
