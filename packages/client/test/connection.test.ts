import { afterEach, describe, expect, it } from 'vitest';
import { RECONNECT_PRESETS, type ConnectionState } from '../src/index.js';
import { startTestServer, type TestServer } from '../../server/test/support/fixture.js';
import { redirectingWebSocket, type Redirect } from '../../server/test/support/redirecting-websocket.js';
import { closeClients, isStatus, recordStates, stateWhere, testClient } from './support.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  closeClients();
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(): Promise<TestServer> {
  const t = await startTestServer({ logLevel: 'warn' });
  cleanup.push(() => t.close());
  return t;
}

function redirect(t: TestServer): Redirect {
  const r = redirectingWebSocket(t.wsUrl);
  cleanup.push(() => r.close());
  return r;
}

/** Drops the user's connections with a code that tells clients to reconnect. */
async function drop(t: TestServer, user: string): Promise<void> {
  const reply = await t.api('disconnect', { user, disconnect: { code: 3011, reason: 'force reconnect' } });
  expect(reply.body.error).toBeUndefined();
}

const summary = (s: ConnectionState): string =>
  s.status === 'reconnecting'
    ? `reconnecting ${s.attempt}/${s.maxAttempts}`
    : s.status === 'failed'
      ? `failed ${s.attempts}`
      : s.status;

