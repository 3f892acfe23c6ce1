import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { startTestServer, type TestServer } from './support/fixture.js';

describe('operations endpoints and channel rules', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ namespaces: { order: { historySize: 10, historyTtlMs: 60_000, maxSubscribers: 1 } } });
  });
  afterEach(() => t.close());

  it('answers /health and /ready', async () => {
    expect(await (await fetch(`${t.url}/health`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${t.url}/ready`)).json()).toEqual({ status: 'ready' });
  });

  it('exposes the metrics operators need on /metrics', async () => {
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1'));
    await t.api('publish', { channel: 'user:u1', data: {} });
    await client.waitFor(() => client.publications('user:u1')[0]);
    const text = await (await fetch(`${t.url}/metrics`)).text();
    for (const name of [
      'dabba_connections{face="centrifuge"} 1',
      'dabba_subscriptions 1',
      'dabba_publications_total{namespace="user"} 1',
      'dabba_deliveries_total 1',
      'dabba_commands_total{method="connect"} 1',
      'dabba_recovery_total',
      'dabba_slow_consumer_disconnects_total 0',
      'dabba_publish_to_deliver_seconds_bucket',
      'dabba_process_resident_memory_bytes',
    ]) {
      expect(text).toContain(name);
    }
    // Tallies since the last scrape are added to what earlier scrapes reported.
    await client.call('presence_stats', { channel: 'user:u1' });
    const again = await (await fetch(`${t.url}/metrics`)).text();
    expect(again).toContain('dabba_commands_total{method="connect"} 1');
    expect(again).toContain('dabba_commands_total{method="presence_stats"} 1');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await fetch(`${t.url}/nope?token=secret-value`);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).not.toContain('secret-value');
  });

  it('lets a token grant channels explicitly, and enforces max subscribers per channel', async () => {
    const granted = await RawClient.open(t.wsUrl);
    await granted.connect(await t.token('u1', 'customer', { channels: ['order:7'] }));
    expect((await granted.call('subscribe', { channel: 'order:7' })).error).toBeUndefined();
    expect((await granted.call('subscribe', { channel: 'order:8' })).error).toMatchObject({ code: 103 });
    const second = await RawClient.open(t.wsUrl);
    await second.connect(await t.token('u2', 'customer', { channels: ['order:7'] }));
    expect((await second.call('subscribe', { channel: 'order:7' })).error).toMatchObject({ code: 106 });
  });

  it('lets role channels be followed only by holders of the role', async () => {
    const chef = await RawClient.open(t.wsUrl);
    await chef.connect(await t.token('c1', 'chef'));
    expect((await chef.call('subscribe', { channel: 'role:chef' })).error).toBeUndefined();
    expect((await chef.call('subscribe', { channel: 'role:driver' })).error).toMatchObject({ code: 103 });
  });
});
