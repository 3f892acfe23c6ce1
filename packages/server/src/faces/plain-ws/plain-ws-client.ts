import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { channels, DISCONNECT, parseChannel, type Claims, type ClientInfo, type Disconnect } from '@dabba/protocol';
import { DabbaError, toDabbaError } from '../../errors.js';
import type { ClientSubscription, HubClient } from '../../hub/client.js';
import type { HubSubscribeResult } from '../../hub/hub.js';
import type { PreparedPublication } from '../../hub/prepared.js';
import { RateLimiter } from '../../hub/rate-limiter.js';
import { UNSCHEDULED, type WheelEntry } from '../shared/deadline-wheel.js';
import { TokenExpiry } from '../shared/token-expiry.js';
import { OutboundQueue, type OutboundMessage, type OutboundSink } from '../shared/outbound-queue.js';
import { writeTextFrame, type TextFrame } from '../shared/text-frame.js';
import type { PlainWsDeps } from './deps.js';
import { catalogFrame, lookUpOrderFrame, orderFrame, type OrderFrame } from './frames.js';
import { parseClientMessage } from './inbound.js';
import { orderIdOf, orderNamedBy, PLAIN_WS_MESSAGE_TYPES, type PlainWsMessage } from './vocabulary.js';

const FACE = 'plain-ws';
/** Finished orders a socket remembers, so a late notification about one does not follow it again. */
const FINISHED_ORDERS_REMEMBERED = 64;

/** Close codes of this face beyond the hub's disconnect codes. */
export const PLAIN_WS_CLOSE = {
  /** No token, a bad one, an expired one, or seed 001's untrusted `?userId=&role=`. */
  unauthorized: 4401,
} as const;

/** Seed 001 parses every frame as one JSON message: one frame per message, never joined. */
class MessagePerFrameSink implements OutboundSink {
  constructor(private readonly ws: WebSocket) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  write(messages: readonly OutboundMessage[]): void {
    for (const message of messages) this.writeOne(message);
  }

  writeOne(message: OutboundMessage): void {
    if (typeof message === 'string') this.ws.send(message);
    else writeTextFrame(this.ws, message);
  }
}

/**
 * One `/api/ws` socket (seed 001) as the hub sees it. It follows `user:{id}`, `catalog` and the
 * user's open orders (`order:{id}`, found when it connects and whenever its user channel names a
 * new one), and the `store:{id}` channels the client asks for; it turns their envelopes into
 * seed 001's `{type, data}` messages.
 */
export class PlainWsClient implements HubClient, WheelEntry {
  readonly face = FACE;
  readonly id = randomUUID();
  readonly subscriptions = new Map<string, ClientSubscription>();
  readonly info: ClientInfo;
  /** Cleared by each ping of the face, set by the pong (or any message): a dead peer is closed. */
  alive = true;
  /** The socket's place on the face's ping wheel (owned by the wheel). */
  wheelSlot = UNSCHEDULED;
  wheelIndex = 0;
  private closed = false;
  private readonly out: OutboundQueue;
  private readonly limiter: RateLimiter;
  /** One socket's requests run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  /** Order lookups run in parallel but their messages leave in publication order. */
  private orderTail: Promise<void> = Promise.resolve();
  private lookupsInFlight = 0;
  /** Follows in progress, so one order named twice is followed once. */
  private readonly following = new Set<string>();
  private readonly finishedOrders = new Set<string>();
  /** The last `product_updated` per store channel: one change announced by several envelopes goes out once. */
  private readonly lastProductFrame = new Map<string, TextFrame>();
  /** Set after a refused message; the next one refused is not answered again (no reply storm). */
  private throttled = false;
  private expiry: TokenExpiry | undefined;

  constructor(
    readonly socket: WebSocket,
    readonly claims: Claims,
    private readonly deps: PlainWsDeps,
  ) {
    this.info = { client: this.id, user: claims.sub };
    this.limiter = new RateLimiter(deps.options.maxMessagesPerSecond, deps.options.messageBurst);
    this.out = new OutboundQueue(new MessagePerFrameSink(socket), deps.scheduler, deps.options.maxOutboundBytes, () =>
      this.onSlow(),
    );
  }