describe('connection state', () => {
  it('connects, counts retries while the server accepts nothing, fails after maxAttempts, and retry() connects again', async () => {
    const t = await server();
    const r = redirect(t);
    const client = testClient(t, {
      token: await t.token('u1'),
      websocket: r.WebSocket,
      reconnect: { minDelayMs: 20, maxDelayMs: 80, maxAttempts: 3 },
    });
    const states = recordStates(client);
    const connected = await stateWhere(client, isStatus('connected'));
    expect(connected.clientId).toMatch(/.+/);
    expect(connected.transport).toBe('websocket');

    // The server stops accepting: every new socket is reset.
    await r.park();
    const droppedAt = Date.now();
    await drop(t, 'u1');
    const failed = await stateWhere(client, isStatus('failed'));
    expect(failed.attempts).toBe(3);
    expect(states.map(summary)).toEqual([
      'connecting',
      'connected',
      'reconnecting 1/3',
      'reconnecting 2/3',
      'reconnecting 3/3',
      'failed 3',
    ]);
    for (const state of states.filter(isStatus('reconnecting'))) {
      expect(state.earliestRetryAt).toBeGreaterThanOrEqual(droppedAt + 20);
      expect(state.nextRetryAt).toBeGreaterThanOrEqual(state.earliestRetryAt);
      expect(state.nextRetryAt - state.earliestRetryAt).toBeLessThanOrEqual(80);
    }
    // Failed means stopped: no socket is tried any more.
    expect(client.centrifuge.state).toBe('disconnected');

    // The server is back; a manual retry starts over.
    r.target.url = t.wsUrl;
    states.length = 0;
    client.retry();
    await stateWhere(client, isStatus('connected'));
    expect(states.map(summary)).toEqual(['connecting', 'connected']);
  });

  it('counts retries from 1 again after a successful reconnect', async () => {
    const t = await server();
    const r = redirect(t);
    const client = testClient(t, {
      token: await t.token('u2'),
      websocket: r.WebSocket,
      reconnect: { minDelayMs: 20, maxDelayMs: 40, maxAttempts: 5 },
    });
    await stateWhere(client, isStatus('connected'));
    await r.park();
    await drop(t, 'u2');
    await stateWhere(client, (s) => s.status === 'reconnecting' && s.attempt === 3);
    r.target.url = t.wsUrl;
    await stateWhere(client, isStatus('connected'));

    const states = recordStates(client);
    await r.park();
    await drop(t, 'u2');
    await stateWhere(client, (s) => s.status === 'reconnecting' && s.attempt === 2);
    expect(states.map(summary).slice(0, 3)).toEqual(['connected', 'reconnecting 1/5', 'reconnecting 2/5']);
  });

  it('a first connect that fails retries too, and fails after maxAttempts', async () => {
    const t = await server();
    const r = redirect(t);
    await r.park();
    const client = testClient(t, {
      token: await t.token('u3'),
      websocket: r.WebSocket,
      reconnect: { minDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 },
    });
    const states = recordStates(client);
    await stateWhere(client, isStatus('failed'));
    expect(states.map(summary)).toEqual(['connecting', 'reconnecting 1/2', 'reconnecting 2/2', 'failed 2']);
  });

  it("announces the presets' schedules: seed 004's mobile app and seed 001's dashboard", async () => {
    expect(RECONNECT_PRESETS.mobile).toEqual({ minDelayMs: 1000, maxDelayMs: 16_000, maxAttempts: 10 });
    expect(RECONNECT_PRESETS.dashboard).toEqual({ minDelayMs: 3000, maxDelayMs: 30_000, maxAttempts: 5 });
    const t = await server();
    const client = testClient(t, { token: await t.token('u4'), reconnect: RECONNECT_PRESETS.mobile });
    await stateWhere(client, isStatus('connected'));
    const before = Date.now();
    await drop(t, 'u4');
    const reconnecting = await stateWhere(client, isStatus('reconnecting'));
    // Retry 1 of the mobile schedule: after 1 s, jittered up to 2 s.
    expect(reconnecting).toMatchObject({ attempt: 1, maxAttempts: 10 });
    expect(reconnecting.earliestRetryAt - before).toBeGreaterThanOrEqual(1000);
    expect(reconnecting.nextRetryAt - before).toBeLessThanOrEqual(2000 + 200);
    const connected = await stateWhere(client, isStatus('connected'), 4000);
    expect(Date.now() - before).toBeGreaterThanOrEqual(1000);
    expect(connected.status).toBe('connected');
  });

  it('reconnects at once when the page becomes visible again', async () => {
    const t = await server();
    const document = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    const client = testClient(t, {
      token: await t.token('u5'),
      // A long delay: only the visibility change can bring it back within the test.
      reconnect: { minDelayMs: 30_000, maxDelayMs: 60_000 },
      lifecycleTarget: { document },
    });
    await stateWhere(client, isStatus('connected'));
    await drop(t, 'u5');
    await stateWhere(client, isStatus('reconnecting'));
    const woke = Date.now();
    document.visibilityState = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
    await stateWhere(client, isStatus('connected'), 3000);
    expect(Date.now() - woke).toBeLessThan(3000);
  });

  it('connects again when the device comes back online after failing', async () => {
    const t = await server();
    const r = redirect(t);
    await r.park();
    const window = new EventTarget();
    const client = testClient(t, {
      token: await t.token('u8'),
      websocket: r.WebSocket,
      reconnect: { minDelayMs: 10, maxDelayMs: 20, maxAttempts: 1 },
      lifecycleTarget: { window },
    });
    await stateWhere(client, isStatus('failed'));
    r.target.url = t.wsUrl;
    window.dispatchEvent(new Event('online'));
    await stateWhere(client, isStatus('connected'));
  });

  it('a token the server rejects for good ends in disconnected, not in endless retries', async () => {
    const t = await server();
    const client = testClient(t, { token: 'not-a-jwt' });
    const state = await stateWhere(client, isStatus('disconnected'));
    expect(state.code).toBe(3500);
  });

  it('gets a new token through getToken when the server says it expired; updateToken replaces it', async () => {
    const t = await server();
    let issued = 0;
    const client = testClient(t, {
      token: await t.token('u6', 'customer', { ttlSeconds: -10 }),
      getToken: async () => {
        issued++;
        return t.token('u6');
      },
    });
    await stateWhere(client, isStatus('connected'));
    expect(issued).toBe(1);

    client.updateToken(await t.token('u6', 'customer', { name: 'Renamed' }));
    await drop(t, 'u6');
    await stateWhere(client, isStatus('reconnecting'));
    await stateWhere(client, isStatus('connected'));
    expect(issued).toBe(1);
  });

  it('disconnect() is disconnected, and connect() connects again', async () => {
    const t = await server();
    const client = testClient(t, { token: await t.token('u7') });
    await stateWhere(client, isStatus('connected'));
    client.disconnect();
    expect(client.state).toEqual({ status: 'disconnected', code: 0, reason: 'disconnect called' });
    client.connect();
    await stateWhere(client, isStatus('connected'));
  });
});
