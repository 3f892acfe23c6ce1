import type { Socket as NetSocket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { startTestServer, type TestServer } from './support/fixture.js';
import { closeSioClients, collect, connectSio, nextEvent, sioClient } from './support/socketio.js';
import { waitUntil } from './support/wait.js';

const servers: TestServer[] = [];
afterEach(async () => {
  closeSioClients();
  for (const t of servers.splice(0)) await t.close();
});

/** The TCP socket under a socket.io-client's WebSocket transport (engine.io-client over `ws`). */
function tcpOf(socket: Socket): NetSocket {
  const transport = socket.io.engine.transport as unknown as { ws?: { _socket?: NetSocket } };
  const tcp = transport.ws?._socket;
  if (!tcp) throw new Error('no TCP socket under the transport');
  return tcp;
}

const EVENT_BYTES = 16 * 1024;
/** Enough to fill loopback's kernel buffers (a few MiB) and then the face's budget. */
const MAX_EVENTS = 1800;

describe('Socket.IO face: slow consumers', () => {
  it('disconnects a client that stops reading once its backlog passes maxOutboundBytes; it recovers what it missed', async () => {
    const t = await startTestServer({
      logLevel: 'warn',
      socketio: { maxOutboundBytes: 256 * 1024, recoveryJournalSize: 4096 },
      namespaces: { user: { historySize: MAX_EVENTS, historyTtlMs: 60_000 } },
    });
    servers.push(t);
    const token = await t.token('cust-1');
    const slow = sioClient(t, '/app', { token });
    const got = collect<{ n: number }>(slow, 'notification');
    await connectSio(slow);
    const clients = t.server.hub.info('test').num_clients as number;

    tcpOf(slow).pause();
    const padding = 'x'.repeat(EVENT_BYTES);
    let published = 0;
    while (t.server.hub.info('test').num_clients === clients) {
      if (published === MAX_EVENTS) throw new Error(`still connected after ${MAX_EVENTS} events`);
      await t.server.hub.publish('user:cust-1', { type: 'notification', data: { n: published++, padding } });
      // Deliveries and socket writes happen on later turns of the event loop: let them.
      if (published % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // The server let go of it: memory stays bounded whatever the client does.
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/dabba_slow_consumer_disconnects_total 1/);
    expect(t.logs.some((line) => line.includes('slow socket.io consumer disconnected'))).toBe(true);

    // A few more while it is away, then it reads again, notices the drop, and reconnects.
    for (let i = 0; i < 3; i++)
      await t.server.hub.publish('user:cust-1', { type: 'notification', data: { n: published++, padding } });
    const dropped = nextEvent<string>(slow, 'disconnect');
    tcpOf(slow).resume();
    expect(await dropped).toMatch(/^transport (close|error)$/);
    await connectSio(slow);
    expect(slow.recovered).toBe(true);
    await waitUntil(() => got.length >= published, 10_000);
    expect(got.map((e) => e.n)).toEqual(Array.from({ length: published }, (_, i) => i));
  });
});
