import type { EventName, TrackingSnapshot } from '@dabba/protocol';
import { Centrifuge, type Options as CentrifugeOptions, type ServerPublicationContext } from 'centrifuge';
import { ChannelRegistry, type ChannelSubscription } from './channels.js';
import { ConnectionMachine, type ConnectionState } from './connection.js';
import { Emitter } from './emitter.js';
import { DabbaClientError } from './errors.js';
import {
  decodePublication,
  EventRouter,
  type AnyEventHandler,
  type DecodedEvent,
  type EventHandler,
} from './events.js';
import { defaultLifecycleTarget, watchLifecycle } from './lifecycle.js';
import { DEFAULT_OUTBOX, reconnectOptions, type ClientOptions } from './options.js';
import { Outbox, type OutboxEntry, type OutboxEvents, type OutboxKind } from './outbox/outbox.js';
import { memoryStorage } from './outbox/storage.js';
import { fetchTrackingSnapshot } from './rest.js';
import { trackOrder, type OrderTracker } from './tracking/order-tracker.js';

export interface SendOptions {
  /** `ordered` (default): kept and sent in order. `latest`: only the newest of this method is kept, sent first. */
  kind?: OutboxKind;
}

/** The outbox as the app sees it. */
export interface OutboxView {
  entries(): readonly OutboxEntry[];
  readonly size: number;
  clear(): void;
  on<K extends keyof OutboxEvents>(event: K, listener: (...args: OutboxEvents[K]) => void): () => void;
  /** Resolves once entries persisted by an earlier run are queued again. */
  readonly restored: Promise<void>;
  /** Resolves once every change so far is written to storage. */
  persisted(): Promise<void>;
}

export interface DabbaClient {
  /** The connection state now. */
  readonly state: ConnectionState;
  /** Calls `listener(next, previous)` on every change of state. */
  onState(listener: (next: ConnectionState, previous: ConnectionState) => void): () => void;
  connect(): void;
  disconnect(): void;
  /** After `failed` (or `disconnected`): connect again with a fresh attempt count. */
  retry(): void;
  /** Retries at once instead of waiting (done for you when the page becomes visible or the device online). */
  reconnectNow(): void;

  /** A catalog event on any channel this client follows (its own `user:{id}` included), typed from the catalog. */
  on<N extends EventName>(type: N, handler: EventHandler<N>): () => void;
  /** Every publication on any followed channel, typed or not. */
  onAny(handler: AnyEventHandler): () => void;
  /** Invalid events, refused subscriptions, failed snapshots, storage failures, throwing listeners. */
  onError(listener: (error: DabbaClientError | Error) => void): () => void;
  /** Follows a channel; several holders of one channel share one subscription. */
  subscribe(channel: string): ChannelSubscription;

  /** A live, typed view of an order: snapshot plus every event, refetched when recovery fails. */
  trackOrder(orderId: string): OrderTracker;
  /** `GET /orders/:id/tracking` once. */
  fetchTracking(orderId: string): Promise<TrackingSnapshot>;

  /**
   * Sends a client action as a native rpc through the offline outbox: kept while offline,
   * persisted, sent in order once connected, applied once by the server (idempotency key).
   * Resolves with the server's reply.
   */
  send(method: string, data: Record<string, unknown>, options?: SendOptions): Promise<unknown>;
  /** Calls an rpc now, without the outbox (fails when offline). */
  call(method: string, data?: unknown): Promise<unknown>;
  readonly outbox: OutboxView;

  /** Replaces the token: used for the next (re)connect and for REST calls. */
  updateToken(token: string): void;
  /** Disconnects, leaves every channel, stops the outbox (persisted entries stay for the next run). */
  close(): void;
  /** The underlying centrifuge-js client, for what this API does not cover. */
  readonly centrifuge: Centrifuge;
}

