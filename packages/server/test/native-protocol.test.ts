import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { startTestServer, TEST_API_KEY, type TestServer } from './support/fixture.js';

/** The native face's wire behaviour, driven with a bare `ws` client. */
describe('native protocol: commands', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({
      maxInboundFrameBytes: 1024,
      maxChannelsPerConnection: 5,
      namespaces: {
        chat: { allowSubscribe: 'authenticated', allowClientPublish: true, historySize: 10, historyTtlMs: 60_000 },
        news: { allowSubscribe: 'authenticated' },
        tracking: { allowSubscribe: 'authenticated', latestOnly: true, historyTtlMs: 60_000 },
      },
    });
  });
  afterEach(() => t.close());

  async function connected(sub = 'u1'): Promise<RawClient> {
    const client = await RawClient.open(t.wsUrl);
    const reply = await client.connect(await t.token(sub));
    expect(reply.error).toBeUndefined();
    return client;
  }

  it('answers connect with client id, version, ping interval, pong and the user channel', async () => {
    const client = await RawClient.open(t.wsUrl);
    const reply = await client.connect(await t.token('u1'));
    expect(reply.connect).toMatchObject({ version: expect.any(String), ping: 25, pong: true, expires: true });
    const result = reply.connect as { client: string; ttl: number; subs: Record<string, unknown> };
    expect(result.client).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.ttl).toBeGreaterThan(3500);
    expect(result.subs['user:u1']).toMatchObject({ recoverable: true, positioned: true, offset: 0 });
  });

  it('lets clients publish only where the namespace allows it', async () => {
    const client = await connected();
    expect((await client.call('subscribe', { channel: 'chat:1' })).error).toBeUndefined();
    expect((await client.call('publish', { channel: 'chat:1', data: { text: 'hi' } })).publish).toEqual({});
    await client.waitFor(() => client.publications('chat:1')[0]);
    expect(client.publications('chat:1')[0]).toMatchObject({ data: { text: 'hi' }, offset: 1, info: { user: 'u1' } });
    const denied = await client.call('publish', { channel: 'news:1', data: {} });
    expect(denied.error).toMatchObject({ code: 103 });
  });

  it("writes an idle connection's first push at once and coalesces the pushes behind it into one frame", async () => {
    const client = await connected();
    await client.call('subscribe', { channel: 'news:1' });
    const framesBefore = client.frames.length;
    await Promise.all([1, 2, 3, 4].map((n) => t.server.hub.publish('news:1', { data: { n } })));
    await client.waitFor(() => (client.publications('news:1').length === 4 ? true : undefined));
    const frames = client.frames.slice(framesBefore);
    expect(frames.map((frame) => frame.split('\n').length)).toEqual([1, 3]);
  });

  it('sends the latest value on subscribe to a latest-only channel, and only that', async () => {
    for (let n = 1; n <= 3; n++) await t.api('publish', { channel: 'tracking:o1', data: { n } });
    const client = await connected();
    const reply = await client.call('subscribe', { channel: 'tracking:o1' });
    expect(reply.subscribe).toMatchObject({ offset: 3, publications: [{ data: { n: 3 }, offset: 3 }] });
  });

  it('calls registered rpc methods and refuses unknown ones', async () => {
    t.server.hub.rpc.register('echo', async (context, data) => ({ user: context.claims.sub, data }));
    const client = await connected();
    const reply = await client.call('rpc', { method: 'echo', data: { x: 1 } });
    expect(reply.rpc).toEqual({ data: { user: 'u1', data: { x: 1 } } });
    expect((await client.call('rpc', { method: 'nope' })).error).toMatchObject({ code: 104 });
  });

  it('answers unsubscribe, and stops delivering afterwards', async () => {
    const client = await connected();
    await client.call('subscribe', { channel: 'news:2' });
    expect((await client.call('unsubscribe', { channel: 'news:2' })).unsubscribe).toEqual({});
    await t.api('publish', { channel: 'news:2', data: {} });
    await client.call('presence_stats', { channel: 'user:u1' });
    expect(client.publications('news:2')).toEqual([]);
  });
});

