import type { Socket } from 'socket.io';
import type { Claims } from '@dabba/protocol';
import type { TokenVerifier } from '../../auth/jwt.js';
import { toDabbaError } from '../../errors.js';
import type { RestoredSession } from './recovery-adapter.js';

/** What the face keeps on `socket.data`. */
export interface SocketData {
  claims?: Claims;
  /** Set by the recovery adapter on a recovered socket. */
  restored?: RestoredSession;
}

/** The error a refused handshake ends with: the client's `connect_error` gets `message` and `data.code`. */
export class HandshakeError extends Error {
  readonly data: { code: string };

  constructor(code: string, message: string) {
    super(message);
    this.data = { code };
  }
}

/** The token from the handshake: `auth.token`, or `?token=` for clients that cannot set auth. */
export function handshakeToken(socket: Socket): string | undefined {
  const fromAuth: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
  if (typeof fromAuth === 'string' && fromAuth !== '') return fromAuth;
  const fromQuery: unknown = socket.handshake.query.token;
  return typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : undefined;
}

/**
 * socket.io middleware of every namespace: verifies the token and keeps its claims on
 * `socket.data`. It runs on recovered sockets too (recovery does not skip it): a recovered
 * session must belong to the token's user.
 */
export function authenticate(verifyToken: TokenVerifier) {
  return (socket: Socket, next: (error?: Error) => void): void => {
    const token = handshakeToken(socket);
    if (!token) return next(new HandshakeError('unauthorized', 'authentication required: send a token in auth.token'));
    verifyToken(token).then(
      (claims) => {
        const data = socket.data as SocketData;
        if (data.restored && data.restored.user !== claims.sub)
          return next(new HandshakeError('unauthorized', 'this session belongs to another user'));
        data.claims = claims;
        next();
      },
      (cause: unknown) => {
        const error = toDabbaError(cause);
        if (error.code === 'token_expired')
          return next(new HandshakeError('token_expired', 'token expired: connect with a fresh token'));
        next(new HandshakeError('unauthorized', error.code === 'unauthorized' ? error.message : 'invalid token'));
      },
    );
  };
}
