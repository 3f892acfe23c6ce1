import { WebSocket } from 'ws';
import { TextFrame, writeTextFrame } from './text-frame.js';

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

/** A protocol message waiting to be written: a string, or a publication's shared pre-built frame. */
export type OutboundMessage = string | TextFrame;

/** Where a queue writes: a WebSocket, or the response stream of an HTTP fallback transport. */
export interface OutboundSink {
  /** Bytes accepted by the connection but not sent yet: they count against the queue's budget. */
  readonly bufferedAmount: number;
  /** Writes the messages of one flush, in order. The array is reused once this returns. */
  write(messages: readonly OutboundMessage[]): void;
}

/** Writes to a `ws` WebSocket: one frame per flush, pre-built publication frames written as they are. */
export class WebSocketSink implements OutboundSink {
  constructor(private readonly ws: WebSocket) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  write(messages: readonly OutboundMessage[]): void {
    const only = messages.length === 1 ? messages[0] : undefined;
    if (typeof only === 'string') this.ws.send(only);
    else writeTextFrame(this.ws, only ?? TextFrame.fromLines(messages));
  }
}

/**
 * A connection's outbound messages: bounded in bytes, coalesced into newline-delimited
 * frames (one write per flush). When a client does not read fast enough and its backlog (queued +
 * unsent) passes `maxBytes`, `onOverflow` runs once and nothing more is queued: server memory
 * stays bounded.
 */
export class OutboundQueue {
  private readonly messages: OutboundMessage[] = [];
  private bytes = 0;
  private dirty = false;
  private overflowed = false;
  private readonly sink: OutboundSink;

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
    if (this.overflowed) return false;
    // String length stands in for bytes: exact for the ASCII that JSON mostly is, and cheap.
    this.bytes += typeof message === 'string' ? message.length : message.bytes.length;
    if (this.bytes + this.sink.bufferedAmount > this.maxBytes) {
      this.overflowed = true;
      this.messages.length = 0;
      this.bytes = 0;
      this.onOverflow();
      return false;
    }
    this.messages.push(message);
    if (!this.dirty) {
      this.dirty = true;
      this.scheduler.markDirty(this);
    }
    return true;
  }

  /** Writes what is queued now, as one frame. */
  flush(): void {
    this.dirty = false;
    const messages = this.messages;
    if (messages.length === 0) return;
    this.bytes = 0;
    this.sink.write(messages);
    // The array is reused, not replaced: a fresh array per flush on each of thousands of
    // long-lived connections is what makes young-generation GC pauses long.
    messages.length = 0;
  }

  /** Drops whatever is queued (the connection is closing). */
  clear(): void {
    this.messages.length = 0;
    this.bytes = 0;
    this.overflowed = true;
  }
}