  /**
   * Follows the user's channel, the catalog and the user's open orders, then says `connected`.
   * Each open order is sent once as it is now: a socket that reconnects after a drop has every
   * order's current state, whatever it missed meanwhile (this face has no resume).
   */
  async start(): Promise<void> {
    // The token's expiry ends the connection: seed 001 reconnects, and must bring a fresh token.
    this.expiry = new TokenExpiry(this.claims.exp, () =>
      this.disconnect({ code: PLAIN_WS_CLOSE.unauthorized, reason: 'token expired' }),
    );
    await this.follow(channels.user(this.claims.sub));
    await this.follow(channels.catalog);
    const orderIds = await this.deps.orders.openOrderIds(this.claims, this.deps.options.maxFollowedOrders);
    for (const orderId of orderIds) {
      if (this.closed) return;
      await this.follow(channels.order(orderId), () =>
        this.sendInOrder(lookUpOrderFrame(orderId, this.deps.orders, this.deps.logger)),
      ).catch((cause: unknown) => this.logFollowFailure(orderId, cause));
    }
    this.send({
      type: 'connected',
      data: { userId: this.claims.sub, role: this.claims.role, channels: [...this.subscriptions.keys()] },
    });
  }

  deliver(publication: PreparedPublication): void {
    if (this.closed) return;
    const namespace = parseChannel(publication.channel).namespace;
    if (namespace === 'user') {
      const orderId = orderNamedBy(publication.envelope);
      if (orderId !== undefined) this.discoverOrder(orderId);
    } else if (namespace === 'order') {
      const orderId = orderIdOf(publication.envelope);
      if (orderId !== undefined) this.sendInOrder(orderFrame(publication, orderId, this.deps.orders, this.deps.logger));
    } else {
      const encoded = catalogFrame(publication);
      if (!encoded) return;
      if (encoded.type === PLAIN_WS_MESSAGE_TYPES.productUpdated) {
        const last = this.lastProductFrame.get(publication.channel);
        if (last?.bytes.equals(encoded.frame.bytes)) return;
        this.lastProductFrame.set(publication.channel, encoded.frame);
      }
      this.out.push(encoded.frame);
    }
  }

  deliverJoinLeave(): void {
    // Seed 001 has no join/leave messages, and this face never asks for them.
  }

  unsubscribed(channel: string): void {
    this.lastProductFrame.delete(channel);
    this.send({ type: 'unsubscribed', data: { channel, reason: 'permission_denied' } });
  }

  disconnect(disconnect: Disconnect): void {
    if (this.closed) return;
    this.deps.metrics.disconnects.inc({ code: String(disconnect.code) });
    this.out.flush();
    this.socket.close(disconnect.code, disconnect.reason);
    this.cleanup();
  }

