import { randomUUID } from 'node:crypto';
import { DISCONNECT, isValidChannel, type ClientInfo, type Disconnect } from '@dabba/protocol';
import type {
  ControlCommand,
  Engine,
  EngineHandler,
  HistoryQuery,
  Publication,
  PublishResult,
} from '../engines/engine.js';
import { DabbaError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { Authorization } from './authorization.js';
import type { HubClient } from './client.js';
import { ClientRegistry } from './client-registry.js';
import { ChannelTable } from './channel-table.js';
import { NamespaceRegistry, type ResolvedNamespace } from './namespaces.js';
import { PreparedPublication } from './prepared.js';
import { PresenceHeartbeat, type PresenceEntry } from './presence-heartbeat.js';
import { RpcRegistry } from './rpc.js';
import { globToRegExp } from './glob.js';
import { engineOptionsFor, envelopeFor, publishToEngine } from './engine-publish.js';
import { KeepWarm } from './keep-warm.js';
import {
  DEFAULT_HUB_OPTIONS,
  type HubOptions,
  type OrderedPublish,
  type PublishInput,
  type PublishOptionsInput,
  type SubscribeRequest,
} from './hub-options.js';
import {
  PLAIN,
  sentBefore,
  subscribePosition,
  WITH_JOIN_LEAVE,
  type HubSubscribeResult,
} from './subscribe-position.js';

export type { HubSubscribeResult };
export { DEFAULT_HUB_OPTIONS };
export type { HubOptions, OrderedPublish, PublishInput, PublishOptionsInput, SubscribeRequest } from './hub-options.js';

/**
 * The hub: channels, subscriptions, fan-out, presence and limits. Faces hand it clients;
 * domain services publish through it; the engine carries publications between nodes and
 * keeps history. It never knows which protocol a client speaks.
 */
export class Hub implements EngineHandler {
  readonly namespaces: NamespaceRegistry;
  readonly authorization = new Authorization();
  readonly rpc: RpcRegistry;
  readonly nodeId = randomUUID();
  private readonly channelStates: ChannelTable;
  private readonly clients: ClientRegistry;
  private readonly options: Required<Omit<HubOptions, 'namespaces'>>;
  private readonly startedAt = Date.now();
  private subscriptionCount = 0;
  private readonly presenceHeartbeat: PresenceHeartbeat;
  /** Wakes the process while clients are connected (`keepWarmMs`). */
  readonly keepWarm: KeepWarm;

  constructor(
    readonly engine: Engine,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    options: HubOptions = {},
  ) {
    this.namespaces = new NamespaceRegistry(options.namespaces);
    this.channelStates = new ChannelTable(engine, metrics, logger);
    this.rpc = new RpcRegistry(engine);
    this.clients = new ClientRegistry(options.maxConnectionsPerUser ?? DEFAULT_HUB_OPTIONS.maxConnectionsPerUser);
    this.options = {
      maxChannelsPerConnection: options.maxChannelsPerConnection ?? DEFAULT_HUB_OPTIONS.maxChannelsPerConnection,
      maxConnectionsPerUser: options.maxConnectionsPerUser ?? DEFAULT_HUB_OPTIONS.maxConnectionsPerUser,
      idempotencyTtlMs: options.idempotencyTtlMs ?? DEFAULT_HUB_OPTIONS.idempotencyTtlMs,
      presenceTtlMs: options.presenceTtlMs ?? DEFAULT_HUB_OPTIONS.presenceTtlMs,
      nodeName: options.nodeName ?? process.env.HOSTNAME ?? 'dabba',
      keepWarmMs: options.keepWarmMs ?? DEFAULT_HUB_OPTIONS.keepWarmMs,
    };
    this.keepWarm = new KeepWarm(this.options.keepWarmMs);
    this.presenceHeartbeat = new PresenceHeartbeat(
      engine,
      this.options.presenceTtlMs,
      () => this.presenceEntries(),
      ([channel, client]) => this.channelStates.get(channel)?.live.has(client) === true,
      logger,
    );
  }

  async start(): Promise<void> {
    await this.engine.start(this);
    if (this.engine.presenceExpires) this.presenceHeartbeat.start();
  }

  /** Registers a connected client; throws `limit_exceeded` past the per-user connection limit. */
  addClient(client: HubClient): void {
    this.clients.add(client);
    this.keepWarm.hold();
  }

  /** Forgets a client that went away, with all its subscriptions. */
  async removeClient(client: HubClient): Promise<void> {
    if (!this.clients.remove(client)) return;
    this.keepWarm.release();
    await Promise.all([...client.subscriptions.keys()].map((channel) => this.unsubscribe(client, channel)));
  }

  /** The namespace of a valid channel; `bad_request` or `unknown_channel` otherwise. */
  resolveNamespace(channel: string): ResolvedNamespace {
    // A channel followed here was resolved when its first subscriber came: one lookup instead
    // of the name's pattern and namespace (a publication to a busy channel pays this first).
    const followed = this.channelStates.get(channel);
    if (followed) return followed.namespace;
    if (!isValidChannel(channel)) throw new DabbaError('bad_request', 'invalid channel name');
    const namespace = this.namespaces.forChannel(channel);
    if (!namespace) throw new DabbaError('unknown_channel', `unknown channel namespace in "${channel}"`);
    return namespace;
  }

  /**
   * Subscribes a client. `onSubscribed` runs synchronously before any live publication is
   * delivered, so the face can write its reply first; publications that arrive meanwhile are
   * held and delivered after it, in order, without duplicates of the recovered ones.
   */
  async subscribe(
    client: HubClient,
    channel: string,
    request: SubscribeRequest,
    onSubscribed: (result: HubSubscribeResult) => void,
  ): Promise<void> {
    const namespace = this.resolveNamespace(channel);
    this.checkSubscriptionLimits(client, channel);
    if (!(await this.authorization.maySubscribe(client.claims, channel, namespace))) {
      throw new DabbaError('permission_denied', `not allowed to subscribe to "${channel}"`);
    }
    this.checkSubscriptionLimits(client, channel);
    if (!this.clients.has(client.id)) throw new DabbaError('not_available', 'client disconnected');
    const state = this.channelStates.open(channel, namespace);
    if (namespace.maxSubscribers > 0 && state.live.size + (state.pending?.size ?? 0) >= namespace.maxSubscribers) {
      this.channelStates.dropIfEmpty(channel, state);
      throw new DabbaError('limit_exceeded', `channel "${channel}" has too many subscribers`);
    }
    const held: PreparedPublication[] = [];
    const joinLeave = request.joinLeave === true && namespace.joinLeave;
    client.subscriptions.set(channel, joinLeave ? WITH_JOIN_LEAVE : PLAIN);
    (state.pending ??= new Map()).set(client, held);
    let result: HubSubscribeResult;
    let presenceAdded = false;
    try {
      if (state.engineReady) await state.engineReady;
      result = await subscribePosition(this.engine, this.metrics, channel, namespace, request.recover);
      if (namespace.presence) {
        await this.engine.addPresence(channel, client.id, client.info, this.options.presenceTtlMs);
        presenceAdded = true;
      }
      if (state.pending?.get(client) !== held) throw new DabbaError('not_available', 'client disconnected');
    } catch (error) {
      if (state.pending?.get(client) === held) {
        this.channelStates.dropPending(state, client);
        client.subscriptions.delete(channel);
        this.channelStates.dropIfEmpty(channel, state);
      }
      // The client may have left while presence was being written: leave no entry behind.
      if (presenceAdded) await this.engine.removePresence(channel, client.id).catch((e) => this.logEngineError(e));
      throw error;
    }
    if (result.offset > 0) {
      client.subscriptions.set(channel, { joinLeave, startOffset: result.offset, startEpoch: result.epoch });
    }
    onSubscribed(result);
    this.channelStates.dropPending(state, client);
    state.live.add(client);
    this.metrics.subscriptions.set(++this.subscriptionCount);
    for (const publication of held) {
      if (publication.offset === 0 || publication.offset > result.offset) client.deliver(publication);
    }
    if (namespace.joinLeave) void this.publishJoinLeave('join', channel, client.info);
  }

  async unsubscribe(client: HubClient, channel: string): Promise<void> {
    if (!client.subscriptions.delete(channel)) return;
    const state = this.channelStates.get(channel);
    if (!state) return;
    if (state.live.delete(client)) this.metrics.subscriptions.set(--this.subscriptionCount);
    this.channelStates.dropPending(state, client);
    this.channelStates.dropIfEmpty(channel, state);
    const namespace = state.namespace;
    if (namespace.presence) await this.engine.removePresence(channel, client.id).catch((e) => this.logEngineError(e));
    if (namespace.joinLeave) await this.publishJoinLeave('leave', channel, client.info);
  }

  /** Publishes an event to a channel: the engine assigns its position and fans it out. */
  async publish(channel: string, input: PublishInput, options: PublishOptionsInput = {}): Promise<PublishResult> {
    return this.publishIn(this.resolveNamespace(channel), channel, input, options);
  }

  /** Hands the publication to the engine: without a promise when the engine publishes without I/O. */
  private publishIn(
    namespace: ResolvedNamespace,
    channel: string,
    input: PublishInput,
    options: PublishOptionsInput,
  ): PublishResult | Promise<PublishResult> {
    const engineOptions = engineOptionsFor(namespace, options, this.options.idempotencyTtlMs);
    return publishToEngine(this.engine, channel, envelopeFor(channel, input), engineOptions, options.info);
  }

  /**
   * A client's own publish: allowed only where the namespace lets clients publish and the
   * client may subscribe. Returns once the publication is in the engine's hands, so its place
   * among the client's publications is fixed (an engine keeps the order of its publish calls);
   * `confirmed` settles when the engine has stored and sent it (or is its result already, from
   * an engine that publishes without I/O). A face may start the client's next command in
   * between: publishes pipelined over Redis cost one round trip per batch, not one each.
   *
   * Synchronous (and throwing) unless the namespace's authorization rule needs I/O: a frame of
   * several publishes then fans them all out before its handler returns, and one flush writes
   * them, as a raw WebSocket server would.
   */
  clientPublish(client: HubClient, channel: string, data: unknown): OrderedPublish | Promise<OrderedPublish> {
    const namespace = this.resolveNamespace(channel);
    if (!namespace.allowClientPublish) {
      throw new DabbaError('permission_denied', `clients may not publish to namespace "${namespace.name}"`);
    }
    const allowed =
      client.subscriptions.has(channel) || this.authorization.maySubscribe(client.claims, channel, namespace);
    if (allowed === true) return this.publishAs(client, namespace, channel, data);
    if (allowed === false) throw publishDenied(channel);
    return allowed.then((ok) => {
      if (!ok) throw publishDenied(channel);
      return this.publishAs(client, namespace, channel, data);
    });
  }

  private publishAs(client: HubClient, namespace: ResolvedNamespace, channel: string, data: unknown): OrderedPublish {
    return { confirmed: this.publishIn(namespace, channel, { data }, { info: client.info }) };
  }

  async history(
    channel: string,
    query: HistoryQuery,
  ): Promise<{ publications: PreparedPublication[]; offset: number; epoch: string; complete: boolean }> {
    const namespace = this.resolveNamespace(channel);
    if (namespace.historySize === 0)
      throw new DabbaError('not_available', `namespace "${namespace.name}" keeps no history`);
    const limit = query.limit < 0 ? namespace.historySize : Math.min(query.limit, namespace.historySize);
    const result = await this.engine.history(channel, { ...query, limit });
    if (query.since && query.since.epoch !== result.epoch) {
      throw new DabbaError('unrecoverable_position', 'the channel history changed epoch: refetch its state');
    }
    return {
      publications: result.publications.map((p) => PreparedPublication.of(channel, p, result.epoch)),
      offset: result.offset,
      epoch: result.epoch,
      // With `since`: whether the history still holds everything after it.
      complete: result.complete,
    };
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    this.requirePresence(channel);
    return this.engine.presence(channel);
  }

  async presenceStats(channel: string): Promise<{ numClients: number; numUsers: number }> {
    this.requirePresence(channel);
    return this.engine.presenceStats(channel);
  }

  /** Channels with subscribers on this node, optionally filtered by a `*` glob. */
  channels(pattern?: string): Record<string, { num_clients: number }> {
    const matcher = pattern ? globToRegExp(pattern) : undefined;
    const out: Record<string, { num_clients: number }> = {};
    for (const [channel, state] of this.channelStates.entries()) {
      if (!matcher || matcher.test(channel)) out[channel] = { num_clients: state.live.size };
    }
    return out;
  }

  info(version: string): Record<string, unknown> {
    return {
      uid: this.nodeId,
      name: this.options.nodeName,
      version,
      num_clients: this.clients.size,
      num_users: this.clients.userCount,
      num_channels: this.channelStates.size,
      num_subs: this.subscriptionCount,
      uptime: Math.floor((Date.now() - this.startedAt) / 1000),
      engine: this.engine.name,
    };
  }

  /** Disconnects a user's connections (or one of them) on every node. */
  async disconnectUser(user: string, disconnect: Disconnect, clientId?: string): Promise<void> {
    await this.engine.publishControl({ type: 'disconnect', user, client: clientId, ...disconnect });
  }

  /** Every connected client on this node, e.g. to tell them all to reconnect elsewhere. */
  localClients(): IterableIterator<HubClient> {
    return this.clients.values();
  }

  onPublication(channel: string, publication: Publication, epoch: string): void {
    const state = this.channelStates.get(channel);
    if (!state) return;
    const prepared = PreparedPublication.of(channel, publication, epoch);
    state.live.forEach(this.deliverTo, prepared);
    if (state.pending) for (const held of state.pending.values()) held.push(prepared);
    const seconds = Math.max(0, Date.now() - publication.envelope.ts) / 1000;
    this.metrics.countFanOut(state.namespace.name, state.live.size, seconds);
  }

  /** One delivery of the fan-out; created once, so that a publication costs no closure. */
  private readonly deliverTo = (client: HubClient, prepared: PreparedPublication): void => {
    if (prepared.offset > 0 && sentBefore(client, prepared)) return;
    try {
      client.deliver(prepared);
    } catch (error) {
      this.logger.error({ err: error, client: client.id }, 'delivery failed');
    }
  };

  onJoinLeave(kind: 'join' | 'leave', channel: string, info: ClientInfo): void {
    const state = this.channelStates.get(channel);
    if (!state) return;
    for (const client of state.live) {
      if (client.subscriptions.get(channel)?.joinLeave) client.deliverJoinLeave(kind, channel, info);
    }
  }

  /** Ends a user's subscriptions to these channels on every node (e.g. a driver taken off an order). */
  unsubscribeUser(user: string, channels: string[]): void {
    this.engine.publishControl({ type: 'unsubscribe', user, channels }).catch((e) => this.logEngineError(e));
  }

  onControl(command: ControlCommand): void {
    for (const client of [...this.clients.ofUser(command.user)]) {
      if (command.type === 'disconnect') {
        if (command.client === undefined || command.client === client.id) {
          client.disconnect({ code: command.code, reason: command.reason });
        }
        continue;
      }
      for (const channel of command.channels) {
        if (!client.subscriptions.has(channel)) continue;
        void this.unsubscribe(client, channel);
        client.unsubscribed(channel);
      }
    }
  }

  /**
   * Publications may have been lost between nodes: every client here reconnects and recovers
   * from history what it missed (or learns that it cannot and refetches).
   */
  onEngineResync(): void {
    this.logger.warn({ clients: this.clients.size }, 'engine link restored: clients reconnect to recover');
    for (const client of [...this.clients.values()]) client.disconnect(DISCONNECT.forceReconnect);
  }

  async close(): Promise<void> {
    this.presenceHeartbeat.stop();
    this.keepWarm.stop();
    await this.engine.close();
  }

  private *presenceEntries(): Generator<PresenceEntry> {
    for (const [channel, state] of this.channelStates.entries()) {
      if (state.namespace.presence) for (const client of state.live) yield [channel, client];
    }
  }

  private checkSubscriptionLimits(client: HubClient, channel: string): void {
    if (client.subscriptions.has(channel))
      throw new DabbaError('already_subscribed', `already subscribed to "${channel}"`);
    if (client.subscriptions.size >= this.options.maxChannelsPerConnection) {
      throw new DabbaError(
        'limit_exceeded',
        `a connection may follow at most ${this.options.maxChannelsPerConnection} channels`,
      );
    }
  }

  private requirePresence(channel: string): void {
    const namespace = this.resolveNamespace(channel);
    if (!namespace.presence) throw new DabbaError('not_available', `namespace "${namespace.name}" has no presence`);
  }

  private async publishJoinLeave(kind: 'join' | 'leave', channel: string, info: ClientInfo): Promise<void> {
    await this.engine.publishJoinLeave(kind, channel, info).catch((e) => this.logEngineError(e));
  }

  private logEngineError(error: unknown): void {
    this.logger.error({ err: error }, 'engine operation failed');
  }
}

function publishDenied(channel: string): DabbaError {
  return new DabbaError('permission_denied', `not allowed to publish to "${channel}"`);
}
