/**
 * Watchers (child process): native-protocol clients subscribed to `tracking:{orderId}`, as the
 * customer's and a support agent's apps would be. Counts `driver:location_update` deliveries and
 * records fix-sent → delivered latency from the fix's `timestamp` (the driver stamps it with the
 * shared clock at send time, to the millisecond).
 *
 * Requests from the parent: connect({ port, path, watchers, concurrency }), phaseStart({ record }),
 * phaseEnd(), close.
 */
import WebSocket from 'ws';
import { serveRequests } from '../lib/child.js';
import { wallClockMs } from '../lib/clock.js';
import { Histogram } from '../lib/hist.js';
import { openClient, protocols } from '../lib/protocols.js';

const KEY = '"timestamp":"';
const ISO_LENGTH = 24; // 2026-01-31T12:00:00.000Z
const hist = new Histogram();
const sockets = [];
let delivered = 0;
let recording = false;
let closing = false;
let unexpectedCloses = 0;
let cpuAtStart = process.cpuUsage();

function onDeliveries(text) {
  let i = text.indexOf(KEY);
  if (i === -1) return;
  const t = wallClockMs();
  while (i !== -1) {
    delivered++;
    if (recording) hist.record(t - Date.parse(text.slice(i + KEY.length, i + KEY.length + ISO_LENGTH)));
    i = text.indexOf(KEY, i + KEY.length);
  }
}

serveRequests({
  async connect({ port, path, watchers, concurrency }) {
    let next = 0;
    let ok = 0;
    const errors = {};
    const lane = async () => {
      while (next < watchers.length) {
        const { token, channel } = watchers[next++];
        try {
          const ws = await openClient(WebSocket, 'dabba', { port, path, channel, token });
          ws.on('message', protocols.dabba.steady(ws, onDeliveries));
          ws.on('close', () => {
            if (!closing) unexpectedCloses++;
          });
          sockets.push(ws);
          ok++;
        } catch (err) {
          const key = String(err?.message ?? err).slice(0, 160);
          errors[key] = (errors[key] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, watchers.length) }, lane));
    return { ok, errors };
  },

  phaseStart({ record }) {
    delivered = 0;
    hist.reset();
    recording = !!record;
    cpuAtStart = process.cpuUsage();
    return {};
  },

  stats() {
    return { delivered };
  },

  phaseEnd() {
    recording = false;
    const cpu = process.cpuUsage(cpuAtStart);
    return { delivered, hist: hist.export(), cpuS: (cpu.user + cpu.system) / 1e6, unexpectedCloses };
  },

  close() {
    closing = true;
    for (const ws of sockets) ws.terminate();
    setTimeout(() => process.exit(0), 20);
    return {};
  },
});

process.send?.({ type: 'ready' });
