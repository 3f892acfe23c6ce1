import { ERROR_CODE_INFO, type ErrorCode, type ProtocolError } from '@dabba/protocol';

/** The one error type of the server. Its string code decides the HTTP status and protocol code. */
export class DabbaError extends Error {
  override readonly name = 'DabbaError';
  readonly code: ErrorCode;
  /** Extra, client-safe details for REST replies. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  get httpStatus(): number {
    return ERROR_CODE_INFO[this.code].httpStatus;
  }

  /** The Centrifugo-protocol form of this error. */
  toProtocol(): ProtocolError {
    const info = ERROR_CODE_INFO[this.code];
    return info.temporary
      ? { code: info.protocolCode, message: this.message, temporary: true }
      : { code: info.protocolCode, message: this.message };
  }
}

/** Turns anything thrown into a DabbaError; unknown failures become `internal` with a generic message. */
export function toDabbaError(cause: unknown): DabbaError {
  if (cause instanceof DabbaError) return cause;
  return new DabbaError('internal', 'internal server error', { cause });
}
