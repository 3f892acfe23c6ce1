import type { Centrifuge, ConnectedContext, ConnectingContext, DisconnectedContext, ErrorContext } from 'centrifuge';
import { Emitter } from './emitter.js';
import type { ReconnectOptions } from './options.js';

/** The connection as an app shows it. */
export type ConnectionState =
  /** The first attempt (after `connect()` or `retry()`) is under way. */
  | { status: 'connecting' }
  | { status: 'connected'; clientId: string; transport: string }
  /**
   * Waiting to retry, or retrying: `attempt` counts retries since the connection was lost
   * (1-based). centrifuge-js jitters each delay, so the retry happens between
   * `earliestRetryAt` and `nextRetryAt` (ms since the epoch).
   */
  | {
      status: 'reconnecting';
      attempt: number;
      maxAttempts: number;
      earliestRetryAt: number;
      nextRetryAt: number;
      code: number;
      reason: string;
    }
  /** `maxAttempts` retries failed; `retry()` starts again. */
  | { status: 'failed'; attempts: number; code: number; reason: string }
  /** Disconnected by `disconnect()`, or by the server for good (e.g. an invalid token). */
  | { status: 'disconnected'; code: number; reason: string };

export type ConnectionStatus = ConnectionState['status'];

/**
 * centrifuge-js error types that end one connection attempt. centrifuge-js reports each failed
 * attempt while connecting with exactly one of these before it schedules the next one.
 */
const ATTEMPT_ERRORS: ReadonlySet<string> = new Set(['transport', 'connect', 'connectToken', 'connectData']);

/**
 * The connection state machine, layered on centrifuge-js's events (which has no attempt limit):
 *
 * - `connecting` (ours) after `connect()`; centrifuge-js's `connected` → `connected`.
 * - centrifuge-js's `connecting` while we were connected: the connection was lost, retry 1 is
 *   scheduled → `reconnecting` attempt 1.
 * - Each attempt-ending `error` (types above) while centrifuge-js is connecting: that attempt
 *   failed. If it was retry `maxAttempts`, we call `disconnect()` → `failed`; otherwise
 *   centrifuge-js schedules the next → `reconnecting` attempt n+1.
 * - centrifuge-js's `disconnected` that we did not cause: the server ended it for good.
 *
 * The backoff stays centrifuge-js's: we only mirror its schedule (`minReconnectDelay`,
 * `maxReconnectDelay`, and its step count, which restarts at every `connect()` and
 * successful connection) to say when the next retry is due.
 */
export class ConnectionMachine {
  private current: ConnectionState = { status: 'disconnected', code: 0, reason: 'not connected yet' };
  private readonly emitter: Emitter<{ change: [ConnectionState, ConnectionState] }>;
  /** Retry being waited for or running; 0 during a first attempt. */
  private attempt = 0;
  /** centrifuge-js's backoff step for the next scheduled delay. */
  private backoffStep = 0;
  /** What our own `disconnect()` call means when its `disconnected` event comes back. */
  private expectingDisconnect: { next: ConnectionState } | undefined;
  private readonly detach: Array<() => void> = [];

