import type { PublicationContext, Subscription, SubscribedContext } from 'centrifuge';
import type { EventData } from '@dabba/protocol';
import type { RestReply } from './fixture.js';

export interface MirroredEntry {
  status: string;
  timestamp: string;
  changedBy?: string;
}

/**
 * What a well-behaved app keeps of an order it follows on `order:{id}`: status and status
 * history. Whenever a subscription starts without recovering what it missed (a first subscribe,
 * or a recovery the server could not honour), it refetches the snapshot over REST
 * (`GET /orders/:id/tracking`); status updates that arrive meanwhile are held and applied after
 * it, skipping those the snapshot already has.
 */
export class OrderMirror {
  status: string | undefined;
  history: MirroredEntry[] = [];
  readonly subscribedEvents: Array<Pick<SubscribedContext, 'wasRecovering' | 'recovered'>> = [];
  /** Snapshots fetched so far. */
  snapshots = 0;
  private held: EventData<'order:status_update'>[] | undefined;
  private fetching: Promise<void> = Promise.resolve();
  private failure: unknown;

  /** `fetchSnapshot` calls whichever server is current. */
  constructor(
    subscription: Subscription,
    private readonly fetchSnapshot: () => Promise<RestReply>,
  ) {
    subscription.on('subscribed', (ctx) => this.onSubscribed(ctx));
    subscription.on('publication', (ctx) => this.onPublication(ctx));
  }

  /** Resolves once every snapshot fetch so far has been applied; rejects if one failed. */
  async settled(): Promise<void> {
    await this.fetching;
    if (this.failure !== undefined) throw this.failure;
  }

  private onSubscribed(ctx: SubscribedContext): void {
    this.subscribedEvents.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered });
    if (ctx.recovered) return;
    this.held ??= [];
    // One fetch at a time, in order: the last snapshot is the newest.
    this.fetching = this.fetching.then(() => this.refetch()).catch((error: unknown) => void (this.failure ??= error));
  }

  private async refetch(): Promise<void> {
    const reply = await this.fetchSnapshot();
    if (reply.status !== 200) throw new Error(`snapshot refetch failed with ${reply.status}`);
    const snapshot = reply.body as { status: string; statusHistory: MirroredEntry[] };
    this.status = snapshot.status;
    this.history = snapshot.statusHistory.map((h) => ({ ...h }));
    this.snapshots++;
    const held = this.held ?? [];
    this.held = undefined;
    for (const update of held) this.apply(update);
  }

  private onPublication(ctx: PublicationContext): void {
    if (ctx.tags?.type !== 'order:status_update') return;
    const update = ctx.data as EventData<'order:status_update'>;
    if (this.held) this.held.push(update);
    else this.apply(update);
  }

  private apply(update: EventData<'order:status_update'>): void {
    if (this.history.some((h) => h.status === update.status && h.timestamp === update.at)) return;
    this.status = update.status;
    this.history.push({ status: update.status, timestamp: update.at, changedBy: update.actor.id });
  }
}
