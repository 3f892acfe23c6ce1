/** Where an outbound queue writes: a WebSocket, in practice. */
export interface OutboundSink {
  /** Bytes written but not yet handed to the kernel. */
  readonly bufferedAmount: number;
  send(frame: string): void;
}

/**
 * Flushes every dirty queue once per turn of the event loop: messages that become ready in
 * the same tick leave in one frame, and a busy channel costs one write per client per tick,
 * not one per publication.
 */
export class FlushScheduler {
  private dirty: OutboundQueue[] = [];
  private scheduled = false;

  markDirty(queue: OutboundQueue): void {
    this.dirty.push(queue);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
  }

  private readonly flushAll = (): void => {
    this.scheduled = false;
    const queues = this.dirty;
    this.dirty = [];
    for (const queue of queues) queue.flush();
  };
}

/**
 * A connection's outbound messages: bounded in bytes, coalesced into newline-delimited frames.
 * When a client does not read fast enough and its backlog (queued + unsent) passes
 * `maxBytes`, `onOverflow` runs once and nothing more is queued: server memory stays bounded.
 */
export class OutboundQueue {
  private lines: string[] = [];
  private bytes = 0;
  private dirty = false;
  private overflowed = false;

  constructor(
    private readonly sink: OutboundSink,
    private readonly scheduler: FlushScheduler,
    private readonly maxBytes: number,
    private readonly onOverflow: () => void,
  ) {}

  /** Queues one protocol message (without its newline). Returns false once the queue has overflowed. */
  push(line: string): boolean {
    if (this.overflowed) return false;
    // String length is a cheap stand-in for bytes: exact for the ASCII that JSON mostly is.
    this.bytes += line.length;
    if (this.bytes + this.sink.bufferedAmount > this.maxBytes) {
      this.overflowed = true;
      this.lines = [];
      this.bytes = 0;
      this.onOverflow();
      return false;
    }
    this.lines.push(line);
    if (!this.dirty) {
      this.dirty = true;
      this.scheduler.markDirty(this);
    }
    return true;
  }

  /** Writes what is queued now, as one frame. */
  flush(): void {
    this.dirty = false;
    const lines = this.lines;
    if (lines.length === 0) return;
    this.lines = [];
    this.bytes = 0;
    this.sink.send(lines.length === 1 ? (lines[0] as string) : lines.join('\n'));
  }

  /** Drops whatever is queued (the connection is closing). */
  clear(): void {
    this.lines = [];
    this.bytes = 0;
    this.overflowed = true;
  }
}
