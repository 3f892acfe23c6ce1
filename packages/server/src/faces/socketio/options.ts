/** Options of the Socket.IO face; every field has a documented default in DEFAULT_SOCKETIO_OPTIONS. */
export interface SocketIoFaceOptions {
  /** Largest inbound message (engine.io `maxHttpBufferSize`), bytes; a larger one closes the connection. Default 65 536. */
  maxMessageBytes: number;
  /** Events a socket may send per second, sustained; past it they get a `too_many_requests` error. Default 20. */
  maxEventsPerSecond: number;
  /** Events a socket may send in a burst. Default twice maxEventsPerSecond. */
  eventBurst: number;
  /**
   * Connection state recovery window, ms: a client that reconnects within it gets every event it
   * missed, replayed from the hub's history (socket.io's `maxDisconnectionDuration`). 0 turns
   * recovery off. Default 120 000.
   */
  recoveryWindowMs: number;
  /**
   * Deliveries a socket remembers the stream position of, for recovery: a client that lost more
   * events than this in flight when its transport dropped is not recovered. Default 256.
   */
  recoveryJournalSize: number;
  /** How long a new connection may take to join a namespace, ms (socket.io `connectTimeout`). Default 10 000. */
  connectTimeoutMs: number;
  /** engine.io heartbeat interval, ms. Default 25 000. */
  pingIntervalMs: number;
  /** How long engine.io waits for a heartbeat answer, ms. Default 20 000. */
  pingTimeoutMs: number;
  /** Warnings about unknown events a face logs per second at most (the rest are counted). Default 1. */
  unknownEventWarningsPerSecond: number;
  /**
   * Outbound backlog per connection, bytes (engine.io's write buffer plus what the WebSocket has
   * not sent): past it the client is disconnected as a slow consumer and recovers on reconnect.
   * Default 1 MiB, like the native face's `maxOutboundBytes`.
   */
  maxOutboundBytes: number;
}

export const DEFAULT_SOCKETIO_OPTIONS: Readonly<SocketIoFaceOptions> = {
  maxMessageBytes: 64 * 1024,
  maxEventsPerSecond: 20,
  eventBurst: 40,
  recoveryWindowMs: 2 * 60_000,
  recoveryJournalSize: 256,
  connectTimeoutMs: 10_000,
  pingIntervalMs: 25_000,
  pingTimeoutMs: 20_000,
  unknownEventWarningsPerSecond: 1,
  maxOutboundBytes: 1024 * 1024,
};

/** Fills in defaults and refuses values that make no sense. */
export function resolveSocketIoOptions(options: Partial<SocketIoFaceOptions> = {}): SocketIoFaceOptions {
  const maxEventsPerSecond = options.maxEventsPerSecond ?? DEFAULT_SOCKETIO_OPTIONS.maxEventsPerSecond;
  const resolved: SocketIoFaceOptions = {
    ...DEFAULT_SOCKETIO_OPTIONS,
    ...options,
    eventBurst: options.eventBurst ?? 2 * maxEventsPerSecond,
  };
  for (const [key, value] of Object.entries(resolved)) {
    const mayBeZero = key === 'recoveryWindowMs';
    if (!Number.isFinite(value) || value < 0 || (value === 0 && !mayBeZero))
      throw new TypeError(`socketio.${key} must be a positive number`);
  }
  return resolved;
}