describe('native protocol: bad input', () => {
  let t: TestServer;
  let bystander: RawClient;
  beforeEach(async () => {
    t = await startTestServer({
      maxInboundFrameBytes: 1024,
      maxChannelsPerConnection: 5,
      namespaces: { news: { allowSubscribe: 'authenticated' } },
    });
    // Everyone else must keep being served while one client misbehaves.
    bystander = await RawClient.open(t.wsUrl);
    await bystander.connect(await t.token('bystander'));
  });
  afterEach(async () => {
    const before = bystander.publications('user:bystander').length;
    await t.api('publish', { channel: 'user:bystander', data: { still: 'served' } });
    await bystander.waitFor(() => (bystander.publications('user:bystander').length > before ? true : undefined));
    const secrets = [TEST_API_KEY, 'eyJ'];
    for (const line of t.logs) for (const secret of secrets) expect(line).not.toContain(secret);
    await t.close();
  });

  it('disconnects with bad request on malformed JSON', async () => {
    const client = await RawClient.open(t.wsUrl);
    client.sendRaw('{"id":1,"connect":');
    expect(await client.closed).toMatchObject({ code: 3501 });
  });

  it('closes with 1009 on a frame over the size limit', async () => {
    const client = await RawClient.open(t.wsUrl);
    client.sendRaw(JSON.stringify({ id: 1, connect: { token: 'x'.repeat(2000) } }));
    expect((await client.closed).code).toBe(1009);
  });

  it('disconnects with bad request on a command before connect', async () => {
    const client = await RawClient.open(t.wsUrl);
    client.sendRaw(JSON.stringify({ id: 1, subscribe: { channel: 'news:1' } }));
    expect(await client.closed).toMatchObject({ code: 3501 });
  });

  it('answers an unknown command with method not found and keeps the connection', async () => {
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1'));
    expect((await client.call('teleport', {})).error).toMatchObject({ code: 104 });
    expect((await client.call('subscribe', { channel: 'news:1' })).error).toBeUndefined();
  });

  it('disconnects with bad request on a command of the wrong shape', async () => {
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1'));
    client.sendRaw(JSON.stringify({ id: 9, subscribe: { channel: 42 } }));
    expect(await client.closed).toMatchObject({ code: 3501 });
  });

  it('refuses subscriptions that are not allowed, to unknown namespaces and invalid names', async () => {
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1'));
    expect((await client.call('subscribe', { channel: 'user:u2' })).error).toMatchObject({ code: 103 });
    expect((await client.call('subscribe', { channel: 'role:admin' })).error).toMatchObject({ code: 103 });
    expect((await client.call('subscribe', { channel: 'secret:1' })).error).toMatchObject({ code: 102 });
    expect((await client.call('subscribe', { channel: 'bad channel' })).error).toMatchObject({ code: 107 });
    expect((await client.call('subscribe', { channel: 'user:u1' })).error).toMatchObject({ code: 105 });
  });

  it('limits the channels of one connection', async () => {
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1'));
    // The user channel is the first of five.
    for (let i = 0; i < 4; i++)
      expect((await client.call('subscribe', { channel: `news:${i}` })).error).toBeUndefined();
    expect((await client.call('subscribe', { channel: 'news:overflow' })).error).toMatchObject({ code: 106 });
  });

  it('disconnects with invalid token on a token signed with another key', async () => {
    const { signToken } = await import('../src/auth/jwt.js');
    const client = await RawClient.open(t.wsUrl);
    client.sendRaw(
      JSON.stringify({ id: 1, connect: { token: await signToken('another-key', { sub: 'u1', role: 'admin' }) } }),
    );
    expect(await client.closed).toEqual({ code: 3500, reason: 'invalid token' });
  });

  it('answers an expired token with token expired, so the client can fetch a new one', async () => {
    const client = await RawClient.open(t.wsUrl);
    const reply = await client.connect(await t.token('u1', 'customer', { ttlSeconds: -5 }));
    expect(reply.error).toMatchObject({ code: 109 });
    expect((await client.connect(await t.token('u1'))).connect).toBeDefined();
  });

  it('disconnects a connect without a token', async () => {
    const client = await RawClient.open(t.wsUrl);
    client.sendRaw(JSON.stringify({ id: 1, connect: {} }));
    expect((await client.closed).code).toBe(3500);
  });
});

