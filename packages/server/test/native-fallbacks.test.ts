import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Centrifuge, type ConnectedContext, type PublicationContext, type SubscribedContext } from 'centrifuge';
import { once, startTestServer, type TestServer } from './support/fixture.js';
import { StreamGate } from './support/stream-gate.js';
import { waitUntil } from './support/wait.js';

type Transport = 'sse' | 'http_stream';

/**
 * centrifuge-js restricted to the native protocol's fallbacks: SSE and HTTP streaming, each with
 * commands after connect sent to `/emulation`. Same sessions as over WebSocket.
 */
describe.each<Transport>(['sse', 'http_stream'])('centrifuge-js over %s', (transport) => {
  let t: TestServer;
  let gate: StreamGate;
  const clients: Centrifuge[] = [];

  beforeEach(async () => {
    t = await startTestServer({
      namespaces: { room: { allowSubscribe: 'authenticated', historySize: 100, historyTtlMs: 60_000 } },
      // The protocol states the ping interval in whole seconds: 1 s is the shortest a client pongs to.
      pingIntervalMs: 1000,
      pongTimeoutMs: 300,
    });
    t.server.hub.rpc.register('echo', async (context, data) => ({ user: context.claims.sub, data }));
    gate = new StreamGate();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await t.close();
  });

  /** A centrifuge-js client that may use only this transport (no WebSocket). */
  function client(token: string): Centrifuge {
    const path = transport === 'sse' ? '/connection/sse' : '/connection/http_stream';
    const c = new Centrifuge([{ transport, endpoint: `${t.url}${path}` }], {
      token,
      emulationEndpoint: `${t.url}/emulation`,
      fetch: gate.fetch,
      eventsource: gate.eventSourceClass(),
      readableStream: ReadableStream,
      minReconnectDelay: 20,
      maxReconnectDelay: 200,
    });
    clients.push(c);
    return c;
  }

  it('connects, subscribes, receives a publication and calls rpc', async () => {
    const c = client(await t.token('u1'));
    const connected = once<ConnectedContext>(c, 'connected');
    const userChannel = once<SubscribedContext>(c, 'subscribed');
    c.connect();
    expect((await connected).transport).toBe(transport);
    expect((await userChannel).channel).toBe('user:u1');

    const sub = c.newSubscription('room:lobby');
    const received = once<PublicationContext>(sub, 'publication');
    sub.subscribe();
    await sub.ready(5000);
    await t.api('publish', { channel: 'room:lobby', data: { n: 1 }, type: 'room:message' });
    const ctx = await received;
    expect(ctx).toMatchObject({ channel: 'room:lobby', data: { n: 1 }, offset: 1, tags: { type: 'room:message' } });

    const reply = await c.rpc('echo', { hello: 'there' });
    expect(reply.data).toEqual({ user: 'u1', data: { hello: 'there' } });
  });

  it('answers the server pings through /emulation and stays connected', async () => {
    const c = client(await t.token('u1'));
    let reconnects = 0;
    c.on('connecting', () => reconnects++);
    c.connect();
    await once(c, 'connected');
    reconnects = 0;
    // Pings every second with 300 ms to answer: a third ping means two pongs made it in time.
    await waitUntil(() => gate.pingsSeen >= 3, 6000);
    expect(c.state).toBe('connected');
    expect(reconnects).toBe(0);
  });

  it('recovers every publication missed while the stream was down', async () => {
    const c = client(await t.token('u1'));
    const sub = c.newSubscription('room:recover');
    const received: number[] = [];
    sub.on('publication', (ctx) => received.push((ctx.data as { seq: number }).seq));
    c.connect();
    sub.subscribe();
    await sub.ready(5000);
    await t.api('publish', { channel: 'room:recover', data: { seq: 0 } });
    await waitUntil(() => received.length === 1);

    gate.block();
    const connecting = once(c, 'connecting');
    gate.killAll();
    await connecting;
    // The server noticed the dropped stream: its session is gone.
    await waitUntil(() => Object.keys(t.server.hub.channels('room:*')).length === 0);
    for (let seq = 1; seq <= 30; seq++) await t.api('publish', { channel: 'room:recover', data: { seq } });

    const resubscribed = once<SubscribedContext>(sub, 'subscribed');
    gate.open();
    const ctx = await resubscribed;
    expect(ctx).toMatchObject({ wasRecovering: true, recovered: true });
    await waitUntil(() => received.length === 31);
    expect(received).toEqual(Array.from({ length: 31 }, (_, seq) => seq));
  });
});

describe('native fallback endpoints refuse bad requests', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ allowedOrigins: ['https://app.example'] });
  });
  afterEach(() => t.close());

  it('answers an emulation request for an unknown session with 404', async () => {
    const response = await fetch(`${t.url}/emulation`, {
      method: 'POST',
      body: JSON.stringify({ session: 'nope', node: t.server.hub.nodeId, data: '{"id":2,"rpc":{"method":"x"}}' }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('refuses a stream without a connect command with 400', async () => {
    const sse = await fetch(`${t.url}/connection/sse?cf_connect=${encodeURIComponent('{"id":1,"rpc":{}}')}`);
    expect(sse.status).toBe(400);
    const stream = await fetch(`${t.url}/connection/http_stream`, { method: 'POST', body: 'not json' });
    expect(stream.status).toBe(400);
  });

  it('refuses a stream from an origin not allowed with 403, and lets an allowed one in', async () => {
    const token = await t.token('u1');
    const body = JSON.stringify({ id: 1, connect: { token } });
    const denied = await fetch(`${t.url}/connection/http_stream`, {
      method: 'POST',
      headers: { Origin: 'https://evil.example' },
      body,
    });
    expect(denied.status).toBe(403);
    const controller = new AbortController();
    const allowed = await fetch(`${t.url}/connection/http_stream`, {
      method: 'POST',
      headers: { Origin: 'https://app.example' },
      body,
      signal: controller.signal,
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const reader = allowed.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const reply = JSON.parse(first.split('\n')[0]!) as { id: number; connect: Record<string, unknown> };
    expect(reply.id).toBe(1);
    expect(reply.connect).toMatchObject({ node: t.server.hub.nodeId });
    expect(typeof reply.connect.session).toBe('string');
    expect(reply.connect.session).not.toBe(reply.connect.client);
    controller.abort();
  });

  it('ends the stream with a disconnect push for an invalid token', async () => {
    const response = await fetch(`${t.url}/connection/http_stream`, {
      method: 'POST',
      body: JSON.stringify({ id: 1, connect: { token: 'garbage' } }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text.trim())).toEqual({ push: { disconnect: { code: 3500, reason: 'invalid token' } } });
  });
});
