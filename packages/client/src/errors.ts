/** What went wrong, as a string code an app can switch on. */
export type ClientErrorCode =
  /** A publication's data did not match the catalog schema of its type; it was not delivered. */
  | 'invalid_event'
  /** `GET /orders/:id/tracking` failed or returned something that is not a snapshot. */
  | 'snapshot_failed'
  /** The server refused a subscription (permission, unknown channel…). */
  | 'subscribe_failed'
  /** The server rejected an rpc call; `serverCode` is its protocol code. */
  | 'rpc_failed'
  /** An outbox entry was dropped: the outbox was full and this was the oldest. */
  | 'outbox_overflow'
  /** An outbox entry was replaced by a newer one of the same latest-wins method. */
  | 'outbox_superseded'
  /** The outbox was cleared, or the client closed, before the entry was sent. */
  | 'outbox_cleared'
  /** Reading or writing the outbox's storage failed. */
  | 'storage_failed'
  /** A listener the app registered threw. */
  | 'listener_failed';

/** The one error type of `@dabba/client`. */
export class DabbaClientError extends Error {
  override readonly name = 'DabbaClientError';

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** centrifuge-js rejects with `{code, message, temporary?}` objects, not Errors. */
export interface ProtocolErrorLike {
  code: number;
  message: string;
  temporary?: boolean;
}

export function isProtocolError(value: unknown): value is ProtocolErrorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'number' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/**
 * Whether a failed call may succeed if sent again: centrifuge-js's own codes (< 100: timeout,
 * transport closed, client disconnected…) and errors the server marks temporary. Anything that
 * is not a protocol error (a bug, a thrown string) is not retried.
 */
export function isRetryable(error: unknown): boolean {
  return isProtocolError(error) && (error.code < 100 || error.temporary === true);
}
