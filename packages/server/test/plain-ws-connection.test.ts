import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './support/fixture.js';
import { closePlainWsClients, PlainWsTestClient } from './support/plain-ws.js';
import { waitUntil } from './support/wait.js';

/** `/api/ws` (seed 001): who gets in, and what the socket does with bad, big, fast or no input. */
describe('plain WebSocket face: connection', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    closePlainWsClients();
    await t?.close();
    t = undefined;
  });

  it("refuses seed 001's ?userId=&role= without a token, and missing or bad tokens, with 4401 and a reason", async () => {
    t = await startTestServer();
    const seed001 = await PlainWsTestClient.open(t, 'userId=cust-1&role=customer');
    expect(await seed001.closed).toEqual({
      code: 4401,
      reason: 'userId and role are not trusted: connect with ?token=<jwt>',
    });
    const none = await PlainWsTestClient.open(t, '');
    expect(await none.closed).toEqual({ code: 4401, reason: 'token required: connect with ?token=<jwt>' });
    const forged = await PlainWsTestClient.open(t, 'token=not.a.jwt&userId=cust-1&role=admin');
    expect(await forged.closed).toEqual({ code: 4401, reason: 'invalid token' });
    const expired = await t.token('cust-1', 'customer', { ttlSeconds: -10 });
    const late = await PlainWsTestClient.open(t, `token=${expired}`);
    expect(await late.closed).toMatchObject({ code: 4401 });
    expect(seed001.messages).toEqual([]);
  });

  it('says connected with the channels it follows, answers ping with pong, and keeps the socket on bad input', async () => {
    t = await startTestServer();
    const client = await PlainWsTestClient.connect(t, await t.token('cust-1'));
    expect(client.messages[0]).toEqual({
      type: 'connected',
      data: { userId: 'cust-1', role: 'customer', channels: ['user:cust-1', 'catalog'] },
    });
    expect(await client.request({ type: 'ping' }, 'pong')).toEqual({ type: 'pong' });

    const errors: Array<[unknown, Record<string, unknown>]> = [
      ['{not json', { code: 'bad_request', message: 'a message is one JSON object {type, data}' }],
      ['[1,2]', { code: 'bad_request', message: 'a message is one JSON object {type, data}' }],
      [{ data: {} }, { code: 'bad_request', message: 'type: a string is required' }],
      [{ type: 'launch_rockets' }, { code: 'method_not_found', message: 'unknown message type' }],
      [{ type: 'subscribe' }, { code: 'validation_failed' }],
      [{ type: 'subscribe', data: { channel: 'feed' } }, { code: 'validation_failed' }],
      [{ type: 'subscribe', data: { channel: 'user:cust-2' } }, { code: 'validation_failed' }],
      [{ type: 'subscribe', data: { channel: 'store:' + 'x'.repeat(300) } }, { code: 'validation_failed' }],
      [
        { type: 'subscribe', data: { channel: 'store:bad name!' } },
        { code: 'bad_request', channel: 'store:bad name!' },
      ],
    ];
    for (const [input, expected] of errors) {
      const reply = await client.request(input, 'error');
      expect(reply.type, JSON.stringify(input)).toBe('error');
      expect(reply.data, JSON.stringify(input)).toMatchObject(expected);
    }
    const binary = client.messages.length;
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.until(() => client.messages.length > binary, 'binary reply');
    expect(client.messages.at(-1)).toEqual({
      type: 'error',
      data: { code: 'bad_request', message: 'messages are JSON text frames' },
    });
    expect(await client.request({ type: 'ping' }, 'pong')).toEqual({ type: 'pong' });
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a socket that sends an oversize message with 1009', async () => {
    t = await startTestServer({ plainWs: { maxInboundFrameBytes: 1024 } });
    const client = await PlainWsTestClient.connect(t, await t.token('cust-1'));
    client.send({ type: 'ping', data: 'x'.repeat(2000) });
    expect((await client.closed).code).toBe(1009);
    // The server is fine: the next socket is served.
    const next = await PlainWsTestClient.connect(t, await t.token('cust-1'));
    expect(await next.request({ type: 'ping' }, 'pong')).toEqual({ type: 'pong' });
  });

  it('refuses messages past the rate with one too_many_requests error, then serves again', async () => {
    t = await startTestServer({ plainWs: { maxMessagesPerSecond: 5, messageBurst: 3 } });
    const client = await PlainWsTestClient.connect(t, await t.token('cust-1'));
    for (let i = 0; i < 10; i++) client.send({ type: 'ping' });
    await client.next('error');
    await client.next('pong', 3);
    expect(client.ofType('error')).toEqual([
      { type: 'error', data: { code: 'too_many_requests', message: 'too many messages: slow down' } },
    ]);
    // A token comes back every 200 ms: the socket is served again, and was never closed.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await client.request({ type: 'ping' }, 'pong')).toEqual({ type: 'pong' });
    expect(client.ofType('pong').length).toBe(4);
  });

  it('closes the socket when its token expires', async () => {
    t = await startTestServer();
    const client = await PlainWsTestClient.connect(t, await t.token('cust-1', 'customer', { ttlSeconds: 2 }));
    const started = Date.now();
    expect(await client.closed).toEqual({ code: 4401, reason: 'token expired' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses an origin that is not allowed (403) and lets allowed ones in', async () => {
    t = await startTestServer({ allowedOrigins: ['https://app.example'] });
    const token = await t.token('cust-1');
    await expect(PlainWsTestClient.open(t, `token=${token}`, { Origin: 'https://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
    const allowed = await PlainWsTestClient.open(t, `token=${token}`, { Origin: 'https://app.example' });
    await allowed.next('connected');
  });

  it('pings with WebSocket pings and cuts off a peer that does not answer', async () => {
    t = await startTestServer({ plainWs: { pingIntervalMs: 100 } });
    const alive = await PlainWsTestClient.connect(t, await t.token('cust-1'));
    let pings = 0;
    alive.ws.on('ping', () => pings++);
    const deaf = await PlainWsTestClient.connect(t, await t.token('cust-2'));
    // `ws` answers pings by itself; a peer that stops reading never does.
    (deaf.ws as unknown as { _socket: Socket })._socket.pause();
    await waitUntil(() => pings >= 3, 3000);
    (deaf.ws as unknown as { _socket: Socket })._socket.resume();
    expect((await deaf.closed).code).toBe(1006);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('disconnects a client that stops reading with 3008 slow', async () => {
    t = await startTestServer({ plainWs: { maxOutboundBytes: 256 * 1024 }, logLevel: 'warn' });
    const slow = await PlainWsTestClient.connect(t, await t.token('cust-1'));
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    const store = {
      id: 's1',
      chefId: 'chef-1',
      name: 'x'.repeat(64 * 1024),
      address: 'a',
      latitude: 0,
      longitude: 0,
      prepMinutes: 10,
      isActive: true,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    for (let n = 0; n < 200; n++) {
      await t.server.hub.publish('catalog', { type: 'store:updated', data: { storeId: 's1', store } });
      await new Promise((resolve) => setImmediate(resolve));
    }
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    expect(await slow.closed).toEqual({ code: 3008, reason: 'slow' });
    expect(slow.ofType('store_updated').length).toBeLessThan(200);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/dabba_slow_consumer_disconnects_total 1\b/);
  }, 20_000);
});