  /** One inbound frame. */
  receive(data: Buffer, isBinary: boolean): void {
    this.alive = true;
    if (this.closed) return;
    if (!this.limiter.take()) {
      if (!this.throttled) this.sendError(new DabbaError('too_many_requests', 'too many messages: slow down'));
      this.throttled = true;
      return;
    }
    this.throttled = false;
    if (isBinary) return this.sendError(new DabbaError('bad_request', 'messages are JSON text frames'));
    let message;
    try {
      message = parseClientMessage(data.toString('utf8'));
    } catch (cause) {
      return this.sendError(toDabbaError(cause));
    }
    this.deps.metrics.countCommand(`plain-ws:${message.type}`);
    if (message.type === 'ping') return this.send({ type: 'pong' });
    const { channel } = message.data;
    const task = message.type === 'subscribe' ? () => this.subscribe(channel) : () => this.unsubscribe(channel);
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await task();
      } catch (cause) {
        const error = toDabbaError(cause);
        if (error.code === 'internal')
          this.deps.logger.error({ err: cause, client: this.id }, 'plain-ws request failed');
        this.sendError(error, channel);
      }
    });
  }

  /** The socket is gone (the client left or the server closed it): leave the hub, once. */
  cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.expiry?.cancel();
    this.out.clear();
    this.deps.metrics.connections.dec({ face: FACE });
    this.deps.hub
      .removeClient(this)
      .catch((error) => this.deps.logger.error({ err: error }, 'plain-ws cleanup failed'));
  }

  private async subscribe(channel: string): Promise<void> {
    if (!this.subscriptions.has(channel)) await this.follow(channel);
    this.send({ type: 'subscribed', data: { channel } });
  }

  private async unsubscribe(channel: string): Promise<void> {
    this.lastProductFrame.delete(channel);
    await this.deps.hub.unsubscribe(this, channel);
    this.send({ type: 'unsubscribed', data: { channel } });
  }

  /** Follows a channel through the hub (which authorizes it), from now on: this face has no resume. */
  private async follow(channel: string, onSubscribed?: (result: HubSubscribeResult) => void): Promise<void> {
    await this.deps.hub.subscribe(this, channel, {}, (result) => onSubscribed?.(result));
  }

  /**
   * The user channel named an order the socket does not follow yet (a new order for a chef or a
   * driver, a notification about a customer's order): follow it, and send the order as it is now,
   * since the envelope that changed it went out before the socket followed.
   */
  private discoverOrder(orderId: string): void {
    const channel = channels.order(orderId);
    if (this.subscriptions.has(channel) || this.following.has(channel) || this.finishedOrders.has(orderId)) return;
    this.following.add(channel);
    this.chain = this.chain.then(async () => {
      try {
        if (this.closed) return;
        // The snapshot is queued before any publication the subscribe held back, so it goes out first.
        await this.follow(channel, () =>
          this.sendInOrder(lookUpOrderFrame(orderId, this.deps.orders, this.deps.logger)),
        );
      } catch (cause) {
        this.logFollowFailure(orderId, cause);
      } finally {
        this.following.delete(channel);
      }
    });
  }

  /** Queues an `order_updated` whose order is being looked up, behind the ones before it. */
  private sendInOrder(pending: Promise<OrderFrame | undefined>): void {
    if (this.lookupsInFlight >= this.deps.options.maxPendingOrderLookups) return this.onSlow();
    this.lookupsInFlight++;
    this.orderTail = this.orderTail
      .then(() => pending)
      .then((message) => {
        this.lookupsInFlight--;
        if (this.closed || !message) return;
        this.out.push(message.frame);
        if (message.final) this.finishOrder(message.orderId);
      });
  }

  /** An order that reached a final status: its last `order_updated` is out; stop following it. */
  private finishOrder(orderId: string): void {
    this.finishedOrders.add(orderId);
    if (this.finishedOrders.size > FINISHED_ORDERS_REMEMBERED) {
      const oldest = this.finishedOrders.values().next().value;
      if (oldest !== undefined) this.finishedOrders.delete(oldest);
    }
    const channel = channels.order(orderId);
    this.deps.hub
      .unsubscribe(this, channel)
      .catch((error) => this.deps.logger.error({ err: error, client: this.id }, 'plain-ws unfollow failed'));
  }

  private send(message: PlainWsMessage): void {
    if (!this.closed) this.out.push(JSON.stringify(message));
  }

  private sendError(error: DabbaError, channel?: string): void {
    this.deps.metrics.commandErrors.inc({ code: error.code });
    const data = { code: error.code, message: error.message, ...(channel === undefined ? {} : { channel }) };
    this.send({ type: 'error', data });
  }

  private logFollowFailure(orderId: string, cause: unknown): void {
    // Denied (a driver taken off the order meanwhile) or the socket left: nothing to follow.
    this.deps.logger.debug({ client: this.id, orderId, code: toDabbaError(cause).code }, 'plain-ws order not followed');
  }

  private onSlow(): void {
    if (this.closed) return;
    this.deps.metrics.slowDisconnects.inc();
    this.deps.logger.warn({ client: this.id, user: this.claims.sub }, 'slow plain-ws client disconnected');
    this.disconnect(DISCONNECT.slow);
  }
}
