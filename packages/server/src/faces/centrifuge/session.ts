import { randomUUID } from 'node:crypto';
import {
  DISCONNECT,
  SERVER_UNSUBSCRIBE,
  type ClientInfo,
  type Claims,
  type CommandMethod,
  type Disconnect,
} from '@dabba/protocol';
import { DabbaError, toDabbaError } from '../../errors.js';
import type { PublishResult } from '../../engines/engine.js';
import type { ClientSubscription, HubClient } from '../../hub/client.js';
import { firstPingAtMs, UNSCHEDULED, type WheelEntry } from '../shared/deadline-wheel.js';
import { OutboundQueue, type OutboundMessage } from '../shared/outbound-queue.js';
import { TextFrame } from '../shared/text-frame.js';
import type { PreparedPublication } from '../../hub/prepared.js';
import { RateLimiter } from '../../hub/rate-limiter.js';
import {
  encodeError,
  encodeJoinLeavePush,
  encodePush,
  encodeReply,
  parseFrame,
  type FrameLine,
  PONG,
} from './codec.js';
import { handleCommand } from './commands.js';
import { pingRideMsFor, type FaceContext } from './context.js';
import type { SessionTransport } from './transport.js';

type SessionState = 'new' | 'connecting' | 'connected' | 'closed';

const FACE = 'centrifuge';

/** The ping, an empty message: one frame shared by every ping of every session. */
const PING_FRAME = TextFrame.fromPayload('{}');

/** Most pipelined commands (publishes) a session has in flight before its next command waits. */
const MAX_PIPELINED_COMMANDS = 64;

/**
 * One client speaking the Centrifugo protocol, over a WebSocket or an emulation transport
 * (SSE, HTTP streaming): the transport only writes and closes; everything else is here.
 */
export class CentrifugeSession implements HubClient, WheelEntry {
  readonly face = FACE;
  readonly id = randomUUID();
  readonly subscriptions = new Map<string, ClientSubscription>();
  claims: Claims = { sub: '', role: 'customer' };
  info: ClientInfo = { client: this.id, user: '' };
  /** When the next ping is due (ms since epoch). */
  nextPingAtMs = Infinity;
  /** When an unanswered ping times out; Infinity while none is outstanding. */
  pongDeadlineMs = Infinity;
  /** When a due ping that found no push to ride on goes out alone; Infinity while none is owed. */
  pingOwedUntilMs = Infinity;
  private state: SessionState = 'new';
  private readonly out: OutboundQueue;
  private chain: Promise<void> = Promise.resolve();
  /** Commands waiting on I/O or queued behind one (in `chain`). */
  private unfinished = 0;
  /** Commands whose reply is still to come while later ones run (see `replyWhenConfirmed`). */
  private pipelined = 0;
  /** When the face's housekeeping disconnects this session as expired (ms since epoch). */
  expiresAtMs = Infinity;
  /** The session's place on the face's deadline wheel (owned by the wheel). */
  wheelSlot = UNSCHEDULED;
  wheelIndex = 0;
  private connectTimer: NodeJS.Timeout | undefined;
  private readonly rateLimiter: RateLimiter;

