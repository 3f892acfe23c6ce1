import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createTokenVerifier, signToken } from '../src/auth/jwt.js';

async function sign(privateKey: CryptoKey, alg: 'RS256' | 'ES256', claims: Record<string, unknown>, kid?: string) {
  return new SignJWT(claims)
    .setProtectedHeader(kid ? { alg, kid } : { alg })
    .setSubject('u1')
    .setExpirationTime('1h')
    .sign(privateKey);
}

describe('token verification', () => {
  let jwks: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve())));

  it('verifies HS256 tokens and reads sub, role, exp and channel grants', async () => {
    const verify = await createTokenVerifier({ jwtSecret: 's3cret' });
    const token = await signToken('s3cret', { sub: 'u1', role: 'driver' }, { ttlSeconds: 60, channels: ['order:1'] });
    const claims = await verify(token);
    expect(claims).toMatchObject({ sub: 'u1', role: 'driver', channels: ['order:1'] });
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000 + 50);
  });

  it('rejects other keys, expired tokens, missing claims and garbage with the right codes', async () => {
    const verify = await createTokenVerifier({ jwtSecret: 's3cret' });
    await expect(verify(await signToken('other', { sub: 'u1', role: 'admin' }))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await expect(
      verify(await signToken('s3cret', { sub: 'u1', role: 'admin' }, { ttlSeconds: -1 })),
    ).rejects.toMatchObject({
      code: 'token_expired',
    });
    const noRole = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .sign(new TextEncoder().encode('s3cret'));
    await expect(verify(noRole)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(verify('not.a.jwt')).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(verify('')).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('verifies RS256 and ES256 tokens with a PEM public key, pinned to the key type', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const verify = await createTokenVerifier({ jwtPublicKey: await exportSPKI(publicKey) });
      expect(await verify(await sign(privateKey, alg, { role: 'chef' }))).toMatchObject({ sub: 'u1', role: 'chef' });
    }
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const verify = await createTokenVerifier({ jwtPublicKey: await exportSPKI(publicKey) });
    // An HS256 token signed with the public key's text must not pass (algorithm confusion).
    const confused = await signToken(await exportSPKI(publicKey), { sub: 'u1', role: 'admin' });
    await expect(verify(confused)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('verifies tokens against a JWKS URL', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks?.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    const verify = await createTokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json` });
    expect(await verify(await sign(privateKey, 'RS256', { role: 'support' }, 'k1'))).toMatchObject({ role: 'support' });
  });

  it('needs exactly one key source', async () => {
    await expect(createTokenVerifier({})).rejects.toThrow(TypeError);
    await expect(createTokenVerifier({ jwtSecret: 'a', jwksUrl: 'http://127.0.0.1:1/' })).rejects.toThrow(TypeError);
    await expect(createTokenVerifier({ jwtPublicKey: 'not a pem' })).rejects.toThrow(/PEM/);
  });
});
