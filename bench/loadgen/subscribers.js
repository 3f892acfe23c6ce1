/**
 * Subscriber load generator (child process). Holds a slice [from, to) of the C subscriber
 * connections, counts deliveries and records publish→deliver latency.
 *
 * Requests from the parent: connect, phaseStart, stats, phaseEnd, close.
 * While a phase with `progress` is active it sends {type:'progress', delivered} every 10 ms,
 * which the parent relays to the publisher for end-to-end flow control.
 */
import { appendFileSync } from 'node:fs';
import WebSocket from 'ws';
import { serveRequests } from '../lib/child.js';
import { now } from '../lib/clock.js';
import { Histogram } from '../lib/hist.js';
import { benchToken } from '../lib/jwt.js';
import { openClient, protocols } from '../lib/protocols.js';

const KEY = '"sentAt":';
const hist = new Histogram();
/** @type {WebSocket[]} */
const sockets = [];
let delivered = 0;
let lastAt = 0;
let recording = false;
let closing = false;
let progressTimer = null;
let cpuAtStart = process.cpuUsage();
let tAtStart = now();
const unexpectedCloses = {};
const SLOW_DUMP = process.env.BENCH_SLOW_DUMP;
const SLOW_MS = Number(process.env.BENCH_SLOW_MS ?? 1.5);
const slow = [];
/** The protocol this process speaks (set at connect): slow dumps are named after it. */
let protocol = 'unknown';

function onDeliveries(s) {
  let i = s.indexOf(KEY);
  if (i === -1) return;
  const t = now();
  lastAt = t;
  while (i !== -1) {
    delivered++;
    if (recording) {
      const sent = parseFloat(s.slice(i + 9, i + 40));
      hist.record(t - sent);
      if (SLOW_DUMP && t - sent > SLOW_MS) slow.push(`${sent.toFixed(3)} ${(t - sent).toFixed(3)}`);
    }
    i = s.indexOf(KEY, i + 9);
  }
}

function channelFor(scenario, i) {
  return scenario === 'broadcast' ? 'bench:all' : `bench:room-${Math.floor(i / 10)}`;
}

serveRequests({
  async connect({ proto, port, path, scenario, from, to, concurrency, jwtSecret, timeoutMs }) {
    const P = protocols[proto];
    if (!P) throw new Error(`unknown protocol ${proto}`);
    protocol = proto;
    const count = to - from;
    // Tokens are the client's business, not the server's: sign them before the clock starts.
    const tokens =
      proto === 'dabba' ? Array.from({ length: count }, (_, k) => benchToken(jwtSecret, `sub-${from + k}`)) : null;
    const errors = {};
    let next = from;
    let ok = 0;
    let failed = 0;
    const t0 = now();
    const deadline = t0 + (timeoutMs ?? 120_000);
    async function lane() {
      while (next < to && now() < deadline) {
        const i = next++;
        try {
          const ws = await openClient(WebSocket, proto, {
            port,
            path,
            channel: channelFor(scenario, i),
            token: tokens?.[i - from],
          });
          ws.on('message', P.steady(ws, onDeliveries));
          ws.on('close', (code) => {
            if (!closing) unexpectedCloses[code] = (unexpectedCloses[code] ?? 0) + 1;
          });
          sockets.push(ws);
          ok++;
        } catch (err) {
          failed++;
          const k = String(err?.message ?? err).slice(0, 160);
          errors[k] = (errors[k] ?? 0) + 1;
        }
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
    failed += to - next; // not attempted before the deadline
    return { ok, failed, t0, t1: now(), errors };
  },

  phaseStart({ latency, progress }) {
    delivered = 0;
    lastAt = 0;
    hist.reset();
    recording = !!latency;
    cpuAtStart = process.cpuUsage();
    tAtStart = now();
    if (progressTimer) clearInterval(progressTimer);
    progressTimer = progress ? setInterval(() => process.send?.({ type: 'progress', delivered }), 10) : null;
    return { t: tAtStart };
  },

  stats() {
    return { delivered, lastAt, open: sockets.length, unexpectedCloses };
  },

  phaseEnd() {
    if (progressTimer) clearInterval(progressTimer);
    progressTimer = null;
    // Appended: an interleaved latency phase ends once per block.
    if (recording && SLOW_DUMP && slow.length)
      appendFileSync(`${SLOW_DUMP}.${protocol}.${process.pid}`, slow.join('\n') + '\n');
    slow.length = 0;
    recording = false;
    const cpu = process.cpuUsage(cpuAtStart);
    return {
      delivered,
      lastAt,
      hist: hist.export(),
      cpuS: (cpu.user + cpu.system) / 1e6,
      wallS: (now() - tAtStart) / 1000,
      unexpectedCloses,
    };
  },

  close() {
    closing = true;
    for (const ws of sockets) ws.terminate();
    setTimeout(() => process.exit(0), 20);
    return {};
  },
});

process.send?.({ type: 'ready' });
