import type { Kysely, Transaction } from 'kysely';
import type { Hub } from '../hub/hub.js';
import type { Logger } from '../logger.js';
import type { Database } from '../store/schema.js';
import type { OutgoingEvent } from './events.js';

export interface OutboxOptions {
  /** How often rows left unpublished (a crash between commit and publish) are swept, ms. Default 5 000. */
  sweepIntervalMs?: number;
  /** How long published rows are kept, ms. Default 1 day. */
  retentionMs?: number;
}

/**
 * The transactional outbox. Domain services write their events in the same transaction as the
 * change; after commit the outbox publishes them, in commit order, and marks them published.
 * A crash in between leaves rows that the next sweep (or the next start) publishes: an update
 * is never lost, and the envelope id doubles as the engine's idempotency key, so it is never
 * published twice within the engine's idempotency window.
 */
export class Outbox {
  private chain: Promise<void> = Promise.resolve();
  /**
   * A publish failed (the engine is down): newer events must not overtake it on its channel,
   * so until the sweep has caught up every event goes out through the sweep, in commit order.
   */
  private behind = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly retentionMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly hub: Hub,
    private readonly logger: Logger,
    options: OutboxOptions = {},
  ) {
    this.retentionMs = options.retentionMs ?? 24 * 60 * 60 * 1000;
    this.sweepTimer = setInterval(() => void this.sweep(), options.sweepIntervalMs ?? 5_000);
    this.sweepTimer.unref();
  }

  /**
   * Runs `work` in one transaction, records the envelopes it returns in the same transaction,
   * and publishes them after commit: a change and its announcement happen together or not at all.
   */
  async transact<T>(work: (trx: Transaction<Database>) => Promise<{ result: T; events: OutgoingEvent[] }>): Promise<T> {
    const { result, events } = await this.db.transaction().execute(async (trx) => {
      const outcome = await work(trx);
      await this.write(trx, outcome.events);
      return outcome;
    });
    await this.publishCommitted(events);
    return result;
  }

  /** Records events inside the caller's transaction. */
  async write(trx: Transaction<Database>, events: readonly OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = new Date().toISOString();
    await trx
      .insertInto('outbox')
      .values(
        events.map((e) => ({
          id: e.id,
          channel: e.channel,
          type: e.type,
          data: JSON.stringify(e.data),
          created_at: now,
          published_at: null,
        })),
      )
      .execute();
  }

  /** Publishes events that were just committed. Resolves once they are out (or left for the sweep). */
  publishCommitted(events: readonly OutgoingEvent[]): Promise<void> {
    if (events.length === 0 || this.behind) return Promise.resolve();
    return this.enqueue(events).then(() => undefined);
  }

  /**
   * Publishes whatever is still unpublished, oldest first: everything at start (after a crash),
   * and later only rows older than a few seconds, which the fast path is not handling. After a
   * failed publish it catches up on every row, in batches, until none is left.
   */
  async sweep(minAgeMs = 2_000): Promise<void> {
    const catchingUp = this.behind;
    const olderThan = new Date(Date.now() - (catchingUp ? 0 : minAgeMs)).toISOString();
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('published_at', 'is', null)
      .where('created_at', '<=', olderThan)
      .orderBy('seq')
      .limit(500)
      .execute()
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'outbox sweep failed');
        return undefined;
      });
    if (rows === undefined) return;
    if (rows.length === 0 && catchingUp) {
      this.behind = false;
      this.logger.info('outbox caught up: events go out at once again');
    }
    if (rows.length > 0) {
      this.logger.info({ count: rows.length }, 'publishing events left unpublished');
      const published = await this.enqueue(
        rows.map((r) => ({
          id: r.id,
          channel: r.channel,
          type: r.type as OutgoingEvent['type'],
          data: JSON.parse(r.data) as unknown,
        })),
      );
      if (published && this.behind) this.retrySweep(0);
    }
    const cutoff = new Date(Date.now() - this.retentionMs).toISOString();
    await this.db
      .deleteFrom('outbox')
      .where('published_at', '<', cutoff)
      .execute()
      .catch(() => undefined);
  }

  close(): void {
    clearInterval(this.sweepTimer);
    clearTimeout(this.retryTimer);
  }

  /** Publishes in order after whatever is already on its way; true when every event went out. */
  private enqueue(events: readonly OutgoingEvent[]): Promise<boolean> {
    const run = this.chain.then(() => this.publish(events));
    this.chain = run.then(() => undefined);
    return run;
  }

  private retrySweep(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.sweep(), delayMs);
    this.retryTimer.unref();
  }

  private async publish(events: readonly OutgoingEvent[]): Promise<boolean> {
    const published: string[] = [];
    try {
      for (const event of events) {
        await this.hub.publish(
          event.channel,
          { id: event.id, type: event.type, data: event.data },
          { idempotencyKey: event.id },
        );
        published.push(event.id);
      }
      return true;
    } catch (error) {
      this.logger.error({ err: error }, 'publishing committed events failed; the sweep retries');
      this.behind = true;
      this.retrySweep(1_000);
      return false;
    } finally {
      if (published.length > 0) {
        await this.db
          .updateTable('outbox')
          .set({ published_at: new Date().toISOString() })
          .where('id', 'in', published)
          .execute()
          .catch((error: unknown) => this.logger.error({ err: error }, 'marking events published failed'));
      }
    }
  }
}
