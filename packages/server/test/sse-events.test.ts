import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSource } from 'eventsource';
import { startTestServer, type TestServer } from './support/fixture.js';
import { SseReader } from './support/sse-reader.js';
import { StreamGate } from './support/stream-gate.js';
import { waitUntil } from './support/wait.js';

interface EnvelopeData {
  id: string;
  type: string;
  channel: string;
  data: { seq: number };
  ts: number;
}

/** `GET /api/events?channels=…`: the general SSE stream, with the npm `eventsource` client and raw fetch. */
describe('SSE face: /api/events', () => {
  let t: TestServer;
  const sources: EventSource[] = [];
  const readers: SseReader[] = [];

  beforeEach(async () => {
    t = await startTestServer({
      namespaces: {
        room: { allowSubscribe: 'authenticated', historySize: 100, historyTtlMs: 60_000 },
        live: { allowSubscribe: 'authenticated' },
      },
      sseRetryMs: 20,
      sseHeartbeatMs: 100,
    });
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    for (const reader of readers.splice(0)) reader.close();
    await t.close();
  });

  const eventsUrl = (channels: string, token?: string): string =>
    `${t.url}/api/events?channels=${encodeURIComponent(channels)}${token ? `&token=${token}` : ''}`;

  async function reader(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const r = await SseReader.open(url, headers);
    readers.push(r);
    return r;
  }

  const publish = (channel: string, seq: number): Promise<unknown> =>
    t.api('publish', { channel, data: { seq }, type: 'room:message' });

  it('streams the events of every channel asked for, typed by envelope type', async () => {
    const source = new EventSource(eventsUrl('room:a,user:u1', await t.token('u1')));
    sources.push(source);
    const received: EnvelopeData[] = [];
    source.addEventListener('room:message', (event) => received.push(JSON.parse(event.data) as EnvelopeData));
    await new Promise<void>((resolve) => source.addEventListener('ready', () => resolve(), { once: true }));
    await publish('room:a', 1);
    await publish('user:u1', 2);
    await waitUntil(() => received.length === 2);
    expect(received).toMatchObject([
      { type: 'room:message', channel: 'room:a', data: { seq: 1 } },
      { type: 'room:message', channel: 'user:u1', data: { seq: 2 } },
    ]);
  });

  it('resumes with Last-Event-ID after a dropped connection, losing nothing', async () => {
    const gate = new StreamGate();
    const Gated = gate.eventSourceClass();
    const source = new Gated(eventsUrl('room:a,room:b', await t.token('u1')));
    sources.push(source);
    const received: string[] = [];
    let resets = 0;
    let readies = 0;
    source.addEventListener('reset', () => resets++);
    source.addEventListener('ready', () => readies++);
    source.addEventListener('room:message', (event) => {
      const envelope = JSON.parse(event.data) as EnvelopeData;
      received.push(`${envelope.channel}#${envelope.data.seq}`);
    });
    await waitUntil(() => readies === 1);
    await publish('room:a', 0);
    await waitUntil(() => received.length === 1);

    gate.block();
    gate.killAll();
    const expected = ['room:a#0'];
    for (let seq = 1; seq <= 10; seq++) {
      await publish('room:a', seq);
      await publish('room:b', seq);
      expected.push(`room:a#${seq}`, `room:b#${seq}`);
    }
    gate.open();
    await waitUntil(() => received.length === expected.length);
    expect(readies).toBe(2);
    expect(resets).toBe(0);
    // Per channel in order, nothing twice.
    expect(received.filter((r) => r.startsWith('room:a'))).toEqual(expected.filter((r) => r.startsWith('room:a')));
    expect(received.filter((r) => r.startsWith('room:b'))).toEqual(expected.filter((r) => r.startsWith('room:b')));
  });

  it('replays from an explicit Last-Event-ID, each event id carrying every channel', async () => {
    const token = await t.token('u1');
    const first = await reader(eventsUrl('room:a,live:x', token));
    const ready = await first.nextEvent();
    expect(ready?.event).toBe('ready');
    await publish('room:a', 1);
    const one = await first.nextEvent();
    expect(one).toMatchObject({ event: 'room:message' });
    expect(one?.id).toMatch(/^1:[^,]+,$/);
    first.close();
    await publish('room:a', 2);
    await publish('room:a', 3);

    const again = await reader(eventsUrl('room:a,live:x', token), { 'Last-Event-ID': one!.id! });
    // Channel by channel: room:a replayed, then the history-less live:x reset (it cannot be resumed).
    const events = [await again.nextEvent(), await again.nextEvent(), await again.nextEvent()];
    expect(events.map((e) => e?.event)).toEqual(['room:message', 'room:message', 'reset']);
    expect(events.slice(0, 2).map((e) => (JSON.parse(e!.data!) as EnvelopeData).data.seq)).toEqual([2, 3]);
    expect(events[1]?.id).toMatch(/^3:[^,]+,$/);
    expect(JSON.parse(events[2]!.data!)).toEqual({ channel: 'live:x', reason: 'history_unavailable' });
    expect((await again.nextEvent())?.event).toBe('ready');
  });

  it('sends a reset when history no longer reaches back (another epoch, or a bad id)', async () => {
    const token = await t.token('u1');
    await publish('room:a', 1);
    const stale = await reader(eventsUrl('room:a', token), { 'Last-Event-ID': '1:not-this-epoch' });
    const reset = await stale.nextEvent();
    expect(reset).toMatchObject({ event: 'reset' });
    expect(JSON.parse(reset!.data!)).toMatchObject({ channel: 'room:a' });
    const ready = await stale.nextEvent();
    expect(ready?.event).toBe('ready');
    // The reset moved the client to the channel's current position.
    expect(ready?.id).toMatch(/^1:/);

    const garbled = await reader(eventsUrl('room:a', token), { 'Last-Event-ID': 'x,y,z' });
    expect((await garbled.nextEvent())?.event).toBe('reset');
  });

  it('sets retry and sends a comment heartbeat', async () => {
    const r = await reader(eventsUrl('room:a', await t.token('u1')));
    expect((await r.next())?.retry).toBe('20');
    let block = await r.next();
    while (block && block.comment === undefined) block = await r.next();
    expect(block?.comment).toBe('heartbeat');
  });

  it('refuses a missing or bad token with 401 and a message; accepts a Bearer header or the cookie', async () => {
    const none = await fetch(eventsUrl('room:a'));
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({
      error: { code: 'unauthorized', message: expect.stringMatching(/token/) },
    });
    const bad = await fetch(eventsUrl('room:a', 'not-a-jwt'));
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: { code: 'unauthorized' } });

    const token = await t.token('u1');
    const bearer = await reader(eventsUrl('room:a'), { Authorization: `Bearer ${token}` });
    expect(bearer.status).toBe(200);
    expect((await bearer.nextEvent())?.event).toBe('ready');
    const cookie = await reader(eventsUrl('room:a'), { Cookie: `other=1; dabba_token=${token}` });
    expect(cookie.status).toBe(200);
    expect((await cookie.nextEvent())?.event).toBe('ready');
  });

  it('refuses channels the user may not follow with 403, unknown namespaces with 404, none with 400', async () => {
    const token = await t.token('u1');
    const denied = await fetch(eventsUrl('room:a,user:u2', token));
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: 'permission_denied' } });
    expect((await fetch(eventsUrl('nope:x', token))).status).toBe(404);
    expect((await fetch(`${t.url}/api/events?token=${token}`)).status).toBe(400);
  });

  it('ends the stream when the token expires', async () => {
    const r = await reader(eventsUrl('room:a', await t.token('u1', 'customer', { ttlSeconds: 2 })));
    expect((await r.nextEvent())?.event).toBe('ready');
    const end = await r.nextEvent(5000);
    expect(end?.event).toBe('disconnect');
    expect(JSON.parse(end!.data!)).toEqual({ code: 3005, reason: 'connection expired' });
    expect(await r.next()).toBeUndefined();
  });
});

describe('SSE face: bounded outbound', () => {
  it('closes a client whose backlog passes sseMaxOutboundBytes', async () => {
    await using t = await startTestServer({
      namespaces: { room: { allowSubscribe: 'authenticated', historySize: 100, historyTtlMs: 60_000 } },
      sseMaxOutboundBytes: 4096,
    });
    const r = await SseReader.open(`${t.url}/api/events?channels=room:a&token=${await t.token('u1')}`);
    expect((await r.nextEvent())?.event).toBe('ready');
    const before = (await t.server.metrics.slowDisconnects.get()).values[0]?.value ?? 0;
    // Published in one tick: the stream's queue passes its budget before it can be flushed.
    const text = 'x'.repeat(1000);
    await Promise.all(Array.from({ length: 10 }, () => t.server.hub.publish('room:a', { data: { text } })));
    let block = await r.next();
    while (block) block = await r.next();
    expect((await t.server.metrics.slowDisconnects.get()).values[0]?.value).toBe(before + 1);
  });
});
