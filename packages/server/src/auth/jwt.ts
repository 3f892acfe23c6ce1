import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWTVerifyGetKey,
  type CryptoKey,
} from 'jose';
import { claimsSchema, type Claims, type Role } from '@dabba/protocol';
import { DabbaError } from '../errors.js';

export interface JwtOptions {
  /** HS256 shared secret. */
  jwtSecret?: string | undefined;
  /** PEM (SPKI) public key for RS256 or ES256 tokens. */
  jwtPublicKey?: string | undefined;
  /** JWKS URL whose keys verify tokens. */
  jwksUrl?: string | undefined;
}

export type TokenVerifier = (token: string) => Promise<Claims>;

type VerifyKey = Uint8Array | CryptoKey | KeyObject | JWTVerifyGetKey;

const MAX_TOKEN_LENGTH = 8192;

/**
 * Builds the function that verifies every connection's and refresh's token. Exactly one key
 * source must be configured. Errors are DabbaErrors: `token_expired` for an expired token,
 * `unauthorized` for everything else (bad signature, malformed, wrong claims).
 */
export async function createTokenVerifier(options: JwtOptions): Promise<TokenVerifier> {
  const key = resolveKey(options);
  const algorithms = allowedAlgorithms(options, key);
  return async (token) => {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new DabbaError('unauthorized', 'invalid token');
    }
    let payload: unknown;
    try {
      // jose's overloads differ for a key and a key-resolving function; both verify the same way.
      payload = (
        typeof key === 'function'
          ? await jwtVerify(token, key, { algorithms })
          : await jwtVerify(token, key, { algorithms })
      ).payload;
    } catch (cause) {
      if (cause instanceof joseErrors.JWTExpired) throw new DabbaError('token_expired', 'token expired', { cause });
      throw new DabbaError('unauthorized', 'invalid token', { cause });
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new DabbaError('unauthorized', 'invalid token claims: need sub and role');
    return claims.data;
  };
}

function resolveKey(options: JwtOptions): VerifyKey {
  const sources = [options.jwtSecret, options.jwtPublicKey, options.jwksUrl].filter((s) => !!s);
  if (sources.length !== 1) {
    throw new TypeError('configure exactly one of jwtSecret, jwtPublicKey, jwksUrl');
  }
  if (options.jwtSecret) return new TextEncoder().encode(options.jwtSecret);
  if (options.jwtPublicKey) {
    try {
      return createPublicKey(options.jwtPublicKey);
    } catch (cause) {
      throw new TypeError('jwtPublicKey is not a PEM public key', { cause });
    }
  }
  return createRemoteJWKSet(new URL(options.jwksUrl as string));
}

/** Pins the algorithm to the key's type, so a token cannot choose a weaker one. */
function allowedAlgorithms(options: JwtOptions, key: VerifyKey): string[] {
  if (options.jwtSecret) return ['HS256'];
  if (key instanceof Uint8Array || typeof key === 'function') return ['RS256', 'ES256'];
  const type = (key as KeyObject).asymmetricKeyType;
  if (type === 'rsa') return ['RS256'];
  if (type === 'ec') return ['ES256'];
  throw new TypeError(`jwtPublicKey: unsupported key type ${type ?? 'unknown'} (use RSA or EC P-256)`);
}

export interface SignTokenOptions {
  /** Lifetime in seconds. Default 3600. */
  ttlSeconds?: number;
  channels?: string[];
  name?: string;
}

/** Signs an HS256 token, as `dabba token` and tests do. */
export async function signToken(
  secret: string,
  claims: { sub: string; role: Role },
  options: SignTokenOptions = {},
): Promise<string> {
  const ttlSeconds = options.ttlSeconds ?? 3600;
  const payload: Record<string, unknown> = { role: claims.role };
  if (options.channels) payload.channels = options.channels;
  if (options.name) payload.name = options.name;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
