import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

/**
 * A complete server-to-client WebSocket text frame (header + payload, unmasked), built once per
 * publication and written as-is to every subscriber's socket. This is where fan-out saves
 * most: no per-client copy, header or second write, as `ws.send` would do for each client.
 */
export class TextFrame {
  private constructor(
    readonly bytes: Buffer,
    private readonly headerLength: number,
  ) {}

  static fromPayload(payload: Buffer | string): TextFrame {
    const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    const headerLength = frameHeaderLength(length);
    const bytes = Buffer.allocUnsafe(headerLength + length);
    writeFrameHeader(bytes, length);
    if (typeof payload === 'string') bytes.write(payload, headerLength);
    else payload.copy(bytes, headerLength);
    return new TextFrame(bytes, headerLength);
  }

  /** One frame holding several messages separated by '\n', with a single allocation. */
  static fromLines(lines: ReadonlyArray<string | TextFrame>): TextFrame {
    let length = lines.length - 1;
    for (const line of lines) length += typeof line === 'string' ? Buffer.byteLength(line) : line.payloadLength;
    const headerLength = frameHeaderLength(length);
    const bytes = Buffer.allocUnsafe(headerLength + length);
    writeFrameHeader(bytes, length);
    let position = headerLength;
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) bytes[position++] = 0x0a;
      const line = lines[i] as string | TextFrame;
      position +=
        typeof line === 'string' ? bytes.write(line, position) : line.bytes.copy(bytes, position, line.headerLength);
    }
    return new TextFrame(bytes, headerLength);
  }

  get payloadLength(): number {
    return this.bytes.length - this.headerLength;
  }

  get payload(): Buffer {
    return this.bytes.subarray(this.headerLength);
  }
}

function frameHeaderLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10;
}

function writeFrameHeader(target: Buffer, payloadLength: number): void {
  target[0] = 0x81; // FIN + text opcode
  if (payloadLength < 126) {
    target[1] = payloadLength;
  } else if (payloadLength < 65_536) {
    target[1] = 126;
    target.writeUInt16BE(payloadLength, 2);
  } else {
    target[1] = 127;
    target.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), 2);
    target.writeUInt32BE(payloadLength >>> 0, 6);
  }
}

/** The parts of `ws` internals the fast path relies on (ws 8). */
interface WebSocketInternals {
  _socket?: Socket | null;
  _sender?: { _state: number; _queue: unknown[] };
}

/**
 * Writes pre-built frames to a `ws` WebSocket. It writes to the socket directly only when the
 * socket is open and `ws`'s sender has nothing queued (always, with compression off), so
 * frames never interleave; otherwise it falls back to `ws.send`.
 */
export function writeTextFrame(ws: WebSocket, frame: TextFrame): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  const internals = ws as unknown as WebSocketInternals;
  const socket = internals._socket;
  const sender = internals._sender;
  if (socket && sender && sender._state === 0 && sender._queue.length === 0) {
    socket.write(frame.bytes);
  } else {
    ws.send(frame.payload, { binary: false });
  }
}
