import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CentClient, CentException } from 'cent.js';
import { RawClient } from './support/raw-client.js';
import { startTestServer, TEST_API_KEY, TEST_SECRET, type ApiReply, type TestServer } from './support/fixture.js';

const ROOM = { allowSubscribe: 'authenticated', presence: true, historySize: 10, historyTtlMs: 60_000 } as const;

/** Rejects after `ms` instead of letting a missing event hang the test. */
function within<T>(promise: Promise<T>, ms = 5000, what = 'event'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The Centrifugo-compatible server API over real HTTP. */
describe('server API', () => {
  let t: TestServer;
  const clients: RawClient[] = [];
  beforeEach(async () => {
    t = await startTestServer({ namespaces: { room: ROOM } });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await t.close();
  });

  async function connected(sub: string, ...channels: string[]): Promise<RawClient> {
    const client = await RawClient.open(t.wsUrl);
    clients.push(client);
    expect((await client.connect(await t.token(sub))).error).toBeUndefined();
    for (const channel of channels) expect((await client.call('subscribe', { channel })).error).toBeUndefined();
    return client;
  }

  async function post(method: string, body: string, headers: Record<string, string>): Promise<[number, ApiReply]> {
    const response = await fetch(`${t.url}/api/${method}`, { method: 'POST', headers, body });
    return [response.status, (await response.json()) as ApiReply];
  }

  describe('transport', () => {
    it('accepts the key as X-API-Key or as Authorization: apikey KEY', async () => {
      const body = JSON.stringify({ channel: 'room:auth', data: {} });
      expect(await post('publish', body, { 'X-API-Key': TEST_API_KEY })).toEqual([200, { result: expect.any(Object) }]);
      const [status, reply] = await post('publish', body, { Authorization: `apikey ${TEST_API_KEY}` });
      expect(status).toBe(200);
      expect(reply.result).toMatchObject({ offset: 2 });
    });

    it('answers 401 with code 101 for a wrong or missing key, and publishes nothing', async () => {
      for (const key of ['wrong-key', null]) {
        const { status, body } = await t.api('publish', { channel: 'room:auth', data: {} }, key);
        expect(status).toBe(401);
        expect(body).toEqual({ error: { code: 101, message: expect.any(String) } });
      }
      const [status] = await post('publish', '{"channel":"room:auth","data":{}}', { Authorization: 'Bearer x' });
      expect(status).toBe(401);
      const history = await t.api('history', { channel: 'room:auth' });
      expect(history.body.result).toMatchObject({ offset: 0 });
    });

    it('answers 400 with code 107 for a body that is not JSON', async () => {
      const { status, body } = await t.api('publish', '{"channel": nope');
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: 107 });
    });

    it('answers 413 for a body over maxBodyBytes', async () => {
      await t.close();
      t = await startTestServer({ maxBodyBytes: 1024 });
      const small = await t.api('publish', { channel: 'role:driver', data: 'x'.repeat(100) });
      expect(small.status).toBe(200);
      const { status, body } = await t.api('publish', { channel: 'role:driver', data: 'x'.repeat(2000) });
      expect(status).toBe(413);
      expect(body.error).toMatchObject({ code: 107 });
    });

    it('answers 503 when no API key is configured, whatever key is presented', async () => {
      await t.close();
      t = await startTestServer({ apiKey: undefined });
      for (const key of [TEST_API_KEY, '', null]) {
        const { status, body } = await t.api('info', {}, key);
        expect(status).toBe(503);
        expect(body.error).toMatchObject({ code: 108 });
      }
    });

    it('answers 107 naming the field for invalid params, with HTTP 200 like Centrifugo', async () => {
      const { status, body } = await t.api('publish', { data: { x: 1 } });
      expect(status).toBe(200);
      expect(body.error?.code).toBe(107);
      expect(body.error?.message).toMatch(/channel/);
      const history = await t.api('history', { channel: 'room:a', limit: 'ten' });
      expect(history.body.error?.code).toBe(107);
      expect(history.body.error?.message).toMatch(/limit/);
      const noData = await t.api('publish', { channel: 'room:a' });
      expect(noData.body.error).toMatchObject({ code: 107, message: expect.stringMatching(/^data/) });
      const emptyKey = await t.api('publish', { channel: 'room:a', data: 1, idempotency_key: '' });
      expect(emptyKey.body.error).toMatchObject({ code: 107, message: expect.stringMatching(/^idempotency_key/) });
    });

    it('answers 404 for a method it does not have', async () => {
      expect((await t.api('nope', {})).status).toBe(404);
    });

    it('answers 102 for an unknown namespace and 107 for an invalid channel name', async () => {
      const unknown = await t.api('publish', { channel: 'nowhere:1', data: {} });
      expect(unknown).toEqual({ status: 200, body: { error: { code: 102, message: expect.any(String) } } });
      const invalid = await t.api('publish', { channel: 'room:has space', data: {} });
      expect(invalid.body.error?.code).toBe(107);
    });
  });

  describe('publish and broadcast', () => {
    it('assigns increasing offsets in one epoch, and the type becomes the tag a client sees', async () => {
      const client = await connected('u1', 'room:pub');
      const first = await t.api('publish', { channel: 'room:pub', data: { n: 1 } });
      const second = await t.api('publish', { channel: 'room:pub', data: { n: 2 }, type: 'order:status_update' });
      expect(first.body.result).toEqual({ offset: 1, epoch: expect.any(String) });
      expect(second.body.result).toEqual({ offset: 2, epoch: first.body.result?.epoch });

      await client.waitFor(() => client.publications('room:pub')[1]);
      const [plain, typed] = client.publications('room:pub');
      expect(plain).toEqual({ data: { n: 1 }, offset: 1 });
      expect(typed).toMatchObject({ data: { n: 2 }, offset: 2, tags: { type: 'order:status_update' } });
      expect(typed?.tags).toEqual({ type: 'order:status_update', id: expect.any(String), ts: expect.any(String) });
    });

    it('publishes once per idempotency key: a repeat returns the first result and delivers nothing', async () => {
      const client = await connected('u1', 'room:idem');
      const request = { channel: 'room:idem', data: { n: 1 }, idempotency_key: 'order-7-paid' };
      const first = await t.api('publish', request);
      const repeat = await t.api('publish', { ...request, data: { n: 'again' } });
      expect(repeat.body).toEqual(first.body);
      expect(first.body.result).toMatchObject({ offset: 1 });
      // A later publish is delivered after anything the repeat could have sent: wait for it, then count.
      await t.api('publish', { channel: 'room:idem', data: { n: 2 } });
      await client.waitFor(() => client.publications('room:idem').find((p) => (p.data as { n: unknown }).n === 2));
      expect(client.publications('room:idem').map((p) => p.data)).toEqual([{ n: 1 }, { n: 2 }]);
      const other = await t.api('publish', { ...request, channel: 'room:idem-other' });
      expect(other.body.result).toMatchObject({ offset: 1 });
    });

    it('broadcasts to several channels, with an error entry for the one that fails', async () => {
      const client = await connected('u1', 'room:b1', 'room:b2');
      const { status, body } = await t.api('broadcast', {
        channels: ['room:b1', 'room:b2', 'nowhere:b3', 'bad channel'],
        data: { all: true },
      });
      expect(status).toBe(200);
      const responses = (body.result as { responses: ApiReply[] }).responses;
      expect(responses).toEqual([
        { result: { offset: 1, epoch: expect.any(String) } },
        { result: { offset: 1, epoch: expect.any(String) } },
        { error: { code: 102, message: expect.any(String) } },
        { error: { code: 107, message: expect.any(String) } },
      ]);
      await client.waitFor(() => client.publications('room:b2')[0]);
      expect(client.publications('room:b1')).toEqual([{ data: { all: true }, offset: 1 }]);
      expect(client.publications('room:b2')).toEqual([{ data: { all: true }, offset: 1 }]);
    });

    it('refuses a broadcast without channels', async () => {
      const { body } = await t.api('broadcast', { channels: [], data: {} });
      expect(body.error).toMatchObject({ code: 107, message: expect.stringMatching(/channels/) });
    });
  });

  describe('history', () => {
    let epoch: string;
    beforeEach(async () => {
      for (let n = 1; n <= 5; n++) {
        const { body } = await t.api('publish', { channel: 'room:h', data: { n } });
        epoch = body.result?.epoch as string;
      }
    });

    const ns = (reply: ApiReply): unknown[] =>
      (reply.result?.publications as Array<{ data: { n: number } }>).map((p) => p.data.n);

    it('returns only the position without a limit, and every kept publication with -1', async () => {
      const position = await t.api('history', { channel: 'room:h' });
      expect(position.body.result).toEqual({ publications: [], offset: 5, epoch });
      const all = await t.api('history', { channel: 'room:h', limit: -1 });
      expect(ns(all.body)).toEqual([1, 2, 3, 4, 5]);
      expect((all.body.result?.publications as unknown[])[0]).toEqual({ data: { n: 1 }, offset: 1 });
    });

    it('honours limit and reverse', async () => {
      expect(ns((await t.api('history', { channel: 'room:h', limit: 2 })).body)).toEqual([1, 2]);
      expect(ns((await t.api('history', { channel: 'room:h', limit: 2, reverse: true })).body)).toEqual([5, 4]);
    });

    it('returns what came after a position in the same epoch', async () => {
      const { body } = await t.api('history', { channel: 'room:h', limit: 10, since: { offset: 3, epoch } });
      expect(ns(body)).toEqual([4, 5]);
      expect(body.result).toMatchObject({ offset: 5, epoch });
    });

    it('answers 112 for a position in another epoch', async () => {
      const { status, body } = await t.api('history', {
        channel: 'room:h',
        limit: 10,
        since: { offset: 3, epoch: 'x' },
      });
      expect(status).toBe(200);
      expect(body.error).toMatchObject({ code: 112 });
    });

    it('answers 108 for a namespace that keeps no history', async () => {
      await t.close();
      t = await startTestServer({ namespaces: { news: { allowSubscribe: 'authenticated' } } });
      expect((await t.api('history', { channel: 'news:1', limit: 1 })).body.error).toMatchObject({ code: 108 });
    });
  });

  describe('presence, channels, info, disconnect', () => {
    it('lists presence and counts distinct users', async () => {
      const a1 = await connected('alice', 'room:p');
      const a2 = await connected('alice', 'room:p');
      const b = await connected('bob', 'room:p');
      const { body } = await t.api('presence', { channel: 'room:p' });
      const presence = body.result?.presence as Record<string, { client: string; user: string }>;
      const ids = [a1, a2, b].map((c) => c.replies.get(1)?.connect as { client: string });
      expect(Object.keys(presence).sort()).toEqual(ids.map((r) => r.client).sort());
      expect(presence[ids[2]?.client ?? '']).toEqual({ client: ids[2]?.client, user: 'bob' });
      const stats = await t.api('presence_stats', { channel: 'room:p' });
      expect(stats.body).toEqual({ result: { num_clients: 3, num_users: 2 } });

      expect((await b.call('unsubscribe', { channel: 'room:p' })).error).toBeUndefined();
      expect((await t.api('presence_stats', { channel: 'room:p' })).body.result).toEqual({
        num_clients: 2,
        num_users: 1,
      });
    });

    it('answers 108 for presence on a namespace without presence', async () => {
      for (const method of ['presence', 'presence_stats']) {
        const { status, body } = await t.api(method, { channel: 'role:driver' });
        expect(status).toBe(200);
        expect(body.error).toMatchObject({ code: 108 });
      }
      expect((await t.api('presence', { channel: 'nowhere:1' })).body.error).toMatchObject({ code: 102 });
    });

    it('lists channels with subscribers, filtered by a pattern', async () => {
      await connected('u1', 'room:c1', 'room:c2');
      await connected('u2', 'room:c1');
      const all = await t.api('channels', {});
      expect(all.body.result?.channels).toEqual({
        'user:u1': { num_clients: 1 },
        'user:u2': { num_clients: 1 },
        'room:c1': { num_clients: 2 },
        'room:c2': { num_clients: 1 },
      });
      const rooms = await t.api('channels', { pattern: 'room:*' });
      expect(Object.keys(rooms.body.result?.channels as object).sort()).toEqual(['room:c1', 'room:c2']);
      expect((await t.api('channels', { pattern: 'user:u2' })).body.result?.channels).toEqual({
        'user:u2': { num_clients: 1 },
      });
    });

    it('reports one node with its client count', async () => {
      await connected('u1');
      await connected('u2');
      const { body } = await t.api('info', {});
      const nodes = body.result?.nodes as Array<Record<string, unknown>>;
      expect(nodes).toHaveLength(1);
      expect(nodes[0]).toMatchObject({ uid: t.server.hub.nodeId, num_clients: 2, num_users: 2, engine: 'memory' });
    });

    it('disconnects every connection of a user, with 3503 by default', async () => {
      const first = await connected('gone');
      const second = await connected('gone');
      const bystander = await connected('stays');
      expect((await t.api('disconnect', { user: 'gone' })).body).toEqual({ result: {} });
      expect(await within(first.closed, 5000, 'close')).toEqual({ code: 3503, reason: 'force disconnect' });
      expect((await within(second.closed, 5000, 'close')).code).toBe(3503);
      expect((await bystander.call('presence_stats', { channel: 'user:stays' })).error).toBeUndefined();
    });

    it('disconnects one client with the given code and reason', async () => {
      const target = await connected('u1');
      const other = await connected('u1');
      const client = (target.replies.get(1)?.connect as { client: string }).client;
      const disconnect = { code: 4001, reason: 'moved' };
      expect((await t.api('disconnect', { user: 'u1', client, disconnect })).body).toEqual({ result: {} });
      expect(await within(target.closed, 5000, 'close')).toEqual(disconnect);
      expect((await other.call('presence_stats', { channel: 'user:u1' })).error).toBeUndefined();
      const bad = await t.api('disconnect', { user: 'u1', disconnect: { code: 1000, reason: '' } });
      expect(bad.body.error).toMatchObject({ code: 107, message: expect.stringMatching(/disconnect\.code/) });
    });
  });

  it('never writes the API key, the JWT secret or a token to the logs', async () => {
    await t.close();
    t = await startTestServer({ namespaces: { room: ROOM }, logLevel: 'trace' });
    const token = await t.token('u1');
    const client = await RawClient.open(`${t.wsUrl}?token=${token}`);
    clients.push(client);
    await client.connect(token);
    await client.call('subscribe', { channel: 'room:secret' });
    await t.api('publish', { channel: 'room:secret', data: {} });
    await t.api('publish', 'not json');
    await t.api('publish', {}, 'wrong-key');
    await post('publish', '{}', { Authorization: `apikey ${TEST_API_KEY}` });
    await t.api('disconnect', { user: 'u1' });
    await within(client.closed);
    expect(t.logs.length).toBeGreaterThan(0);
    const logs = t.logs.join('\n');
    for (const secret of [TEST_API_KEY, TEST_SECRET, token, token.split('.')[2] as string]) {
      expect(logs).not.toContain(secret);
    }
  });
});

