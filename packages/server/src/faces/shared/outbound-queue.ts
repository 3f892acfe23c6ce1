import { WebSocket } from 'ws';
import { TextFrame, writeTextFrame } from './text-frame.js';

/**
 * Flushes every dirty queue: messages that become ready in the same tick leave in one frame,
 * and a busy channel costs one write per client per flush, not one per publication. Dirty
 * queues are chained through the queues themselves, so marking one allocates nothing.
 *
 * When the server is idle, a queue's first message of a tick is written at once, as raw `ws`'s
 * send would (a publication's tenth subscriber does not wait for the other nine to be queued),
 * and the flush runs as soon as the current task and its microtasks are done
 * (`process.nextTick`), writing whatever followed that first message as one frame. Once a flush
 * finds several queues holding several messages each, publications come faster than turns:
 * nothing is written at once, and flushes wait for the end of the event-loop turn
 * (`setImmediate`) to batch what the whole turn's I/O brings, until a flush batches (almost)
 * nothing. One queue alone batching (a client pipelining commands gets their replies in one
 * frame) says nothing about the server's load, and does not make it busy.
 */
export class FlushScheduler {
  private head: OutboundQueue | undefined;
  private tail: OutboundQueue | undefined;
  /** Whether the last flush wrote several queues' messages as batches (see the class comment). */
  private busy = false;

  /** Whether a queue's first push of a tick may be written at once (the server is idle). */
  get writesThrough(): boolean {
    return !this.busy;
  }

  markDirty(queue: OutboundQueue): void {
    if (this.tail) this.tail.nextDirty = queue;
    else {
      this.head = queue;
      if (this.busy) setImmediate(this.flushAll);
      else process.nextTick(this.flushAll);
    }
    this.tail = queue;
  }

  private readonly flushAll = (): void => {
    let queue = this.head;
    // Queues marked while these flush start a new chain and a new flush.
    this.head = this.tail = undefined;
    let batches = 0;
    while (queue) {
      const next = queue.nextDirty;
      queue.nextDirty = undefined;
      if (queue.flushScheduled()) batches++;
      queue = next;
    }
    this.busy = batches >= BUSY_BATCHES;
  };
}

/** Queues written as batches in one flush from which the server counts as busy. */
const BUSY_BATCHES = 2;

/** How many times per `maxBytes` queued a queue reads its connection's unsent bytes. */
const BACKLOG_CHECKS_PER_BUDGET = 16;

/** A protocol message waiting to be written: a string, or a publication's shared pre-built frame. */
export type OutboundMessage = string | TextFrame;

/** String length stands in for bytes: exact for the ASCII that JSON mostly is, and cheap. */
function sizeOf(message: OutboundMessage): number {
  return typeof message === 'string' ? message.length : message.bytes.length;
}

/** Where a queue writes: a WebSocket, or the response stream of an HTTP fallback transport. */
export interface OutboundSink {
  /** Bytes accepted by the connection but not sent yet: they count against the queue's budget. */
  readonly bufferedAmount: number;
  /** Writes the messages of one flush, in order, as one frame. */
  write(messages: readonly OutboundMessage[]): void;
  /** Writes a flush of one message (the usual case: no array needed). */
  writeOne(message: OutboundMessage): void;
}

/** Writes to a `ws` WebSocket: one frame per flush, pre-built publication frames written as they are. */
export class WebSocketSink implements OutboundSink {
  constructor(private readonly ws: WebSocket) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  write(messages: readonly OutboundMessage[]): void {
    writeTextFrame(this.ws, TextFrame.fromLines(messages));
  }

  writeOne(message: OutboundMessage): void {
    // A string (a reply) is framed here too: one socket write, not ws.send's header and payload.
    writeTextFrame(this.ws, typeof message === 'string' ? TextFrame.fromPayload(message) : message);
  }
}

/**
 * A connection's outbound messages: bounded in bytes, coalesced into newline-delimited
 * frames (one write per flush). When a client does not read fast enough and its backlog (queued +
 * unsent) passes `maxBytes` (give or take 1/16 of it), `onOverflow` runs once and nothing more
 * is queued: server memory stays bounded.
 */
export class OutboundQueue {
  /**
   * The first message of the next flush, and the whole batch once a second one comes in the
   * same tick. Most flushes carry one message and need no array; a batch array is not reused,
   * because emptying an array (`length = 0`) frees its backing store anyway, and a new one
   * per delivery on thousands of long-lived queues is what makes scavenges slow.
   */
  private first: OutboundMessage | undefined;
  private batch: OutboundMessage[] | undefined;
  private bytes = 0;
  /**
   * The connection's unsent bytes when last read, and what was queued since. Reading the
   * connection's backlog on every push cost ~1.5 % of a fan-out's CPU; read every 1/16 of the
   * budget, the backlog can pass the budget by at most that before the queue sees it. A stale
   * reading only errs high (the connection drains, it never fills by itself), and a push that
   * would overflow on it reads again first.
   */
  private backlog = 0;
  private uncheckedBytes = 0;
  private dirty = false;
  /** Whether this tick's first message was written at once (see FlushScheduler.writesThrough). */
  private wroteThrough = false;
  private overflowed = false;
  private readonly sink: OutboundSink;
  /** The next queue in the scheduler's chain of dirty queues (owned by FlushScheduler). */
  nextDirty: OutboundQueue | undefined;