/** Creates a client and (unless `autoConnect: false`) connects it. */
export function createClient(options: ClientOptions): DabbaClient {
  if (!options.token && !options.getToken) throw new TypeError('createClient: give token, getToken or both');
  const reconnect = reconnectOptions(options.reconnect);
  const baseUrl = options.url.replace(/\/+$/, '');
  const fetchFn = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (!fetchFn) throw new TypeError('createClient: no global fetch here: pass options.fetch');

  const errors = new Emitter<{ error: [DabbaClientError | Error] }>(() => undefined);
  const reportListenerError = (cause: unknown): void =>
    errors.emit('error', new DabbaClientError('listener_failed', `a listener threw: ${String(cause)}`, {}, { cause }));
  const report = (error: DabbaClientError | Error): void => errors.emit('error', error);

  let token = options.token ?? '';
  const getToken = options.getToken;
  const refreshToken = getToken
    ? async (): Promise<string> => {
        token = await getToken();
        return token;
      }
    : undefined;

  const centrifugeOptions: Partial<CentrifugeOptions> = {
    ...options.centrifuge,
    token,
    getToken: refreshToken ?? null,
    minReconnectDelay: reconnect.minDelayMs,
    maxReconnectDelay: reconnect.maxDelayMs,
  };
  if (options.websocket !== undefined) centrifugeOptions.websocket = options.websocket;
  const endpoint = options.transports ?? `${baseUrl.replace(/^http/, 'ws')}/connection/websocket`;
  const centrifuge = new Centrifuge(endpoint, centrifugeOptions);

  const machine = new ConnectionMachine(centrifuge, reconnect, reportListenerError);
  const router = new EventRouter(reportListenerError);
  const deliver = (event: DecodedEvent): void => {
    if (event.ok) router.deliver(event);
    else report(event.error);
  };
  // Server-side subscriptions (the user's own channel) arrive on the client itself.
  centrifuge.on('publication', (ctx: ServerPublicationContext) =>
    deliver(decodePublication({ channel: ctx.channel, data: ctx.data, offset: ctx.offset, tags: ctx.tags })),
  );
  const channels = new ChannelRegistry(centrifuge, deliver, reportListenerError);

  const rest = {
    baseUrl,
    fetch: fetchFn,
    token: async () => token || (refreshToken ? refreshToken() : ''),
    refresh: refreshToken,
  };
  const outboxOptions = { ...DEFAULT_OUTBOX, ...options.outbox };
  const outbox = new Outbox({
    storage: options.storage ?? memoryStorage(),
    storageKey: outboxOptions.storageKey,
    maxEntries: outboxOptions.maxEntries,
    retryDelayMs: outboxOptions.retryDelayMs,
    call: async (method, data) => (await centrifuge.rpc(method, data)).data as unknown,
    connected: () => machine.state.status === 'connected',
    onListenerError: reportListenerError,
  });
  outbox.on('error', report);
  machine.onChange((next) => {
    if (next.status === 'connected') outbox.flush();
  });

  const lifecycle =
    options.lifecycleTarget === null ? undefined : (options.lifecycleTarget ?? defaultLifecycleTarget());
  const stopWatching = lifecycle
    ? watchLifecycle(lifecycle, (why) => {
        // centrifuge-js itself retries at once when the device comes back online while reconnecting.
        if (why === 'visible' || machine.state.status === 'failed') machine.reconnectNow();
      })
    : () => undefined;

  const trackers = new Set<OrderTracker>();
  let closed = false;

  const client: DabbaClient = {
    get state() {
      return machine.state;
    },
    onState: (listener) => machine.onChange(listener),
    connect: () => machine.connect(),
    disconnect: () => machine.disconnect(),
    retry: () => machine.retry(),
    reconnectNow: () => machine.reconnectNow(),
    on: (type, handler) => router.on(type, handler),
    onAny: (handler) => router.onAny(handler),
    onError: (listener) => errors.on('error', listener),
    subscribe: (channel) => channels.subscribe(channel),
    trackOrder(orderId) {
      const tracker = trackOrder(orderId, {
        subscribe: (channel) => channels.subscribe(channel),
        fetchSnapshot: (id) => fetchTrackingSnapshot(rest, id),
        onError: report,
        onListenerError: reportListenerError,
      });
      trackers.add(tracker);
      return {
        ...tracker,
        close: () => {
          trackers.delete(tracker);
          tracker.close();
        },
      };
    },
    fetchTracking: (orderId) => fetchTrackingSnapshot(rest, orderId),
    send: (method, data, sendOptions = {}) => outbox.enqueue(method, data, sendOptions.kind ?? 'ordered'),
    call: async (method, data) => (await centrifuge.rpc(method, data ?? {})).data as unknown,
    outbox: {
      entries: () => outbox.entries(),
      get size() {
        return outbox.size;
      },
      clear: () => outbox.clear(),
      on: (event, listener) => outbox.on(event, listener),
      restored: outbox.restored,
      persisted: () => outbox.persisted(),
    },
    updateToken(next) {
      token = next;
      centrifuge.setToken(next);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const tracker of [...trackers]) tracker.close();
      stopWatching();
      outbox.close();
      machine.close();
      for (const channel of Object.values(centrifuge.subscriptions())) centrifuge.removeSubscription(channel);
      errors.clear();
    },
    centrifuge,
  };
  if (options.autoConnect ?? true) machine.connect();
  return client;
}