/** The Centrifugo server SDK for Node (npm `cent.js`), unchanged, against Dabba. */
describe('cent.js SDK', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ namespaces: { room: ROOM } });
  });
  afterEach(() => t.close());

  it('publishes, reads history and info, and surfaces errors', async () => {
    const cent = new CentClient({ url: `${t.url}/api`, apiKey: TEST_API_KEY });
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1'));
    await client.call('subscribe', { channel: 'room:sdk' });

    const first = await cent.publish({ channel: 'room:sdk', data: { hello: 'world' } });
    expect(first).toEqual({ offset: 1, epoch: expect.any(String) });
    await client.waitFor(() => client.publications('room:sdk')[0]);
    expect(client.publications('room:sdk')[0]).toEqual({ data: { hello: 'world' }, offset: 1 });

    const history = await cent.getHistory({ channel: 'room:sdk', limit: 10 });
    expect(history).toMatchObject({ offset: 1, epoch: first.epoch, publications: [{ data: { hello: 'world' } }] });
    const info = await cent.getInfo();
    expect(info.nodes[0]).toMatchObject({ num_clients: 1 });

    await expect(cent.publish({ channel: 'nowhere:1', data: {} })).rejects.toBeInstanceOf(CentException);
    const wrongKey = new CentClient({ url: `${t.url}/api`, apiKey: 'wrong' });
    await expect(wrongKey.publish({ channel: 'room:sdk', data: {} })).rejects.toBeInstanceOf(CentException);
    client.close();
  });
});
