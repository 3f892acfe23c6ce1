import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { closeSioClients, connectSio, nextEvent, sioClient } from './support/socketio.js';

describe('Socket.IO face: authentication', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
  });
  afterEach(async () => {
    closeSioClients();
    await t.close();
  });

  const refusal = async (
    socket: ReturnType<typeof sioClient>,
  ): Promise<{ message: string; data?: { code: string } }> => {
    const error = await connectSio(socket).then(
      () => undefined,
      (e: Error & { data?: { code: string } }) => e,
    );
    if (!error) throw new Error('connected without a valid token');
    return { message: error.message, data: error.data };
  };

  it('refuses a missing token with connect_error', async () => {
    for (const namespace of ['/realtime', '/notifications'] as const) {
      expect(await refusal(sioClient(t, namespace))).toEqual({
        message: 'authentication required: send a token in auth.token',
        data: { code: 'unauthorized' },
      });
    }
  });

  it('refuses a bad token, and one signed with another secret', async () => {
    expect(await refusal(sioClient(t, '/realtime', { token: 'not-a-jwt' }))).toEqual({
      message: 'invalid token',
      data: { code: 'unauthorized' },
    });
    const good = await t.token('cust-1');
    const forged = `${good.slice(0, good.lastIndexOf('.'))}.AAAA`;
    expect(await refusal(sioClient(t, '/notifications', { token: forged }))).toMatchObject({
      data: { code: 'unauthorized' },
    });
  });

  it('refuses an expired token with its own code', async () => {
    const expired = await t.token('cust-1', 'customer', { ttlSeconds: -10 });
    expect(await refusal(sioClient(t, '/realtime', { token: expired }))).toEqual({
      message: 'token expired: connect with a fresh token',
      data: { code: 'token_expired' },
    });
  });

  it('takes the token from ?token= too', async () => {
    const token = await t.token('cust-1');
    const socket = sioClient(t, '/realtime', { query: { token } });
    const connected = nextEvent(socket, 'connected');
    await connectSio(socket);
    expect(await connected).toMatchObject({ userId: 'cust-1' });
  });

  it('refuses the default namespace', async () => {
    const token = await t.token('cust-1');
    expect((await refusal(sioClient(t, '/', { token }))).message).toMatch(/unknown namespace/);
  });

  it('holds browsers to the allowed origins, on polling and WebSocket alike', async () => {
    const strict = await startTestServer({ logLevel: 'warn', allowedOrigins: ['https://app.example'] });
    try {
      const handshake = (origin: string) =>
        fetch(`${strict.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } });
      expect((await handshake('https://evil.example')).status).toBe(403);
      expect((await handshake('https://app.example')).status).toBe(200);
      const token = await strict.token('cust-1');
      const socket = sioClient(strict, '/realtime', { token, extraHeaders: { Origin: 'https://evil.example' } });
      await expect(connectSio(socket)).rejects.toThrow(/websocket error/);
    } finally {
      closeSioClients();
      await strict.close();
    }
  });

  it('disconnects a socket when its token expires', async () => {
    const token = await t.token('cust-1', 'customer', { ttlSeconds: 2 });
    const socket = sioClient(t, '/realtime', { token });
    await connectSio(socket);
    const error = nextEvent(socket, 'error', 5000);
    const reason = nextEvent<string>(socket, 'disconnect', 5000);
    expect(await error).toMatchObject({ code: 'token_expired' });
    expect(await reason).toBe('io server disconnect');
  });
});
