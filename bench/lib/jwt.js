import { createHmac } from 'node:crypto';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** Minimal HS256 JWT signer (same output as jose's SignJWT for these claims). */
export function signHs256(secret, claims) {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const input = `${HEADER}.${payload}`;
  const sig = createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${sig}`;
}

export function benchToken(secret, sub, ttlSeconds = 3600) {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256(secret, { sub, role: 'customer', iat, exp: iat + ttlSeconds });
}
