/** Options of the plain WebSocket face (`/api/ws`); every field has a documented default in DEFAULT_PLAIN_WS_OPTIONS. */
export interface PlainWsFaceOptions {
  /** How often the server sends a WebSocket ping; a peer that has not answered the previous one is closed, ms. Default 25 000. */
  pingIntervalMs: number;
  /** Largest inbound message, bytes; a larger one closes the socket with 1009. Default 16 384. */
  maxInboundFrameBytes: number;
  /** Outbound backlog per socket, bytes, before it is closed as slow (3008). Default 1 MiB. */
  maxOutboundBytes: number;
  /** Messages a socket may send per second, sustained; past it they are refused with `too_many_requests`. Default 20. */
  maxMessagesPerSecond: number;
  /** Messages a socket may send in a burst. Default twice maxMessagesPerSecond. */
  messageBurst: number;
  /** Most open orders a socket follows from the moment it connects (the newest first). Default 50. */
  maxFollowedOrders: number;
  /** `order_updated` messages a socket may have waiting for their order lookup before it is closed as slow. Default 256. */
  maxPendingOrderLookups: number;
}

export const DEFAULT_PLAIN_WS_OPTIONS: Readonly<PlainWsFaceOptions> = {
  pingIntervalMs: 25_000,
  maxInboundFrameBytes: 16 * 1024,
  maxOutboundBytes: 1024 * 1024,
  maxMessagesPerSecond: 20,
  messageBurst: 40,
  maxFollowedOrders: 50,
  maxPendingOrderLookups: 256,
};

/** Fills in defaults and refuses values that make no sense. */
export function resolvePlainWsOptions(options: Partial<PlainWsFaceOptions> = {}): PlainWsFaceOptions {
  const maxMessagesPerSecond = options.maxMessagesPerSecond ?? DEFAULT_PLAIN_WS_OPTIONS.maxMessagesPerSecond;
  const resolved: PlainWsFaceOptions = {
    ...DEFAULT_PLAIN_WS_OPTIONS,
    ...options,
    messageBurst: options.messageBurst ?? 2 * maxMessagesPerSecond,
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`plainWs.${key} must be a positive number`);
  }
  return resolved;
}