  /** The transport's owner feeds it inbound frames (`receive`) and tells it when the connection is gone (`transportClosed`). */
  constructor(
    readonly transport: SessionTransport,
    readonly context: FaceContext,
  ) {
    this.rateLimiter = new RateLimiter(context.options.maxCommandsPerSecond, context.options.commandBurst);
    this.out = new OutboundQueue(transport, context.scheduler, context.options.maxOutboundBytes, () => this.onSlow());
    this.connectTimer = setTimeout(() => this.disconnect(DISCONNECT.stale), context.options.connectTimeoutMs);
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  deliver(publication: PreparedPublication): void {
    const push = this.transport.encodePublication(publication);
    if (this.pingOwedUntilMs === Infinity) this.out.push(push);
    else this.sendPing(Date.now(), push);
  }

  deliverJoinLeave(kind: 'join' | 'leave', channel: string, info: ClientInfo): void {
    this.out.push(encodeJoinLeavePush(kind, channel, info));
  }

  unsubscribed(channel: string): void {
    // Codes below 2500 tell centrifuge-js not to resubscribe.
    this.out.push(
      encodePush({ channel, unsubscribe: { code: SERVER_UNSUBSCRIBE.code, reason: SERVER_UNSUBSCRIBE.reason } }),
    );
  }

  reply(id: number, method: CommandMethod, result: unknown): void {
    if (id > 0) this.out.push(encodeReply(id, method, result));
  }

  replyError(id: number, error: DabbaError): void {
    this.context.metrics.commandErrors.inc({ code: error.code });
    if (id > 0) this.out.push(encodeError(id, error.toProtocol()));
  }

  /**
   * A ping is due: it rides on the next publication pushed within `pingRideMsFor` the interval
   * (one wake-up of the client, one frame in the same flush), or goes out alone when that time is up.
   */
  pingDue(now: number): void {
    const { pingIntervalMs } = this.context.options;
    this.nextPingAtMs = now + pingIntervalMs;
    this.pingOwedUntilMs = now + pingRideMsFor(pingIntervalMs);
  }

  /**
   * Sends the owed ping, alone or in one frame after the publication `carrier`; the client
   * answers with an empty command (any frame counts).
   */
  sendPing(now: number, carrier?: OutboundMessage): void {
    this.pingOwedUntilMs = Infinity;
    if (this.pongDeadlineMs === Infinity) this.pongDeadlineMs = now + this.context.options.pongTimeoutMs;
    if (carrier === undefined) this.out.push(PING_FRAME);
    else this.out.pushAll([carrier, PING_FRAME]);
  }

  /** A pong alone in its frame (the usual case), taken without parsing. */
  receivePong(): void {
    this.pongDeadlineMs = Infinity;
  }

  /**
   * Puts the session on the face's deadline wheel at its earliest deadline. Needed whenever a
   * deadline moves earlier; one that moves later (a pong, a refresh) is found when the
   * earlier slot comes and the session is scheduled again.
   */
  scheduleHousekeeping(): void {
    this.context.deadlines.schedule(
      this,
      Math.min(this.nextPingAtMs, this.pingOwedUntilMs, this.pongDeadlineMs, this.expiresAtMs),
    );
  }

  /** The token was verified: the session joins the hub. Throws `limit_exceeded` past the user's connection limit. */
  authenticate(claims: Claims): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.claims = claims;
    this.info = { client: this.id, user: claims.sub };
    this.context.hub.addClient(this);
    this.state = 'connected';
    this.nextPingAtMs = firstPingAtMs(Date.now(), this.context.options.pingIntervalMs);
    this.context.metrics.connections.inc({ face: FACE });
    this.context.metrics.connectionsTotal.inc({ face: FACE });
    this.armExpiry();
    this.scheduleHousekeeping();
  }

  /** A refreshed token replaces the claims and moves the expiry. */
  refreshClaims(claims: Claims): void {
    this.claims = claims;
    this.armExpiry();
    this.scheduleHousekeeping();
  }

  /** Seconds until the token expires, or undefined for a token without `exp`. */
  ttlSeconds(): number | undefined {
    // Rounded down from the exact remainder, so a client that refreshes after `ttl` is never late.
    return this.claims.exp === undefined ? undefined : Math.max(0, Math.floor(this.claims.exp - Date.now() / 1000));
  }

  beginConnect(): boolean {
    if (this.state !== 'new') return false;
    this.state = 'connecting';
    return true;
  }

  /** A connect that failed with a retryable error: the client may send connect again. */
  resetConnect(): void {
    if (this.state === 'connecting') this.state = 'new';
  }

  disconnect(disconnect: Disconnect): void {
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.context.metrics.disconnects.inc({ code: String(disconnect.code) });
    this.out.flush();
    this.out.clear();
    this.transport.close(disconnect);
    this.cleanup(wasConnected);
  }

