import { timingSafeEqual, createHash } from 'node:crypto';

/**
 * Compares a presented API key with the configured one in constant time. Hashing both first
 * makes the comparison independent of the keys' lengths.
 */
export function apiKeyMatches(configured: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = createHash('sha256').update(configured).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/** Reads the key from `X-API-Key` or Centrifugo's `Authorization: apikey KEY`. */
export function presentedApiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string') return header;
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization.toLowerCase().startsWith('apikey ')) {
    return authorization.slice('apikey '.length).trim();
  }
  return undefined;
}