  constructor(
    private readonly centrifuge: Centrifuge,
    private readonly reconnect: ReconnectOptions,
    onListenerError: (error: unknown) => void,
  ) {
    this.emitter = new Emitter(onListenerError);
    const onConnected = (ctx: ConnectedContext): void => this.onConnected(ctx);
    const onConnecting = (ctx: ConnectingContext): void => this.onConnecting(ctx);
    const onDisconnected = (ctx: DisconnectedContext): void => this.onDisconnected(ctx);
    const onError = (ctx: ErrorContext): void => this.onError(ctx);
    centrifuge.on('connected', onConnected);
    centrifuge.on('connecting', onConnecting);
    centrifuge.on('disconnected', onDisconnected);
    centrifuge.on('error', onError);
    this.detach.push(() => {
      centrifuge.off('connected', onConnected);
      centrifuge.off('connecting', onConnecting);
      centrifuge.off('disconnected', onDisconnected);
      centrifuge.off('error', onError);
    });
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Calls `listener(next, previous)` on every change; returns the function that removes it. */
  onChange(listener: (next: ConnectionState, previous: ConnectionState) => void): () => void {
    return this.emitter.on('change', listener);
  }

  /** Starts connecting, unless already connected or on the way. */
  connect(): void {
    if (this.current.status !== 'disconnected' && this.current.status !== 'failed') return;
    this.attempt = 0;
    this.backoffStep = 0;
    this.set({ status: 'connecting' });
    this.centrifuge.connect();
  }

  /** Manual retry: after `failed` (or `disconnected`) starts over with a fresh attempt count; while reconnecting, retries now. */
  retry(): void {
    if (this.current.status === 'reconnecting') return this.reconnectNow();
    this.connect();
  }

  /** Retries at once instead of waiting out the delay (page visible again, app resumed). */
  reconnectNow(): void {
    if (this.current.status === 'failed') return this.retry();
    if (this.current.status !== 'reconnecting') return;
    const now = Date.now();
    const waiting = { ...this.current, earliestRetryAt: now, nextRetryAt: now };
    this.expectingDisconnect = { next: waiting };
    this.centrifuge.disconnect();
    // connect() restarts centrifuge-js's backoff; the attempt count goes on.
    this.backoffStep = 0;
    this.centrifuge.connect();
  }

  disconnect(): void {
    if (this.current.status === 'disconnected') return;
    const next: ConnectionState = { status: 'disconnected', code: 0, reason: 'disconnect called' };
    this.expectingDisconnect = { next };
    this.centrifuge.disconnect();
    // centrifuge-js emits nothing when it was not connecting or connected (e.g. after failed).
    if (this.expectingDisconnect) {
      this.expectingDisconnect = undefined;
      this.set(next);
    }
  }

  close(): void {
    this.disconnect();
    for (const detach of this.detach.splice(0)) detach();
    this.emitter.clear();
  }

  private onConnected(ctx: ConnectedContext): void {
    this.attempt = 0;
    this.backoffStep = 0;
    this.set({ status: 'connected', clientId: ctx.client, transport: ctx.transport });
  }

  private onConnecting(ctx: ConnectingContext): void {
    // Our own connect() (code 0) was announced already; this is a lost connection.
    if (this.current.status !== 'connected') return;
    this.attempt = 1;
    this.scheduleShown(ctx.code, ctx.reason);
  }

  private onError(ctx: ErrorContext): void {
    if (!ATTEMPT_ERRORS.has(ctx.type) || this.centrifuge.state !== 'connecting') return;
    if (this.current.status !== 'connecting' && this.current.status !== 'reconnecting') return;
    const { code, message } = ctx.error;
    if (this.attempt >= this.reconnect.maxAttempts) {
      const failed: ConnectionState = { status: 'failed', attempts: this.attempt, code, reason: message };
      this.expectingDisconnect = { next: failed };
      // After centrifuge-js's teardown of this attempt, which schedules the next one: our
      // disconnect() cancels that.
      queueMicrotask(() => {
        if (this.expectingDisconnect?.next !== failed) return;
        this.centrifuge.disconnect();
        if (this.expectingDisconnect?.next === failed) {
          this.expectingDisconnect = undefined;
          this.set(failed);
        }
      });
      return;
    }
    this.attempt += 1;
    this.scheduleShown(code, message);
  }

  private onDisconnected(ctx: DisconnectedContext): void {
    const expected = this.expectingDisconnect;
    this.expectingDisconnect = undefined;
    if (expected) {
      if (expected.next.status !== 'reconnecting') this.set(expected.next);
      return;
    }
    this.set({ status: 'disconnected', code: ctx.code, reason: ctx.reason });
  }

  /** Announces retry `this.attempt`, mirroring the delay centrifuge-js is drawing now. */
  private scheduleShown(code: number, reason: string): void {
    const { minDelayMs, maxDelayMs, maxAttempts } = this.reconnect;
    const step = Math.min(this.backoffStep, 31);
    this.backoffStep += 1;
    const now = Date.now();
    const latest = Math.min(maxDelayMs, minDelayMs + Math.min(maxDelayMs, minDelayMs * 2 ** step));
    this.set({
      status: 'reconnecting',
      attempt: this.attempt,
      maxAttempts,
      earliestRetryAt: now + Math.min(maxDelayMs, minDelayMs),
      nextRetryAt: now + latest,
      code,
      reason,
    });
  }

  private set(next: ConnectionState): void {
    const previous = this.current;
    this.current = next;
    this.emitter.emit('change', next, previous);
  }
}
