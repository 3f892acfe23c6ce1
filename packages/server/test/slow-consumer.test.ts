import type { Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { startTestServer, type TestServer } from './support/fixture.js';

let t: TestServer | undefined;
afterEach(() => t?.close());

const gc = (globalThis as { gc?: () => void }).gc;

function retainedBytes(): number {
  gc?.();
  const usage = process.memoryUsage();
  return usage.arrayBuffers + usage.heapUsed;
}

it('disconnects a client that stops reading with the slow code, keeps memory bounded, and serves the others', async () => {
  const maxOutboundBytes = 256 * 1024;
  t = await startTestServer({
    maxOutboundBytes,
    logLevel: 'warn',
    namespaces: { news: { allowSubscribe: 'authenticated' } },
  });
  const slow = await RawClient.open(t.wsUrl);
  await slow.connect(await t.token('slow'));
  await slow.call('subscribe', { channel: 'news:firehose' });
  const healthy = await RawClient.open(t.wsUrl);
  await healthy.connect(await t.token('healthy'));
  await healthy.call('subscribe', { channel: 'news:firehose' });

  // The slow client's process stops reading: the kernel buffers fill, then the server's.
  (slow.ws as unknown as { _socket: Socket })._socket.pause();
  const before = retainedBytes();
  const messages = 400;
  const payload = 'x'.repeat(64 * 1024);
  for (let n = 0; n < messages; n++) {
    await t.server.hub.publish('news:firehose', { data: { n, payload } });
    // Let the flush run between publications, as a real stream of events would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await healthy.waitFor(() => (healthy.publications('news:firehose').length === messages ? true : undefined), 15_000);
  healthy.frames.length = 0;
  healthy.pushes.length = 0;
  const grown = retainedBytes() - before;

  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  expect(metrics).toMatch(/dabba_slow_consumer_disconnects_total 1\b/);
  // 400 × 64 KiB = 25 MiB went out; an unbounded queue would hold most of it for the slow client.
  expect(gc, 'vitest runs with --expose-gc').toBeDefined();
  expect(grown).toBeLessThan(8 * 1024 * 1024);

  (slow.ws as unknown as { _socket: Socket })._socket.resume();
  expect(await slow.closed).toMatchObject({ code: 3008, reason: 'slow' });
  const received = slow.publications('news:firehose').length;
  expect(received).toBeLessThan(messages);
}, 30_000);
