/**
 * Publisher (child process): ONE WebSocket connection to the server under test, publishing
 * ~100-byte order-status payloads stamped with a cross-process clock.
 *
 * run({mode:'saturate'}) : keep ≤ window un-acked publishes AND ≤ maxLag deliveries published
 *                          but not yet counted by the subscribers (the parent relays their
 *                          counts as {type:'delivered'}), for durationMs.
 * run({mode:'rate'})     : open loop at a fixed rate (pubs/s) for durationMs; the stamp is taken
 *                          at the real send time; a safety cap on un-acked publishes is reported
 *                          if it ever binds.
 * Every publish carries an ack id; all three servers ack once the fan-out is handed to sockets.
 */
import WebSocket from 'ws';
import { serveRequests } from '../lib/child.js';
import { now, sleep } from '../lib/clock.js';
import { benchToken } from '../lib/jwt.js';
import { openClient, protocols } from '../lib/protocols.js';

const STATUSES = ['accepted', 'preparing', 'ready', 'picked_up', 'arriving', 'delivered'];

let ws = null;
let P = null;
let deliveredTotal = 0;
let onProgress = () => {};
let closeInfo = null;

// Per-run state
let inflight = 0;
/** id → expected deliveries of that publish */
const pending = new Map();
let run = null;

process.on('message', (m) => {
  if (m && m.type === 'delivered') {
    deliveredTotal = m.n;
    onProgress();
  }
});

function channelsFor(scenario, C) {
  if (scenario === 'broadcast') return { names: ['bench:all'], fanout: [C] };
  const rooms = Math.ceil(C / 10);
  const names = new Array(rooms);
  const fanout = new Array(rooms);
  for (let r = 0; r < rooms; r++) {
    names[r] = `bench:room-${r}`;
    fanout[r] = Math.min(10, C - r * 10);
  }
  return { names, fanout };
}

function onAck(id, err) {
  const exp = pending.get(id);
  if (exp === undefined || !run) return;
  pending.delete(id);
  inflight--;
  if (err) {
    run.errors++;
    if (!run.firstError) run.firstError = err;
  } else {
    run.acked++;
    run.expected += exp;
  }
  run.lastAckAt = now();
  run.pump();
}

function sendOne() {
  const r = run;
  const k = r.sent % r.ch.names.length;
  const seq = r.sent;
  const id = r.nextId++;
  const data = `{"orderId":"o-${k}","status":"${STATUSES[seq % 6]}","rider":"r-${k % 97}","eta":420,"seq":${seq},"sentAt":${now()}}`;
  ws.send(P.pubFrame(id, r.ch.names[k], data));
  r.tLastSendReal = now();
  pending.set(id, r.ch.fanout[k]);
  inflight++;
  r.sent++;
  r.sentExpected += r.ch.fanout[k];
}

serveRequests({
  async connect({ proto, port, path, jwtSecret, token: given }) {
    P = protocols[proto];
    const token = proto === 'dabba' ? (given ?? benchToken(jwtSecret, 'bench-publisher')) : undefined;
    ws = await openClient(WebSocket, proto, { port, path, channel: null, token });
    ws.on('message', (data) => P.acks(ws, data.toString(), onAck));
    ws.on('close', (code, reason) => {
      closeInfo = { code, reason: String(reason) };
    });
    return { ok: true };
  },

  async run({ mode, durationMs, window, maxLag, rate, scenario, C, maxInflight, ackTimeoutMs }) {
    if (!ws || ws.readyState !== WebSocket.OPEN)
      throw new Error(`publisher not connected ${JSON.stringify(closeInfo)}`);
    pending.clear();
    inflight = 0;
    const cpu0 = process.cpuUsage();
    const startDelivered = deliveredTotal;
    let finishResolve;
    const finished = new Promise((resolve) => (finishResolve = resolve));
    const r = (run = {
      ch: channelsFor(scenario, C),
      nextId: 100 + Math.floor(Math.random() * 1000) * 1_000_000,
      sent: 0,
      sentExpected: 0,
      acked: 0,
      errors: 0,
      firstError: null,
      expected: 0,
      capped: 0,
      t0: now(),
      tLastSend: 0,
      tLastSendReal: 0,
      lastAckAt: 0,
      stopped: false,
      pump: () => {},
    });
    const tEnd = r.t0 + durationMs;

    if (mode === 'saturate') {
      r.pump = () => {
        if (r.stopped) return;
        while (inflight < window && r.sentExpected - (deliveredTotal - startDelivered) < maxLag) {
          if (now() >= tEnd || ws.readyState !== WebSocket.OPEN) {
            r.stopped = true;
            break;
          }
          sendOne();
        }
        if (r.stopped) finishResolve();
      };
      onProgress = r.pump;
      const stopTimer = setTimeout(() => {
        r.stopped = true;
        finishResolve();
      }, durationMs);
      r.pump();
      await finished;
      clearTimeout(stopTimer);
    } else {
      const total = Math.max(1, Math.round((rate * durationMs) / 1000));
      const cap = maxInflight ?? 10_000;
      await new Promise((resolve) => {
        const tick = () => {
          const t = now();
          const due = Math.min(total, Math.floor(((t - r.t0) * rate) / 1000) + 1);
          while (r.sent < due && ws.readyState === WebSocket.OPEN) {
            if (inflight >= cap) {
              r.capped++;
              break;
            }
            sendOne();
          }
          if (r.sent >= total || t > tEnd + 2000 || ws.readyState !== WebSocket.OPEN) resolve();
          else setTimeout(tick, 1);
        };
        tick();
      });
      r.stopped = true;
    }
    r.tLastSend = now();
    onProgress = () => {};
    // Wait (bounded) for the outstanding acks.
    const ackDeadline = now() + (ackTimeoutMs ?? 15_000);
    while (inflight > 0 && now() < ackDeadline && ws.readyState === WebSocket.OPEN) await sleep(5);
    const result = {
      mode,
      t0: r.t0,
      tLastSend: r.tLastSend,
      sent: r.sent,
      acked: r.acked,
      errors: r.errors,
      firstError: r.firstError,
      unacked: inflight,
      expected: r.expected,
      capped: r.capped,
      // Publishes per second over the sending span (the first one goes out at t0).
      achievedRate: r.sent > 1 ? (r.sent - 1) / Math.max(1e-9, (r.tLastSendReal - r.t0) / 1000) : 0,
      closed: ws.readyState !== WebSocket.OPEN ? closeInfo : null,
      cpuS: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(cpu0)),
    };
    run = null;
    return result;
  },

  close() {
    if (ws) ws.terminate();
    setTimeout(() => process.exit(0), 20);
    return {};
  },
});

process.send?.({ type: 'ready' });
