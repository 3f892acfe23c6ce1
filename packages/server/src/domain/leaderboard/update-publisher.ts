import type { LeaderboardEntry } from '@dabba/protocol';
import { channels } from '@dabba/protocol';
import type { Hub } from '../../hub/hub.js';
import type { Logger } from '../../logger.js';
import { domainEvent } from '../events.js';

/**
 * Publishes `leaderboard:update` (the top N) when it changes, coalesced: a change is published at
 * once when the last check was at least `intervalMs` ago, otherwise when that interval has passed,
 * so a burst of awards costs one publication per interval however long it lasts. The top N is
 * read from the store at publish time, so the last publication of a burst is always current.
 * It is derived state, not a record: it goes straight to the hub, not through the outbox.
 */
export class LeaderboardUpdates {
  private timer: NodeJS.Timeout | undefined;
  /** When the last check started; the next may start `intervalMs` later. */
  private lastCheckAtMs = Number.NEGATIVE_INFINITY;
  private lastPublished: string | undefined;
  private checking: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly hub: Hub,
    private readonly logger: Logger,
    private readonly loadTop: () => Promise<LeaderboardEntry[]>,
    private readonly intervalMs: number,
  ) {}

  /** Says points changed (after commit); the top N is checked soon, at most once per interval. */
  touch(): void {
    if (this.timer !== undefined || this.closed) return;
    const waitMs = Math.max(0, this.lastCheckAtMs + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Checks never overlap: a slow store must not let two publications through in one interval.
      this.checking = this.checking.then(() => this.check());
    }, waitMs);
    this.timer.unref();
  }

  /** Stops the timer; a check already running finishes. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  private async check(): Promise<void> {
    if (this.closed) return;
    this.lastCheckAtMs = Date.now();
    try {
      const entries = await this.loadTop();
      const signature = JSON.stringify(entries);
      if (signature === this.lastPublished) return;
      const event = domainEvent(channels.leaderboard, 'leaderboard:update', {
        entries,
        at: new Date().toISOString(),
      });
      await this.hub.publish(event.channel, { id: event.id, type: event.type, data: event.data });
      this.lastPublished = signature;
    } catch (error) {
      this.logger.error({ err: error }, 'publishing the leaderboard top failed');
    }
  }
}
