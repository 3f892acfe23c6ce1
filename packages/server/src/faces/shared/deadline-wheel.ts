/**
 * What a DeadlineWheel holds: the wheel keeps an entry's place on the entry itself (two small
 * integers), so scheduling allocates nothing per entry and removal is O(1).
 */
export interface WheelEntry {
  /** The slot the entry waits in; -1 when it is not scheduled. Owned by the wheel. */
  wheelSlot: number;
  /** The entry's index in its slot. Owned by the wheel. */
  wheelIndex: number;
}

/** A fresh entry's wheel fields: spread into a class's field initializers, or assigned. */
export const UNSCHEDULED = -1;

/**
 * Widest slot, ms: a deadline (a ping, a pong timeout, a token's expiry) is met within this of
 * its time. Each slot is a timer wake-up of an otherwise idle server; at 100 ms a ping due every
 * 25 s is sent within 0.4 % of its interval.
 */
const MAX_SLOT_MS = 100;

/** The slot width for deadlines that recur every `periodsMs` (at least 1 ms, at most MAX_SLOT_MS). */
export function slotMsFor(...periodsMs: number[]): number {
  return Math.max(1, Math.min(MAX_SLOT_MS, ...periodsMs));
}

/**
 * When a new connection's first ping is due: a little early, at a random point, so that
 * connections that came together (after a deploy, say) are not pinged together forever after.
 */
export function firstPingAtMs(nowMs: number, pingIntervalMs: number): number {
  return nowMs + pingIntervalMs - Math.random() * Math.min(pingIntervalMs / 2, 5_000);
}

/**
 * A timing wheel for per-connection deadlines (next ping, pong timeout, token expiry): entries
 * are bucketed by `slotMs`, and `advance` touches only the buckets whose time has come.
 *
 * Why not walk every connection on each tick: at 10,000 connections that walk took ~0.5 ms
 * every 50 ms (cache misses on cold connection objects), and the publications that arrived
 * meanwhile waited for it; it was most of the native face's p99 latency. Why not one timer per
 * connection: a Timeout object per connection costs memory and re-arming it on every pong
 * costs time. Here a pass costs O(entries due), and a connection's pings are spread over time
 * by its own schedule.
 */
export class DeadlineWheel<T extends WheelEntry> {
  private readonly slots = new Map<number, T[]>();
  /** The first slot not yet handed out by `advance`. */
  private nextSlot: number;
  private entries = 0;
  /** Set by `start`: the timer runs only while entries wait (an idle face does not wake the process). */
  private due: ((entry: T, nowMs: number) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param slotMs width of a slot, ms: deadlines are met within one slot (and one tick of the
   *   caller's timer) after they pass.
   */
  constructor(
    readonly slotMs: number,
    nowMs: number = Date.now(),
  ) {
    if (!(slotMs > 0)) throw new RangeError(`slotMs must be positive, got ${slotMs}`);
    this.nextSlot = Math.floor(nowMs / slotMs) + 1;
  }

  /** Entries waiting (for metrics and tests). */
  get size(): number {
    return this.entries;
  }

  /**
   * (Re)schedules `entry` for `dueMs` (ms since epoch), replacing any earlier schedule;
   * `Infinity` unschedules it. A deadline already past is handed out by the next `advance`.
   */
  schedule(entry: T, dueMs: number): void {
    if (dueMs === Infinity) return this.remove(entry);
    const slot = Math.max(this.nextSlot, Math.ceil(dueMs / this.slotMs));
    if (entry.wheelSlot === slot) return;
    this.remove(entry);
    let bucket = this.slots.get(slot);
    if (bucket === undefined) this.slots.set(slot, (bucket = []));
    entry.wheelSlot = slot;
    entry.wheelIndex = bucket.length;
    bucket.push(entry);
    if (this.entries++ === 0) this.arm();
  }

  /** Takes `entry` off the wheel, if it is on it (a closed connection must not be kept alive by it). */
  remove(entry: T): void {
    const slot = entry.wheelSlot;
    if (slot === UNSCHEDULED) return;
    entry.wheelSlot = UNSCHEDULED;
    this.taken();
    const bucket = this.slots.get(slot);
    // No bucket: `advance` is handing this slot out right now and will skip the entry.
    if (bucket === undefined) return;
    const last = bucket.pop()!;
    if (last !== entry) {
      bucket[entry.wheelIndex] = last;
      last.wheelIndex = entry.wheelIndex;
    }
    if (bucket.length === 0) this.slots.delete(slot);
  }

  /**
   * Advances the wheel every slot, while it holds entries, until `stop` (the timer does not keep
   * the process alive).
   */
  start(due: (entry: T, nowMs: number) => void): void {
    this.stop();
    this.due = due;
    if (this.entries > 0) this.arm();
  }

  stop(): void {
    this.due = undefined;
    this.disarm();
  }

  private arm(): void {
    const due = this.due;
    if (due === undefined || this.timer !== undefined) return;
    this.timer = setInterval(() => this.advance(Date.now(), due), this.slotMs);
    this.timer.unref();
  }

  private disarm(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** An entry left the wheel. */
  private taken(): void {
    if (--this.entries === 0) this.disarm();
  }

  /**
   * Hands every entry whose slot has ended by `nowMs` to `due`, each once, and takes it off the
   * wheel first: `due` schedules it again if it still has a deadline.
   */
  advance(nowMs: number, due: (entry: T, nowMs: number) => void): void {
    const lastSlot = Math.floor(nowMs / this.slotMs);
    // After a long stall (or a clock jump) walk the occupied slots, not every slot in between.
    if (lastSlot - this.nextSlot > this.slots.size) {
      const passed = [...this.slots.keys()].filter((slot) => slot <= lastSlot).sort((a, b) => a - b);
      this.nextSlot = lastSlot + 1;
      for (const slot of passed) this.handOut(slot, nowMs, due);
      return;
    }
    while (this.nextSlot <= lastSlot) this.handOut(this.nextSlot++, nowMs, due);
  }

  private handOut(slot: number, nowMs: number, due: (entry: T, nowMs: number) => void): void {
    const bucket = this.slots.get(slot);
    if (bucket === undefined) return;
    this.slots.delete(slot);
    for (const entry of bucket) {
      // Removed or rescheduled by an earlier `due` of this pass.
      if (entry.wheelSlot !== slot) continue;
      entry.wheelSlot = UNSCHEDULED;
      this.taken();
      due(entry, nowMs);
    }
  }
}
