import type { FastifyRequest } from 'fastify';
import { apiKeyMatches, presentedApiKey } from '../auth/api-key.js';
import type { TokenVerifier } from '../auth/jwt.js';
import { DabbaError } from '../errors.js';
import { SYSTEM, type Principal } from '../domain/orders/order.js';
import type { UserDirectory } from '../domain/users.js';

/**
 * Who is calling a REST route: the app's backend (X-API-Key → `system`) or a token's holder
 * (`Authorization: Bearer <jwt>`), whose user row is kept up to date from the token.
 */
export function restAuthenticator(
  verifyToken: TokenVerifier,
  apiKey: string | undefined,
  users: UserDirectory,
): (request: FastifyRequest) => Promise<Principal> {
  return async (request) => {
    const key = presentedApiKey(request.headers);
    if (key !== undefined) {
      if (apiKey && apiKeyMatches(apiKey, key)) return SYSTEM;
      throw new DabbaError('unauthorized', 'invalid API key');
    }
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && authorization.toLowerCase().startsWith('bearer ')) {
      const claims = await verifyToken(authorization.slice('bearer '.length).trim());
      await users.ensure(claims);
      return { id: claims.sub, role: claims.role };
    }
    throw new DabbaError('unauthorized', 'send Authorization: Bearer <token>, or X-API-Key from a backend');
  };
}
