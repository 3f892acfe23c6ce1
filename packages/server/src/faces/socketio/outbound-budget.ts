import type { Socket as EngineSocket } from 'engine.io';

/** What engine.io hands its `packetCreate` listeners. */
interface EnginePacket {
  readonly data?: unknown;
}

/** The `ws` WebSocket under engine.io's websocket transport, as far as the budget reads it. */
interface RawWebSocket {
  readonly bufferedAmount: number;
  terminate(): void;
}

const watched = new WeakSet<EngineSocket>();

/**
 * Holds an engine.io connection's outbound backlog to `maxBytes`: packets waiting in
 * engine.io's write buffer (the transport is busy, or a long-polling client has not polled)
 * plus, on WebSocket, bytes `ws` has not handed to the kernel yet. A client that stops reading
 * grows that backlog without bound; past the budget, `onOverflow` runs once and the connection
 * is dropped (every namespace on it), its sockets' sessions saved: the client reconnects and
 * recovers what it missed from the hub's history. One watch per connection, whatever the
 * number of namespaces multiplexed on it.
 */
export function limitOutboundBytes(conn: EngineSocket, maxBytes: number, onOverflow: () => void): void {
  if (watched.has(conn)) return;
  watched.add(conn);
  let queuedBytes = 0;
  let overflowed = false;
  conn.on('packetCreate', (packet: EnginePacket) => {
    if (overflowed) return;
    queuedBytes += sizeOf(packet.data);
    if (queuedBytes + transportBacklog(conn) <= maxBytes) return;
    overflowed = true;
    // Not inside engine.io's sendPacket: drop the connection once the emit under way returns.
    process.nextTick(() => {
      onOverflow();
      dropConnection(conn);
    });
  });
  // A flush hands the whole write buffer to the transport (where transportBacklog sees what is left).
  conn.on('flush', () => {
    queuedBytes = 0;
  });
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (Buffer.isBuffer(data) || data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}

function rawWebSocket(conn: EngineSocket): RawWebSocket | undefined {
  if (conn.transport.name !== 'websocket') return undefined;
  return (conn.transport as unknown as { socket?: RawWebSocket }).socket;
}

function transportBacklog(conn: EngineSocket): number {
  return rawWebSocket(conn)?.bufferedAmount ?? 0;
}

/**
 * Closes at once, discarding the backlog: engine.io's close would wait for the write buffer to
 * drain, which a client that does not read never lets happen. socket.io sees a "forced close",
 * a reason it saves the session for.
 */
function dropConnection(conn: EngineSocket): void {
  const ws = rawWebSocket(conn);
  conn.close(true);
  ws?.terminate();
}
