import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io';
import type { ClientInfo, Claims, Disconnect } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { ClientSubscription, HubClient } from '../../hub/client.js';
import type { Hub, HubSubscribeResult } from '../../hub/hub.js';
import type { PreparedPublication } from '../../hub/prepared.js';
import { RateLimiter } from '../../hub/rate-limiter.js';
import type { Logger } from '../../logger.js';
import { TokenExpiry } from '../shared/token-expiry.js';
import type { DeliveryJournal, StreamPoint } from './journal.js';
import type { OutgoingEvent, Vocabulary } from './vocabulary.js';

/** What every bridge of one namespace shares. */
export interface BridgeContext {
  readonly hub: Hub;
  readonly logger: Logger;
  /** The namespace's name, e.g. `/realtime`: publications cache one translation per namespace. */
  readonly namespace: string;
  readonly vocabulary: Vocabulary;
  /** Offsets go out with every hub event (connection state recovery is on). */
  readonly recovery: boolean;
  readonly maxEventsPerSecond: number;
  readonly eventBurst: number;
}

/**
 * A Socket.IO socket as the hub sees it: a HubClient that follows hub channels and hands each
 * publication to the socket in the namespace's vocabulary, with its recovery offset. Rooms play
 * no part: the hub decides who gets what, the engine carries it between nodes.
 */
export class SocketBridge implements HubClient {
  readonly face = 'socketio';
  // Not the socket's id: a recovered socket keeps its id, and presence must not mix the two.
  readonly id = randomUUID();
  readonly subscriptions = new Map<string, ClientSubscription>();
  readonly info: ClientInfo;
  readonly rateLimiter: RateLimiter;
  private chain: Promise<void> = Promise.resolve();
  private readonly expiry: TokenExpiry;
  private closed = false;

  constructor(
    readonly socket: Socket,
    readonly claims: Claims,
    readonly journal: DeliveryJournal,
    readonly context: BridgeContext,
  ) {
    this.info = { client: this.id, user: claims.sub };
    this.rateLimiter = new RateLimiter(context.maxEventsPerSecond, context.eventBurst);
    // The token's expiry ends the connection: the client reconnects with a fresh token.
    this.expiry = new TokenExpiry(claims.exp, () => {
      this.emit('error', { code: 'token_expired', message: 'token expired: connect again with a fresh token' });
      this.disconnect({ code: 0, reason: 'token expired' });
    });
  }

  /** Runs `task` after the socket's earlier tasks: one socket's events are handled in order. */
  enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(() => (this.closed ? undefined : task()));
  }

  /** Emits an event that is not a hub publication (a reply, an error). */
  emit(event: string, payload: unknown): void {
    this.socket.emit(event, payload);
  }

  /** Emits an event carrying the current offset, so a client that received nothing else can still recover. */
  emitWithOffset(event: string, payload: unknown): void {
    if (this.context.recovery) this.socket.emit(event, payload, this.journal.offset);
    else this.socket.emit(event, payload);
  }

  follows(channel: string): boolean {
    return this.subscriptions.has(channel);
  }

  /**
   * Follows a hub channel (authorized by the hub, as for any face); from `recover` when resuming
   * a recovered session. What the hub sends with its reply (a recovery's missed publications, a
   * latest-only channel's value) goes out first.
   */
  async follow(channel: string, recover?: StreamPoint): Promise<HubSubscribeResult> {
    let subscribed: HubSubscribeResult | undefined;
    await this.context.hub.subscribe(this, channel, { recover }, (result) => {
      subscribed = result;
      // A resumed channel keeps the position the restored journal has for it.
      if (!this.journal.follows(channel))
        this.journal.follow(channel, result.positioned ? { offset: result.offset, epoch: result.epoch } : undefined);
      for (const publication of result.publications) this.deliver(publication);
    });
    if (!subscribed) throw new DabbaError('internal', 'subscription ended without a result');
    return subscribed;
  }

  async unfollow(channel: string): Promise<void> {
    this.journal.forget(channel);
    await this.context.hub.unsubscribe(this, channel);
  }

  deliver(publication: PreparedPublication): void {
    const event = publication.encoded(this.context.namespace, translateWith(this.context.vocabulary));
    if (event === null || this.closed) return;
    if (!this.context.recovery) {
      this.socket.emit(event[0], event[1]);
      return;
    }
    const offset = this.journal.record(publication.channel, { offset: publication.offset, epoch: publication.epoch });
    this.socket.emit(event[0], event[1], offset);
  }

  deliverJoinLeave(): void {
    // No Socket.IO vocabulary has join/leave events, and no face here asks the hub for them.
  }

  unsubscribed(channel: string): void {
    // The hub took the channel away (a driver taken off an order): nothing more arrives from it.
    this.journal.forget(channel);
    this.context.logger.debug({ client: this.id, channel }, 'socket.io client lost a channel');
  }

  disconnect(disconnect: Disconnect): void {
    this.context.logger.info({ client: this.id, user: this.claims.sub, reason: disconnect.reason }, 'disconnecting');
    this.socket.disconnect();
  }

  /** The socket went away: leave the hub. */
  async close(): Promise<void> {
    this.closed = true;
    this.expiry.cancel();
    await this.context.hub.removeClient(this);
  }
}

const translators = new WeakMap<Vocabulary, (publication: PreparedPublication) => OutgoingEvent | null>();

/** One translate function per vocabulary, so PreparedPublication's cache sees the same encoder each time. */
function translateWith(vocabulary: Vocabulary): (publication: PreparedPublication) => OutgoingEvent | null {
  let translate = translators.get(vocabulary);
  if (!translate) {
    translate = (publication) => vocabulary(publication.envelope);
    translators.set(vocabulary, translate);
  }
  return translate;
}
