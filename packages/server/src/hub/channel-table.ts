import type { Engine } from '../engines/engine.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { HubClient } from './client.js';
import { CompactSet } from './compact-set.js';
import type { ResolvedNamespace } from './namespaces.js';
import type { PreparedPublication } from './prepared.js';

/** A channel with subscribers (or a subscribe in progress) on this node. */
export interface ChannelState {
  readonly namespace: ResolvedNamespace;
  readonly live: CompactSet<HubClient>;
  /**
   * Clients whose subscribe is in progress: publications are held until their reply is out.
   * Created on demand: most channels have no subscribe in progress most of the time.
   */
  pending: Map<HubClient, PreparedPublication[]> | undefined;
  /** Until the engine confirms the channel subscription; then cleared. */
  engineReady: Promise<void> | undefined;
}

/**
 * The channels this node follows. A channel enters with its first subscriber, which subscribes
 * the node to it in the engine, and leaves with its last, which unsubscribes it.
 */
export class ChannelTable {
  private readonly states = new Map<string, ChannelState>();

  constructor(
    private readonly engine: Engine,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.states.size;
  }

  get(channel: string): ChannelState | undefined {
    return this.states.get(channel);
  }

  entries(): IterableIterator<[string, ChannelState]> {
    return this.states.entries();
  }

  /** The channel's state, created (and the engine subscribed) for its first subscriber. */
  open(channel: string, namespace: ResolvedNamespace): ChannelState {
    const existing = this.states.get(channel);
    if (existing) return existing;
    const created: ChannelState = { namespace, live: new CompactSet(), pending: undefined, engineReady: undefined };
    created.engineReady = this.engine.subscribe(channel).then(
      () => {
        created.engineReady = undefined;
      },
      (error: unknown) => {
        if (this.states.get(channel) === created) this.states.delete(channel);
        throw error;
      },
    );
    this.states.set(channel, created);
    this.metrics.channels.set(this.states.size);
    return created;
  }

  /** Forgets a channel nobody follows or is subscribing to any more. */
  dropIfEmpty(channel: string, state: ChannelState): void {
    if (state.live.size > 0 || state.pending || this.states.get(channel) !== state) return;
    this.states.delete(channel);
    this.metrics.channels.set(this.states.size);
    this.engine
      .unsubscribe(channel)
      .catch((error: unknown) => this.logger.error({ err: error }, 'engine operation failed'));
  }

  /** Ends a client's subscribe in progress. */
  dropPending(state: ChannelState, client: HubClient): void {
    if (!state.pending?.delete(client)) return;
    if (state.pending.size === 0) state.pending = undefined;
  }
}
