import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { DabbaError, toDabbaError } from '../../errors.js';
import { RateLimiter } from '../../hub/rate-limiter.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { SocketBridge } from './bridge.js';

/** What an acknowledgement callback receives. */
export type AckReply =
  | { ok: true; [field: string]: unknown }
  | { ok: false; error: { code: string; message: string; details?: Readonly<Record<string, unknown>> } };

/** A client event the namespace understands: its payload is validated before `run` sees it. */
export interface InboundHandler {
  /** Returns extra fields for the `{ok: true}` acknowledgement. */
  handle(bridge: SocketBridge, payload: unknown): Promise<Record<string, unknown> | void>;
}

/** Longest event name a warning quotes. */
const MAX_LOGGED_EVENT_NAME = 64;

/** Builds a handler whose payload is checked against `schema`; a bad one is `validation_failed`. */
export function inbound<S extends z.ZodType>(
  schema: S,
  run: (bridge: SocketBridge, payload: z.output<S>) => Promise<Record<string, unknown> | void>,
): InboundHandler {
  return {
    async handle(bridge, payload) {
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
        throw new DabbaError('validation_failed', `${where}${issue?.message ?? 'invalid payload'}`);
      }
      return run(bridge, parsed.data);
    },
  };
}

/**
 * Warns about events no namespace knows, at most `perSecond` times a second for the whole face
 * (a misbehaving client must not flood the log), counting what it leaves out.
 */
export class UnknownEventWarnings {
  private readonly limiter: RateLimiter;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    perSecond: number,
  ) {
    this.limiter = new RateLimiter(perSecond, perSecond);
  }

  warn(namespace: string, event: string, client: string): void {
    if (!this.limiter.take()) {
      this.suppressed++;
      return;
    }
    const suppressed = this.suppressed;
    this.suppressed = 0;
    this.logger.warn(
      { namespace, event: event.slice(0, MAX_LOGGED_EVENT_NAME), client, suppressed },
      'unknown socket.io event dropped',
    );
  }
}

/**
 * Routes a socket's events to the namespace's handlers, one at a time and in order, each
 * answered on its acknowledgement callback (`{ok: true}` / `{ok: false, error}`) or, without
 * one, by an `error` event on failure. Past the socket's event rate, events are refused with
 * `too_many_requests`; unknown ones are dropped with a warning.
 */
export function routeInbound(
  socket: Socket,
  bridge: SocketBridge,
  handlers: Readonly<Record<string, InboundHandler>>,
  deps: { logger: Logger; metrics: Metrics; warnings: UnknownEventWarnings },
): void {
  const fail = (event: string, error: DabbaError, ack: ((reply: AckReply) => void) | undefined): void => {
    deps.metrics.commandErrors.inc({ code: error.code });
    // Details are client-safe by contract (REST sends them too): a cart conflict carries the current cart.
    const reply = { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
    if (ack) ack({ ok: false, error: reply });
    else bridge.emit('error', { event, ...reply });
  };
  socket.onAny((name: unknown, ...args: unknown[]) => {
    const event = String(name);
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (args.pop() as (reply: AckReply) => void) : undefined;
    if (!bridge.rateLimiter.take())
      return fail(event, new DabbaError('too_many_requests', 'too many events: slow down'), ack);
    const handler = Object.hasOwn(handlers, event) ? handlers[event] : undefined;
    if (!handler) {
      deps.warnings.warn(socket.nsp.name, event, bridge.id);
      if (ack) ack({ ok: false, error: { code: 'method_not_found', message: 'unknown event' } });
      return;
    }
    deps.metrics.countCommand(`socketio:${event}`);
    bridge.enqueue(async () => {
      try {
        const extra = await handler.handle(bridge, args[0]);
        ack?.({ ok: true, ...extra });
      } catch (cause) {
        const error = toDabbaError(cause);
        if (error.code === 'internal') deps.logger.error({ err: cause, client: bridge.id, event }, 'event failed');
        fail(event, error, ack);
      }
    });
  });
}
