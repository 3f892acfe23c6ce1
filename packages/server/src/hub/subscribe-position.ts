import type { Engine, Publication } from '../engines/engine.js';
import type { ClientSubscription, HubClient } from './client.js';
import type { Metrics } from '../metrics.js';
import type { ResolvedNamespace } from './namespaces.js';
import { PreparedPublication } from './prepared.js';

/** The entries of subscriptions without a position (no history): shared, nothing to allocate. */
export const PLAIN: ClientSubscription = Object.freeze({ joinLeave: false, startOffset: 0, startEpoch: '' });
export const WITH_JOIN_LEAVE: ClientSubscription = Object.freeze({ joinLeave: true, startOffset: 0, startEpoch: '' });

/** The publication is at or before the position the client's subscription started from: not delivered live. */
export function sentBefore(client: HubClient, publication: PreparedPublication): boolean {
  const subscription = client.subscriptions.get(publication.channel);
  return (
    subscription !== undefined &&
    publication.offset <= subscription.startOffset &&
    publication.epoch === subscription.startEpoch
  );
}

/** Where a new subscription starts, and what it is sent before live publications. */
export interface HubSubscribeResult {
  /** The channel keeps history: the client can recover from its position later. */
  readonly recoverable: boolean;
  readonly positioned: boolean;
  readonly offset: number;
  readonly epoch: string;
  /** Missed publications (recovery) or the latest state (latest-only channels), oldest first. */
  readonly publications: PreparedPublication[];
  /** The client asked to recover. */
  readonly wasRecovering: boolean;
  /** Everything after the client's position is in `publications`. */
  readonly recovered: boolean;
}

/** Reads the channel's position, and what a recovering or latest-only subscriber must be sent. */
export async function subscribePosition(
  engine: Engine,
  metrics: Metrics,
  channel: string,
  namespace: ResolvedNamespace,
  recover: { offset: number; epoch: string } | undefined,
): Promise<HubSubscribeResult> {
  const wasRecovering = recover !== undefined;
  if (namespace.historySize === 0) {
    return {
      recoverable: false,
      positioned: false,
      offset: 0,
      epoch: '',
      publications: [],
      wasRecovering,
      recovered: false,
    };
  }
  const prepare = (p: Publication, epoch: string): PreparedPublication => PreparedPublication.of(channel, p, epoch);
  if (recover) {
    const history = await engine.history(channel, { since: recover, limit: namespace.historySize });
    // A latest-only channel needs just its newest value: having it is a full recovery.
    const recovered = history.epoch === recover.epoch && (history.complete || namespace.latestOnly);
    metrics.recovery.inc({ result: recovered ? 'hit' : 'miss' });
    const publications =
      recovered || namespace.latestOnly ? history.publications.map((p) => prepare(p, history.epoch)) : [];
    return {
      recoverable: true,
      positioned: true,
      offset: history.offset,
      epoch: history.epoch,
      publications,
      wasRecovering,
      recovered,
    };
  }
  const history = await engine.history(channel, { limit: namespace.latestOnly ? 1 : 0, reverse: true });
  return {
    recoverable: true,
    positioned: true,
    offset: history.offset,
    epoch: history.epoch,
    publications: history.publications.map((p) => prepare(p, history.epoch)),
    wasRecovering,
    recovered: false,
  };
}