  /** One inbound frame: newline-separated commands (or an empty pong). */
  receive(text: string): void {
    this.pongDeadlineMs = Infinity;
    if (this.state === 'closed') return;
    let commands: FrameLine[];
    try {
      commands = parseFrame(text);
    } catch (error) {
      this.context.logger.info({ client: this.id, reason: toDabbaError(error).message }, 'bad frame, disconnecting');
      this.disconnect(DISCONNECT.badRequest);
      return;
    }
    for (const command of commands) {
      if (command === PONG) continue;
      if ('unknownMethod' in command) {
        this.replyError(command.id, new DabbaError('method_not_found', 'unknown method'));
        continue;
      }
      this.context.metrics.countCommand(command.method);
      if (!this.rateLimiter.take()) {
        this.replyError(command.id, new DabbaError('too_many_requests', 'too many commands: slow down'));
        continue;
      }
      // Commands of one connection run in order: a subscribe completes before the next publish.
      // While none is unfinished, a command runs now: a frame of publishes fans them all out
      // before its handler returns. One that waits on I/O holds back the commands after it.
      if (this.unfinished === 0) {
        const pending = this.run(command);
        if (pending) this.waitFor(pending);
      } else {
        this.waitFor(this.chain.then(() => this.run(command)));
      }
    }
  }

  /** Commands after this one wait for it. */
  private waitFor(pending: Promise<void>): void {
    this.unfinished++;
    this.chain = pending.finally(() => {
      this.unfinished--;
    });
  }

  /** Runs a command; returns a promise only when it waits on I/O. Never rejects. */
  private run(command: Parameters<typeof handleCommand>[1]): void | Promise<void> {
    if (this.state === 'closed') return;
    // Checked when the command runs, not when it arrives: clients pipeline commands behind connect.
    if (command.method !== 'connect' && this.state !== 'connected') return this.disconnect(DISCONNECT.badRequest);
    try {
      const pending = handleCommand(this, command);
      if (pending) return pending.catch((cause: unknown) => this.commandFailed(command.id, cause));
    } catch (cause) {
      this.commandFailed(command.id, cause);
    }
  }

  /**
   * Replies `result` once `confirmed` settles (or the error), letting the next command start
   * meanwhile: a pipelined publish costs one Redis round trip per batch instead of one per
   * publish. Past MAX_PIPELINED_COMMANDS in flight it returns the reply's promise, for the
   * session to wait on, so a client cannot pile up unbounded work. A `confirmed` that is no
   * promise (the engine published without I/O) is replied to at once.
   */
  replyWhenConfirmed(
    id: number,
    method: CommandMethod,
    confirmed: Promise<unknown> | PublishResult,
    result: unknown,
  ): Promise<void> | undefined {
    if (!(confirmed instanceof Promise)) {
      this.reply(id, method, result);
      return undefined;
    }
    this.pipelined++;
    const replied = confirmed.then(
      () => {
        this.pipelined--;
        this.reply(id, method, result);
      },
      (cause: unknown) => {
        this.pipelined--;
        this.commandFailed(id, cause);
      },
    );
    return this.pipelined > MAX_PIPELINED_COMMANDS ? replied : undefined;
  }

  private commandFailed(id: number, cause: unknown): void {
    const error = toDabbaError(cause);
    if (error.code === 'internal') this.context.logger.error({ err: cause, client: this.id }, 'command failed');
    if (!this.closed) this.replyError(id, error);
  }

  /** Moves the expiry to the token's `exp` plus the grace that leaves a client time to refresh. */
  private armExpiry(): void {
    const exp = this.claims.exp;
    this.expiresAtMs = exp === undefined ? Infinity : exp * 1000 + this.context.options.expiredCloseDelayMs;
  }

  private onSlow(): void {
    this.context.metrics.slowDisconnects.inc();
    this.context.logger.warn({ client: this.id, user: this.claims.sub }, 'slow consumer disconnected');
    this.disconnect(DISCONNECT.slow);
  }

  /** The connection is gone (the client left or the server closed it). */
  transportClosed(): void {
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.out.clear();
    this.cleanup(wasConnected);
  }

  private cleanup(wasConnected: boolean): void {
    clearTimeout(this.connectTimer);
    this.context.deadlines.remove(this);
    this.context.sessions.delete(this);
    if (wasConnected) this.context.metrics.connections.dec({ face: FACE });
    this.context.hub
      .removeClient(this)
      .catch((error) => this.context.logger.error({ err: error }, 'client cleanup failed'));
  }
}
