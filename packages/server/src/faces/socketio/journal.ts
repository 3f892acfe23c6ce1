import { z } from 'zod';

/** A place in a channel's stream: the last publication received, as the engine numbers it. */
export interface StreamPoint {
  readonly offset: number;
  readonly epoch: string;
}

const streamPointSchema = z.object({ offset: z.number().int().nonnegative(), epoch: z.string().max(128) });

/** What a journal saves when its socket's transport drops, and reads back to recover it. */
export const journalStateSchema = z.object({
  /** The last sequence number handed out. */
  seq: z.number().int().nonnegative(),
  /** The lowest client offset the journal can still answer. */
  floorSeq: z.number().int().nonnegative(),
  /** Each followed channel's position before the entries below; null when it keeps no history. */
  bases: z.record(z.string(), streamPointSchema.nullable()),
  /** Recent deliveries, oldest first. */
  entries: z.array(
    z.object({ seq: z.number().int().positive(), channel: z.string(), offset: z.number().int(), epoch: z.string() }),
  ),
});

export type JournalState = z.infer<typeof journalStateSchema>;

/**
 * Where a Socket.IO socket stands in each hub channel it follows. socket.io-client remembers
 * one offset string: the last one it received, whatever the channel. So every delivery gets
 * the socket's next sequence number as its offset, and the journal keeps, for its last
 * `capacity` deliveries, which channel position each number stands for. From a client's
 * offset it rebuilds the position of every channel at that moment: what came after is what the
 * client missed, and the hub's history has it. The journal holds positions, never events.
 */
export class DeliveryJournal {
  private constructor(
    private state: JournalState,
    private readonly capacity: number,
  ) {}

  static empty(capacity: number): DeliveryJournal {
    return new DeliveryJournal({ seq: 0, floorSeq: 0, bases: {}, entries: [] }, capacity);
  }

  static from(state: JournalState, capacity: number): DeliveryJournal {
    return new DeliveryJournal(structuredClone(state), capacity);
  }

  /** The offset string of the newest delivery (what a client that received everything holds). */
  get offset(): string {
    return String(this.state.seq);
  }

  follows(channel: string): boolean {
    return channel in this.state.bases;
  }

  channels(): string[] {
    return Object.keys(this.state.bases);
  }

  /** Starts tracking a channel at `position` (undefined: the channel keeps no history). */
  follow(channel: string, position: StreamPoint | undefined): void {
    this.state.bases[channel] = position ?? null;
  }

  forget(channel: string): void {
    if (!this.follows(channel)) return;
    delete this.state.bases[channel];
    this.state.entries = this.state.entries.filter((e) => e.channel !== channel);
  }

  /** Records a delivery and returns its offset string. */
  record(channel: string, position: StreamPoint): string {
    const seq = ++this.state.seq;
    if (position.offset > 0 && this.follows(channel)) {
      this.state.entries.push({ seq, channel, offset: position.offset, epoch: position.epoch });
      if (this.state.entries.length > this.capacity) this.fold();
    }
    return String(seq);
  }

  snapshot(): JournalState {
    return structuredClone(this.state);
  }

  /**
   * Each followed channel's position when the client had received up to `offset`; undefined
   * when the journal cannot say (an offset it never gave out, or one folded away).
   */
  static positionsAt(state: JournalState, offset: string): Map<string, StreamPoint | null> | undefined {
    if (!/^\d{1,15}$/.test(offset)) return undefined;
    const k = Number(offset);
    if (k < state.floorSeq || k > state.seq) return undefined;
    const positions = new Map<string, StreamPoint | null>(Object.entries(state.bases));
    for (const entry of state.entries) {
      if (entry.seq > k) break;
      if (positions.has(entry.channel)) positions.set(entry.channel, { offset: entry.offset, epoch: entry.epoch });
    }
    return positions;
  }

  /** Drops the oldest entry into its channel's base: offsets before it can no longer be answered. */
  private fold(): void {
    const oldest = this.state.entries.shift();
    if (!oldest) return;
    this.state.bases[oldest.channel] = { offset: oldest.offset, epoch: oldest.epoch };
    this.state.floorSeq = oldest.seq;
  }
}
