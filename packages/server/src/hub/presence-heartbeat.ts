import type { Engine } from '../engines/engine.js';
import type { Logger } from '../logger.js';
import type { HubClient } from './client.js';

/** A presence entry of this node: a client on a channel whose namespace keeps presence. */
export type PresenceEntry = readonly [channel: string, client: HubClient];

/** Slices a renewal round is cut into. */
const SLICES_PER_ROUND = 100;

/**
 * Renews this node's presence entries once per round (a third of the TTL). An engine shared by
 * several nodes (Redis) expires entries that stop being renewed, so the clients of a node that
 * died leave no zombie users behind once the TTL has passed.
 *
 * A round is spread over its whole length in small slices: renewing every entry at once (5,000
 * Redis calls for a node with 5,000 connected users) stalled publications for tens of
 * milliseconds. A slice renews only entries that are still present, so a client that left
 * during the round is not brought back.
 */
export class PresenceHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly roundMs: number;
  private round: PresenceEntry[] = [];
  private cursor = 0;
  private roundStartedAtMs = -Infinity;
  private writing = false;

  constructor(
    private readonly engine: Engine,
    private readonly ttlMs: number,
    private readonly entries: () => Iterable<PresenceEntry>,
    private readonly isPresent: (entry: PresenceEntry) => boolean,
    private readonly logger: Logger,
  ) {
    this.roundMs = Math.max(100, Math.floor(ttlMs / 3));
  }

  start(): void {
    // The first round starts one round after the entries were written by their subscribes.
    this.roundStartedAtMs = Date.now();
    this.timer = setInterval(() => void this.renewSlice(Date.now()), Math.max(10, this.roundMs / SLICES_PER_ROUND));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renewSlice(nowMs: number): Promise<void> {
    // Redis is slow to answer: the round stretches rather than piling up writes.
    if (this.writing) return;
    if (this.cursor >= this.round.length) {
      if (nowMs - this.roundStartedAtMs < this.roundMs) return;
      this.round = [...this.entries()];
      this.cursor = 0;
      this.roundStartedAtMs = nowMs;
    }
    const end = this.cursor + Math.ceil(this.round.length / SLICES_PER_ROUND);
    const slice = this.round.slice(this.cursor, end);
    this.cursor = end;
    if (this.cursor >= this.round.length) this.round = [];
    this.writing = true;
    try {
      await Promise.all(
        slice
          .filter(this.isPresent)
          .map(([channel, client]) => this.engine.addPresence(channel, client.id, client.info, this.ttlMs)),
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'renewing presence failed; the next round retries');
    } finally {
      this.writing = false;
    }
  }
}