  /** A `ws` WebSocket given as `target` is written through a WebSocketSink. */
  constructor(
    target: WebSocket | OutboundSink,
    private readonly scheduler: FlushScheduler,
    private readonly maxBytes: number,
    private readonly onOverflow: () => void,
  ) {
    this.sink = target instanceof WebSocket ? new WebSocketSink(target) : target;
  }

  /** Queues one protocol message (without its newline). Returns false once the queue has overflowed. */
  push(message: OutboundMessage): boolean {
    if (!this.admit(sizeOf(message))) return false;
    if (!this.writtenAtOnce(message)) this.enqueue(message);
    return true;
  }

  /**
   * Queues messages that leave together, in one frame (a publication and the ping riding on
   * it). Returns false once the queue has overflowed.
   */
  pushAll(messages: readonly OutboundMessage[]): boolean {
    let size = 0;
    for (const message of messages) size += sizeOf(message);
    if (!this.admit(size)) return false;
    if (!this.writtenAtOnce(messages)) for (const message of messages) this.enqueue(message);
    return true;
  }

  /**
   * The tick's first push is written at once when the server is idle (true); otherwise the
   * queue joins the scheduler's next flush and the push waits for it (false).
   */
  private writtenAtOnce(messages: OutboundMessage | readonly OutboundMessage[]): boolean {
    if (this.dirty) return false;
    this.dirty = true;
    if (this.scheduler.writesThrough) {
      this.writeThrough(messages);
      return true;
    }
    this.scheduler.markDirty(this);
    return false;
  }

  /** Counts `size` bytes against the budget; false (and overflow, once) past it. */
  private admit(size: number): boolean {
    if (this.overflowed) return false;
    this.bytes += size;
    this.uncheckedBytes += size;
    if (this.uncheckedBytes >= this.maxBytes / BACKLOG_CHECKS_PER_BUDGET) this.readBacklog();
    if (this.bytes + this.backlog > this.maxBytes && this.overBudgetNow()) {
      this.overflowed = true;
      this.drop();
      this.onOverflow();
      return false;
    }
    return true;
  }

  /**
   * Idle: the tick's first message leaves now, as raw ws's send would; the scheduler's flush
   * writes whatever follows it in this tick as one frame. Marked dirty after the write, so the
   * first subscriber's write does not wait for the flush to be scheduled.
   */
  private writeThrough(messages: OutboundMessage | readonly OutboundMessage[]): void {
    this.wroteThrough = true;
    this.bytes = 0;
    try {
      if (Array.isArray(messages)) this.sink.write(messages);
      else this.sink.writeOne(messages as OutboundMessage);
    } finally {
      this.scheduler.markDirty(this);
    }
  }

  private enqueue(message: OutboundMessage): void {
    if (this.first === undefined) this.first = message;
    else if (this.batch === undefined) this.batch = [this.first, message];
    else this.batch.push(message);
  }

  private readBacklog(): void {
    this.backlog = this.sink.bufferedAmount;
    this.uncheckedBytes = 0;
  }

  /** Whether the queue is over budget on a fresh reading of the connection's backlog. */
  private overBudgetNow(): boolean {
    this.readBacklog();
    return this.bytes + this.backlog > this.maxBytes;
  }

  /**
   * The scheduler's turn: the queue has left its chain of dirty queues, and writes. Returns
   * whether it wrote several messages as one frame.
   */
  flushScheduled(): boolean {
    this.dirty = false;
    // A message written through plus one queued after it is two in one tick: a batch too.
    const batched = this.batch !== undefined || (this.wroteThrough && this.first !== undefined);
    this.wroteThrough = false;
    this.flush();
    return batched;
  }

  /**
   * Writes what is queued now, as one frame. A queue stays marked dirty (and in the
   * scheduler's chain) until the scheduler's turn, so a push after this never links it twice.
   */
  flush(): void {
    const first = this.first;
    if (first === undefined) return;
    const batch = this.batch;
    this.drop();
    if (batch) this.sink.write(batch);
    else this.sink.writeOne(first);
  }

  /** Drops whatever is queued (the connection is closing). */
  clear(): void {
    this.drop();
    this.overflowed = true;
  }

  private drop(): void {
    this.first = undefined;
    this.batch = undefined;
    this.bytes = 0;
  }
}
