/**
 * Error and disconnect codes, defined once for every face and the client.
 *
 * Dabba's own errors carry a string code (`ErrorCode`). Faces that speak the Centrifugo
 * client protocol translate them to its numeric error codes, so that any Centrifugo SDK
 * reacts correctly (retries temporary errors, refreshes an expired token, stops on the rest).
 */

/** String error codes: what REST replies and logs carry. */
export const ERROR_CODES = [
  'internal',
  'unauthorized',
  'token_expired',
  'unknown_channel',
  'permission_denied',
  'forbidden',
  'method_not_found',
  'already_subscribed',
  'limit_exceeded',
  'bad_request',
  'not_available',
  'not_found',
  'conflict',
  'too_many_requests',
  'unrecoverable_position',
  'payload_too_large',
  'validation_failed',
  'order_transition_invalid',
  'store_closed',
  'rate_limited',
  'idempotency_conflict',
  'chat_closed',
  'chat_already_claimed',
  'message_too_long',
  'product_unavailable',
  'out_of_stock',
  'price_changed',
  'cart_version_conflict',
  'cart_store_mismatch',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

interface ErrorCodeInfo {
  /** Centrifugo client/server API numeric code. */
  readonly protocolCode: number;
  /** HTTP status for REST and the server API's transport-level failures. */
  readonly httpStatus: number;
  /** A client may retry the same command later. */
  readonly temporary: boolean;
}

/** Numeric codes follow centrifugal.dev "Client protocol codes" (100–112). */
export const ERROR_CODE_INFO: Readonly<Record<ErrorCode, ErrorCodeInfo>> = {
  internal: { protocolCode: 100, httpStatus: 500, temporary: true },
  unauthorized: { protocolCode: 101, httpStatus: 401, temporary: false },
  unknown_channel: { protocolCode: 102, httpStatus: 404, temporary: false },
  permission_denied: { protocolCode: 103, httpStatus: 403, temporary: false },
  forbidden: { protocolCode: 103, httpStatus: 403, temporary: false },
  method_not_found: { protocolCode: 104, httpStatus: 404, temporary: false },
  already_subscribed: { protocolCode: 105, httpStatus: 409, temporary: false },
  limit_exceeded: { protocolCode: 106, httpStatus: 429, temporary: false },
  bad_request: { protocolCode: 107, httpStatus: 400, temporary: false },
  payload_too_large: { protocolCode: 107, httpStatus: 413, temporary: false },
  not_available: { protocolCode: 108, httpStatus: 503, temporary: false },
  not_found: { protocolCode: 108, httpStatus: 404, temporary: false },
  conflict: { protocolCode: 108, httpStatus: 409, temporary: false },
  token_expired: { protocolCode: 109, httpStatus: 401, temporary: false },
  too_many_requests: { protocolCode: 111, httpStatus: 429, temporary: true },
  unrecoverable_position: { protocolCode: 112, httpStatus: 409, temporary: false },
  validation_failed: { protocolCode: 107, httpStatus: 400, temporary: false },
  order_transition_invalid: { protocolCode: 108, httpStatus: 409, temporary: false },
  store_closed: { protocolCode: 108, httpStatus: 409, temporary: false },
  rate_limited: { protocolCode: 111, httpStatus: 429, temporary: true },
  idempotency_conflict: { protocolCode: 108, httpStatus: 409, temporary: false },
  chat_closed: { protocolCode: 108, httpStatus: 409, temporary: false },
  chat_already_claimed: { protocolCode: 108, httpStatus: 409, temporary: false },
  message_too_long: { protocolCode: 107, httpStatus: 400, temporary: false },
  product_unavailable: { protocolCode: 108, httpStatus: 409, temporary: false },
  out_of_stock: { protocolCode: 108, httpStatus: 409, temporary: false },
  price_changed: { protocolCode: 108, httpStatus: 409, temporary: false },
  cart_version_conflict: { protocolCode: 108, httpStatus: 409, temporary: false },
  cart_store_mismatch: { protocolCode: 108, httpStatus: 409, temporary: false },
};

/**
 * Disconnect codes (WebSocket close codes). 3000–3499 and 4000–4499: the client reconnects;
 * 3500–3999 and 4500–4999: terminal, the client stays disconnected.
 */
export const DISCONNECT = {
  shutdown: { code: 3001, reason: 'shutdown' },
  serverError: { code: 3004, reason: 'internal server error' },
  expired: { code: 3005, reason: 'connection expired' },
  slow: { code: 3008, reason: 'slow' },
  writeError: { code: 3009, reason: 'write error' },
  forceReconnect: { code: 3011, reason: 'force reconnect' },
  noPong: { code: 3012, reason: 'no pong' },
  tooManyRequests: { code: 3013, reason: 'too many requests' },
  invalidToken: { code: 3500, reason: 'invalid token' },
  badRequest: { code: 3501, reason: 'bad request' },
  stale: { code: 3502, reason: 'stale' },
  forceNoReconnect: { code: 3503, reason: 'force disconnect' },
  connectionLimit: { code: 3504, reason: 'connection limit' },
  channelLimit: { code: 3505, reason: 'channel limit' },
  permissionDenied: { code: 3507, reason: 'permission denied' },
  messageSizeLimit: { code: 3511, reason: 'message size limit exceeded' },
} as const;

export type DisconnectName = keyof typeof DISCONNECT;

/** Unsubscribe push code when the server ends a subscription; below 2500 the client does not resubscribe. */
export const SERVER_UNSUBSCRIBE = { code: 2000, reason: 'server unsubscribe' } as const;

export interface Disconnect {
  readonly code: number;
  readonly reason: string;
}

/** Whether a client that received this disconnect code should reconnect. */
export function shouldReconnect(code: number): boolean {
  return !((code >= 3500 && code < 4000) || (code >= 4500 && code < 5000));
}