describe('native protocol: connection lifetime', () => {
  let t: TestServer | undefined;
  afterEach(() => t?.close());

  it('disconnects a client that does not answer pings', async () => {
    t = await startTestServer({ pingIntervalMs: 100, pongTimeoutMs: 50 });
    const silent = await RawClient.open(t.wsUrl);
    silent.answerPings = false;
    await silent.connect(await t.token('u1'));
    const polite = await RawClient.open(t.wsUrl);
    await polite.connect(await t.token('u2'));
    expect(await silent.closed).toMatchObject({ code: 3012, reason: 'no pong' });
    expect(polite.pings).toBeGreaterThan(0);
    expect(polite.ws.readyState).toBe(polite.ws.OPEN);
  });

  it('sends a due ping in the same frame as the next publication', async () => {
    // A ping due every 200 ms waits up to 20 ms for a publication; one comes every 2 ms.
    t = await startTestServer({
      pingIntervalMs: 200,
      pongTimeoutMs: 100,
      namespaces: { news: { allowSubscribe: 'authenticated' } },
    });
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1'));
    expect((await client.call('subscribe', { channel: 'news:1' })).error).toBeUndefined();
    const server = t.server;
    let publishing = true;
    const publisher = (async () => {
      for (let n = 0; publishing; n++) {
        await server.hub.publish('news:1', { data: { n } });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await client.waitFor(() => (client.pings >= 3 ? true : undefined), 10_000);
    publishing = false;
    await publisher;
    const pingFrames = client.frames.filter((frame) => frame.split('\n').includes('{}'));
    expect(pingFrames.length).toBeGreaterThanOrEqual(3);
    for (const frame of pingFrames) expect(frame).toMatch(/^\{"push":\{"channel":"news:1","pub":.*\}\n\{\}$/);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('disconnects with connection expired when a token runs out without refresh', async () => {
    t = await startTestServer({ expiredCloseDelayMs: 0 });
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1', 'customer', { ttlSeconds: 2 }));
    expect(await client.closed).toMatchObject({ code: 3005, reason: 'connection expired' });
  });

  it('refreshes the token on a live connection, and refuses a token of another user', async () => {
    t = await startTestServer();
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1', 'customer', { ttlSeconds: 60 }));
    const refreshed = await client.call('refresh', { token: await t.token('u1', 'customer', { ttlSeconds: 7200 }) });
    expect(refreshed.refresh).toMatchObject({ expires: true, ttl: expect.any(Number) });
    expect((refreshed.refresh as { ttl: number }).ttl).toBeGreaterThan(7000);
    client.sendRaw(JSON.stringify({ id: 99, refresh: { token: await t.token('someone-else') } }));
    expect((await client.closed).code).toBe(3500);
  });

  it('limits connections per user when configured', async () => {
    t = await startTestServer({ maxConnectionsPerUser: 1 });
    const first = await RawClient.open(t.wsUrl);
    await first.connect(await t.token('u1'));
    const second = await RawClient.open(t.wsUrl);
    second.sendRaw(JSON.stringify({ id: 1, connect: { token: await t.token('u1') } }));
    expect((await second.closed).code).toBe(3504);
  });

  it('disconnects a client that does not send connect in time', async () => {
    t = await startTestServer({ connectTimeoutMs: 100 });
    const client = await RawClient.open(t.wsUrl);
    expect((await client.closed).code).toBe(3502);
  });

  it('refuses browsers from origins not in the allowed list', async () => {
    t = await startTestServer({ allowedOrigins: ['https://app.example'] });
    await expect(RawClient.open(t.wsUrl, { Origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const allowed = await RawClient.open(t.wsUrl, { Origin: 'https://app.example' });
    expect((await allowed.connect(await t.token('u1'))).connect).toBeDefined();
  });

  it('refuses upgrades to unknown paths', async () => {
    t = await startTestServer();
    await expect(RawClient.open(t.url.replace('http', 'ws') + '/nope')).rejects.toThrow(/404/);
  });
});

describe('native protocol: command rate limit', () => {
  it('answers commands past the rate limit with error 111 and keeps the connection', async () => {
    const t = await startTestServer({ maxCommandsPerSecond: 5 });
    try {
      const client = await RawClient.open(t.wsUrl);
      await client.connect(await t.token('u1'));
      const frame = Array.from({ length: 20 }, (_, i) =>
        JSON.stringify({ id: 100 + i, history: { channel: 'user:u1', limit: 0 } }),
      ).join('\n');
      client.sendRaw(frame);
      const replies = await client.waitFor(() =>
        client.replies.size >= 21 ? [...client.replies.values()] : undefined,
      );
      const limited = replies.filter((r) => r.error?.code === 111);
      expect(limited.length).toBeGreaterThanOrEqual(9);
      expect(limited[0]?.error).toMatchObject({ temporary: true });
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    } finally {
      await t.close();
    }
  });
});
