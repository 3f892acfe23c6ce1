import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { DISCONNECT, type Claims, type ClientInfo, type Disconnect, type Envelope } from '@dabba/protocol';
import type { ClientSubscription, HubClient } from '../../hub/client.js';
import type { Hub, HubSubscribeResult } from '../../hub/hub.js';
import type { PreparedPublication } from '../../hub/prepared.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { OutboundQueue, type FlushScheduler, type OutboundMessage } from '../shared/outbound-queue.js';
import { TokenExpiry } from '../shared/token-expiry.js';
import { encodePositions, type ChannelPosition } from './last-event-id.js';
import type { SseFaceOptions } from './options.js';

/** One SSE event as a stream writes it; no `event` means the browser's default `message`. */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/** Turns an envelope into the stream's event, or undefined to leave it out (positions still advance). */
export type EnvelopeFormatter = (envelope: Envelope) => SseEvent | undefined;

/** What every SSE client of the face shares. */
export interface SseClientDeps {
  readonly hub: Hub;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly scheduler: FlushScheduler;
  readonly options: SseFaceOptions;
}

const FACE = 'sse';

/**
 * One SSE stream following a fixed list of channels through the hub. Every event's `id:`
 * encodes the position of every channel of the stream, so `Last-Event-ID` resumes all of them.
 * Until every channel is subscribed, publications are held; then recovery results, a `ready`
 * event and the held publications are written in that order, so no id ever claims a
 * publication the client has not been sent.
 */
export class SseClient implements HubClient {
  readonly face = FACE;
  readonly id = randomUUID();
  readonly subscriptions = new Map<string, ClientSubscription>();
  readonly info: ClientInfo;
  private readonly positions: ChannelPosition[];
  private readonly indexOf = new Map<string, number>();
  private held: PreparedPublication[] | undefined = [];
  private closed = false;
  private cleanedUp = false;
  private readonly out: OutboundQueue;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly expiry: TokenExpiry;

  constructor(
    readonly claims: Claims,
    private readonly channels: readonly string[],
    private readonly response: ServerResponse,
    private readonly format: EnvelopeFormatter,
    private readonly deps: SseClientDeps,
  ) {
    this.info = { client: this.id, user: claims.sub };
    this.positions = channels.map(() => undefined);
    channels.forEach((channel, i) => this.indexOf.set(channel, i));
    const sink = {
      get bufferedAmount(): number {
        return response.writableLength;
      },
      write(messages: readonly OutboundMessage[]): void {
        if (!response.writableEnded) response.write(messages.join(''));
      },
      writeOne(message: OutboundMessage): void {
        if (!response.writableEnded) response.write(typeof message === 'string' ? message : message.payload);
      },
    };
    this.out = new OutboundQueue(sink, deps.scheduler, deps.options.sseMaxOutboundBytes, () => this.onSlow());
    this.heartbeat = setInterval(() => this.out.push(': heartbeat\n\n'), deps.options.sseHeartbeatMs);
    this.heartbeat.unref();
    // The stream ends when the token expires: a browser reconnecting with the same token is refused.
    this.expiry = new TokenExpiry(claims.exp, () => this.disconnect(DISCONNECT.expired));
    response.on('close', () => this.onClosed());
    response.on('error', (error) => deps.logger.debug({ err: error, client: this.id }, 'sse stream error'));
    deps.metrics.connections.inc({ face: FACE });
    deps.metrics.connectionsTotal.inc({ face: FACE });
  }

  /**
   * Subscribes every channel (recovering from `resumeFrom` when the browser resumed), then
   * writes resets for what could not be recovered, the recovered publications, `ready`, and
   * goes live.
   */
  async start(resumeFrom: ChannelPosition[] | 'invalid' | undefined): Promise<void> {
    this.out.push(`retry: ${this.deps.options.sseRetryMs}\n\n`);
    const results: HubSubscribeResult[] = [];
    for (const [i, channel] of this.channels.entries()) {
      const recover = Array.isArray(resumeFrom) ? resumeFrom[i] : undefined;
      await this.deps.hub.subscribe(this, channel, { recover }, (result) => (results[i] = result));
      if (this.closed) return;
    }
    const resuming = resumeFrom !== undefined;
    results.forEach((result, i) => {
      const channel = this.channels[i] as string;
      const recovered = result.wasRecovering && result.recovered;
      this.positions[i] = recovered && Array.isArray(resumeFrom) ? resumeFrom[i] : positionOf(result);
      if (resuming && !recovered) {
        this.positions[i] = positionOf(result);
        this.writeEvent({ event: 'reset', data: JSON.stringify({ channel, reason: 'history_unavailable' }) });
      }
      for (const publication of result.publications) this.write(i, publication);
      this.positions[i] = positionOf(result);
    });
    this.writeEvent({ event: 'ready', data: JSON.stringify({ channels: this.channels }) });
    const held = this.held ?? [];
    this.held = undefined;
    for (const publication of held) this.deliver(publication);
  }

  deliver(publication: PreparedPublication): void {
    if (this.held) {
      this.held.push(publication);
      return;
    }
    const i = this.indexOf.get(publication.channel);
    if (i !== undefined) this.write(i, publication);
  }

  deliverJoinLeave(): void {
    // Streams do not ask for join/leave.
  }

  unsubscribed(channel: string): void {
    this.writeEvent({ event: 'unsubscribe', data: JSON.stringify({ channel, reason: 'permission_denied' }) });
    if (this.subscriptions.size === 0) this.disconnect(DISCONNECT.permissionDenied);
  }

  /** Ends the stream, telling the client why in a `disconnect` event. */
  disconnect(disconnect: Disconnect): void {
    if (this.closed) return;
    this.deps.metrics.disconnects.inc({ code: String(disconnect.code) });
    this.writeEvent({
      event: 'disconnect',
      data: JSON.stringify({ code: disconnect.code, reason: disconnect.reason }),
    });
    this.out.flush();
    this.response.end();
    this.onClosed();
  }

  private write(i: number, publication: PreparedPublication): void {
    if (publication.offset > 0) this.positions[i] = { offset: publication.offset, epoch: publication.epoch };
    const event = this.format(publication.envelope);
    if (event) this.writeEvent(event);
  }

  private writeEvent(event: SseEvent): void {
    const name = event.event === undefined ? '' : `event: ${event.event}\n`;
    this.out.push(`${name}id: ${encodePositions(this.positions)}\ndata: ${event.data}\n\n`);
  }

  private onSlow(): void {
    this.deps.metrics.slowDisconnects.inc();
    this.deps.logger.warn({ client: this.id, user: this.claims.sub }, 'slow sse client disconnected');
    // The queue is full: the stream ends without more writes; the browser resumes from its last id.
    this.response.end();
    this.onClosed();
  }

  /** No more writes; the hub forgets the client (once, however the stream ended). */
  private onClosed(): void {
    this.closed = true;
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    clearInterval(this.heartbeat);
    this.expiry.cancel();
    this.out.clear();
    this.deps.metrics.connections.dec({ face: FACE });
    this.deps.hub.removeClient(this).catch((error) => this.deps.logger.error({ err: error }, 'sse cleanup failed'));
  }
}

function positionOf(result: HubSubscribeResult): ChannelPosition {
  return result.recoverable ? { offset: result.offset, epoch: result.epoch } : undefined;
}
