import type { EventName } from '@dabba/protocol';
import type {
  Centrifuge,
  PublicationContext,
  SubscribedContext,
  Subscription,
  SubscriptionErrorContext,
  UnsubscribedContext,
} from 'centrifuge';
import { Emitter } from './emitter.js';
import { DabbaClientError } from './errors.js';
import {
  decodePublication,
  EventRouter,
  type AnyEventHandler,
  type DecodedEvent,
  type EventHandler,
} from './events.js';

/** How a (re)subscribe went: `recovered: false` after `wasRecovering` means events were missed. */
export interface SubscribedInfo {
  readonly channel: string;
  /** The client asked to recover what it missed since its last position. */
  readonly wasRecovering: boolean;
  /** The server sent everything missed; false after `wasRecovering`: refetch what you show. */
  readonly recovered: boolean;
}

/** One holder's view of a channel. Several holders of one channel share one subscription. */
export interface ChannelSubscription {
  readonly channel: string;
  /** Typed events of this channel; returns the function that removes the handler. */
  on<N extends EventName>(type: N, handler: EventHandler<N>): () => void;
  /** Every publication of this channel, typed or not. */
  onAny(handler: AnyEventHandler): () => void;
  /** Every successful (re)subscribe, with its recovery outcome. */
  onSubscribed(listener: (info: SubscribedInfo) => void): () => void;
  /** Subscribe failures (the server refused, e.g. permission) and invalid events on this channel. */
  onError(listener: (error: DabbaClientError) => void): () => void;
  /** Resolves once subscribed; rejects after `timeoutMs` or if the server refuses. */
  ready(timeoutMs?: number): Promise<void>;
  /** Releases this holder; the channel is left when its last holder releases it. Idempotent. */
  unsubscribe(): void;
}

interface Shared {
  readonly sub: Subscription;
  readonly router: EventRouter;
  readonly events: Emitter<{ subscribed: [SubscribedInfo]; error: [DabbaClientError] }>;
  holders: number;
}

/**
 * The client's channel subscriptions, shared between holders by reference count (centrifuge-js
 * allows one subscription per channel). Every publication is decoded and validated once, then
 * delivered to the channel's handlers and to the client-wide `deliver`.
 */
export class ChannelRegistry {
  private readonly shared = new Map<string, Shared>();

  constructor(
    private readonly centrifuge: Centrifuge,
    private readonly deliver: (event: DecodedEvent) => void,
    private readonly onListenerError: (error: unknown) => void,
  ) {}

  subscribe(channel: string): ChannelSubscription {
    const shared = this.shared.get(channel) ?? this.open(channel);
    // A channel the server refused earlier is asked for again by its new holder.
    if (shared.sub.state === 'unsubscribed') shared.sub.subscribe();
    shared.holders += 1;
    const removers: Array<() => void> = [];
    const track = (remove: () => void): (() => void) => {
      removers.push(remove);
      return remove;
    };
    let released = false;
    return {
      channel,
      on: (type, handler) => track(shared.router.on(type, handler)),
      onAny: (handler) => track(shared.router.onAny(handler)),
      onSubscribed: (listener) => track(shared.events.on('subscribed', listener)),
      onError: (listener) => track(shared.events.on('error', listener)),
      ready: (timeoutMs) => shared.sub.ready(timeoutMs),
      unsubscribe: () => {
        if (released) return;
        released = true;
        for (const remove of removers.splice(0)) remove();
        this.release(channel, shared);
      },
    };
  }

  /** Channels held now. */
  channels(): string[] {
    return [...this.shared.keys()];
  }

  private open(channel: string): Shared {
    const sub = this.centrifuge.getSubscription(channel) ?? this.centrifuge.newSubscription(channel);
    const shared: Shared = {
      sub,
      router: new EventRouter(this.onListenerError),
      events: new Emitter(this.onListenerError),
      holders: 0,
    };
    sub.on('publication', (ctx: PublicationContext) => {
      const event = decodePublicationOf(ctx);
      if (event.ok) shared.router.deliver(event);
      else shared.events.emit('error', event.error);
      this.deliver(event);
    });
    sub.on('subscribed', (ctx: SubscribedContext) =>
      shared.events.emit('subscribed', { channel, wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }),
    );
    sub.on('error', (ctx: SubscriptionErrorContext) =>
      shared.events.emit(
        'error',
        new DabbaClientError('subscribe_failed', `${channel}: ${ctx.error.message}`, {
          channel,
          type: ctx.type,
          serverCode: ctx.error.code,
          // centrifuge-js retries these by itself.
          permanent: false,
        }),
      ),
    );
    sub.on('unsubscribed', (ctx: UnsubscribedContext) => {
      // The server ended it (permission lost, e.g. a reassigned driver): holders learn why.
      if (ctx.code !== 0) {
        shared.events.emit(
          'error',
          new DabbaClientError('subscribe_failed', `${channel}: ${ctx.reason} (${ctx.code})`, {
            channel,
            serverCode: ctx.code,
            permanent: true,
          }),
        );
      }
    });
    sub.subscribe();
    this.shared.set(channel, shared);
    return shared;
  }

  private release(channel: string, shared: Shared): void {
    shared.holders -= 1;
    if (shared.holders > 0 || this.shared.get(channel) !== shared) return;
    this.shared.delete(channel);
    shared.sub.removeAllListeners();
    shared.sub.unsubscribe();
    this.centrifuge.removeSubscription(shared.sub);
    shared.events.clear();
  }
}

function decodePublicationOf(ctx: PublicationContext): DecodedEvent {
  return decodePublication({ channel: ctx.channel, data: ctx.data, offset: ctx.offset, tags: ctx.tags });
}
