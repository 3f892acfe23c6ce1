import type { Kysely, Selectable } from 'kysely';
import type { Logger } from '../../logger.js';
import type { Database, FlashSalesTable } from '../../store/schema.js';
import type { OutgoingEvent } from '../events.js';
import type { Outbox } from '../outbox.js';
import { catalogEvents, priceUpdated } from './catalog-events.js';
import { salePrice, toFlashSale } from './product.js';
import { findProduct } from './product-repository.js';

type Phase = 'started' | 'ended';

interface Due {
  sale: Selectable<FlashSalesTable>;
  phase: Phase;
  at: number;
}

/** Sales announced per sweep at most; the next sweep follows at once when there were more. */
const BATCH = 100;

/**
 * Announces flash sales starting and ending (`store:flash_sale`, with the `product:price_update`
 * it brings) at their times. What was announced is recorded in the sale's row in the same
 * transaction as the envelopes, with a conditional UPDATE: after a restart the first sweep
 * announces whatever came due while the server was down, and each phase goes out once.
 * Between sweeps it sleeps until the next sale is due, at most `maxWaitMs`.
 */
export class FlashSaleTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly maxWaitMs: number,
  ) {}

  /** Sweeps now (what came due while down) and keeps sweeping. */
  start(): Promise<void> {
    return this.poke();
  }

  /** Sweeps soon: a sale was created or cancelled. */
  poke(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    clearTimeout(this.timer);
    this.running = this.sweep()
      .then(() => this.schedule())
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'flash sale sweep failed; trying again later');
        this.wakeIn(this.maxWaitMs);
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.poke();
        }
      });
    return this.running;
  }

  /** Stops the timer; resolves once a sweep under way is done (it still has the database). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async sweep(): Promise<void> {
    for (;;) {
      const due = await this.dueNow();
      for (const item of due) await this.announce(item);
      if (due.length < BATCH) return;
    }
  }

  private async dueNow(): Promise<Due[]> {
    const now = new Date().toISOString();
    const base = () => this.db.selectFrom('flash_sales').selectAll().where('cancelled_at', 'is', null);
    const [starting, ending] = await Promise.all([
      base()
        .where('started_announced_at', 'is', null)
        .where('starts_at', '<=', now)
        .orderBy('starts_at')
        .limit(BATCH)
        .execute(),
      base()
        .where('ended_announced_at', 'is', null)
        .where('ends_at', '<=', now)
        .orderBy('ends_at')
        .limit(BATCH)
        .execute(),
    ]);
    const due: Due[] = [
      ...starting.map((sale) => ({ sale, phase: 'started' as const, at: Date.parse(sale.starts_at) })),
      ...ending.map((sale) => ({ sale, phase: 'ended' as const, at: Date.parse(sale.ends_at) })),
    ];
    // In time order, a start before the end of the same sale.
    return due.sort((a, b) => a.at - b.at || (a.phase === 'started' ? -1 : 1)).slice(0, BATCH);
  }

  private async announce({ sale, phase }: Due): Promise<void> {
    const nowMs = Date.now();
    const at = new Date(nowMs).toISOString();
    const events = await this.db.transaction().execute(async (trx) => {
      const column = phase === 'started' ? 'started_announced_at' : 'ended_announced_at';
      const claimed = await trx
        .updateTable('flash_sales')
        .set(phase === 'started' ? { started_announced_at: at } : { ended_announced_at: at })
        .where('id', '=', sale.id)
        .where(column, 'is', null)
        .where('cancelled_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return [];
      const product = await findProduct(trx, sale.product_id, nowMs);
      if (!product) return [];
      const events: OutgoingEvent[] = catalogEvents(product.storeId, 'store:flash_sale', {
        storeId: product.storeId,
        productId: product.id,
        product,
        phase,
        reason: 'scheduled',
        sale: toFlashSale(sale, nowMs),
        at,
      });
      const saleMinor = salePrice(product.priceMinor, sale);
      const previous = phase === 'started' ? product.priceMinor : saleMinor;
      if (product.effectivePriceMinor !== previous) events.push(...priceUpdated(product, previous));
      await this.outbox.write(trx, events);
      return events;
    });
    await this.outbox.publishCommitted(events);
  }

  private async schedule(): Promise<void> {
    if (this.closed) return;
    const next = await this.nextDueAt();
    this.wakeIn(next === undefined ? this.maxWaitMs : Math.min(this.maxWaitMs, Math.max(0, next - Date.now())));
  }

  private wakeIn(waitMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poke(), waitMs);
    this.timer.unref();
  }

  private async nextDueAt(): Promise<number | undefined> {
    const base = () => this.db.selectFrom('flash_sales').where('cancelled_at', 'is', null);
    const [start, end] = await Promise.all([
      base()
        .select('starts_at as at')
        .where('started_announced_at', 'is', null)
        .orderBy('starts_at')
        .limit(1)
        .executeTakeFirst(),
      base()
        .select('ends_at as at')
        .where('ended_announced_at', 'is', null)
        .orderBy('ends_at')
        .limit(1)
        .executeTakeFirst(),
    ]);
    const times = [start?.at, end?.at].filter((t): t is string => t !== undefined).map((t) => Date.parse(t));
    return times.length > 0 ? Math.min(...times) : undefined;
  }
}
