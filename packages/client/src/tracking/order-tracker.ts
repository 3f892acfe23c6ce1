import type { TrackingSnapshot } from '@dabba/protocol';
import { channels } from '@dabba/protocol';
import type { ChannelSubscription, SubscribedInfo } from '../channels.js';
import { Emitter } from '../emitter.js';
import type { DabbaClientError } from '../errors.js';
import type { EventMeta } from '../events.js';
import {
  applyTrackedEvent,
  fromSnapshot,
  initialTrackingState,
  TRACKED_EVENT_TYPES,
  type OrderTrackingState,
  type TrackedEvent,
} from './tracking-state.js';

/** A live view of one order. */
export interface OrderTracker {
  readonly orderId: string;
  getState(): OrderTrackingState;
  /** Calls `listener(state)` after every change; returns the function that removes it. */
  subscribe(listener: (state: OrderTrackingState) => void): () => void;
  /** Stops following the order. Idempotent. */
  close(): void;
}

export interface OrderTrackerDeps {
  subscribe(channel: string): ChannelSubscription;
  fetchSnapshot(orderId: string): Promise<TrackingSnapshot>;
  onError(error: DabbaClientError | Error): void;
  onListenerError(error: unknown): void;
}

/**
 * Follows `order:{id}` and `tracking:{id}` and keeps an {@link OrderTrackingState}:
 *
 * 1. Subscribes first, and fetches the snapshot once `order:{id}` is subscribed, so no event
 *    published after the snapshot was read can be missed.
 * 2. Events that arrive while a snapshot is on its way are held, then applied after it; the
 *    rules in `applyTrackedEvent` skip those the snapshot already reflects, so none is applied
 *    twice or lost.
 * 3. Whenever a resubscribe of `order:{id}` could not recover what it missed
 *    (`wasRecovering && !recovered`, e.g. the server restarted), it refetches the snapshot the
 *    same way. `tracking:{id}` keeps only the latest position, which it resends on subscribe.
 */
export function trackOrder(orderId: string, deps: OrderTrackerDeps): OrderTracker {
  let state = initialTrackingState(orderId);
  const emitter = new Emitter<{ change: [OrderTrackingState] }>(deps.onListenerError);
  let held: TrackedEvent[] | undefined = [];
  let fetches: Promise<void> = Promise.resolve();
  let closed = false;

  const set = (next: OrderTrackingState): void => {
    if (next === state || closed) return;
    state = next;
    emitter.emit('change', state);
  };

  const onEvent = (event: TrackedEvent): void => {
    if (held) held.push(event);
    else set(applyTrackedEvent(state, event));
  };

  const refetch = async (): Promise<void> => {
    try {
      const snapshot = await deps.fetchSnapshot(orderId);
      if (closed) return;
      let next = fromSnapshot(state, snapshot);
      for (const event of held ?? []) next = applyTrackedEvent(next, event);
      held = undefined;
      set({ ...next, phase: 'live' });
    } catch (error) {
      if (closed) return;
      // Held events stay held until a snapshot arrives: applied to nothing they would mislead.
      const failure = error instanceof Error ? error : new Error(String(error));
      set({ ...state, phase: 'error', error: failure });
      deps.onError(failure);
    }
  };

  const onSubscribed = (info: SubscribedInfo): void => {
    if (info.recovered || closed) return;
    // A first subscribe (nothing to recover) or an unrecovered one: the snapshot is the truth.
    held ??= [];
    if (state.phase !== 'loading') set({ ...state, phase: 'refetching' });
    // One fetch at a time, in order: the last one answers last and is the newest.
    fetches = fetches.then(refetch);
  };

  const orderChannel = deps.subscribe(channels.order(orderId));
  const trackingChannel = deps.subscribe(channels.tracking(orderId));
  for (const sub of [orderChannel, trackingChannel]) {
    for (const type of TRACKED_EVENT_TYPES) {
      sub.on(type, (data: unknown, _meta: EventMeta) => onEvent({ type, data } as TrackedEvent));
    }
    sub.onError((error) => deps.onError(error));
  }
  // Without its order channel the tracker cannot follow the order (unknown order, not allowed).
  orderChannel.onError((error) => {
    if (error.code === 'subscribe_failed' && error.details.permanent === true) set({ ...state, phase: 'error', error });
  });
  orderChannel.onSubscribed(onSubscribed);

  return {
    orderId,
    getState: () => state,
    subscribe: (listener) => emitter.on('change', listener),
    close: () => {
      if (closed) return;
      set({ ...state, phase: 'closed' });
      closed = true;
      orderChannel.unsubscribe();
      trackingChannel.unsubscribe();
      emitter.clear();
    },
  };
}
