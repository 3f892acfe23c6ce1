/**
 * Preload for a benchmark server child (any server): for every publication it receives, when
 * its frame arrived and when the first and last socket writes carrying it were issued. A
 * publication is known by its payload's `sentAt` stamp, in the inbound frame and in every
 * written frame, so a server that defers writes (Dabba batches what follows a first write) is
 * timed as fairly as one that writes inside its message handler. One line per publication goes
 * to /tmp/timeline.<pid>, in ms:
 *
 *   <sentAt> <arrival - sentAt> <first write - arrival> <last write - arrival> <writes>
 *
 *   BENCH_SERVER_NODE_ARGS="--import $PWD/bench/diagnostics/timeline-probe.js" \
 *     node bench/run.js --servers ws,dabba --conns 1000 --scenarios rooms --workers 2
 *   node bench/diagnostics/timeline-report.js /tmp/timeline.*
 *
 * It patches `ws` and `net.Socket#write` in the server process and scans every written frame,
 * so its figures are for comparing servers with each other, not results.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { now as nowMs } from '../lib/clock.js';

// The server's own `ws` (the ESM wrapper re-exports this class).
const WebSocket = createRequire(new URL('../../packages/server/package.json', import.meta.url))('ws');
const KEY = '"sentAt":';
const out = `/tmp/timeline.${process.pid}`;
/** sentAt (as written) → { arrivedAt, first, last, writes } */
const publications = new Map();

/** Calls `visit(stamp)` for every `"sentAt":` stamp in `text`. */
function eachStamp(text, visit) {
  for (let i = text.indexOf(KEY); i !== -1; i = text.indexOf(KEY, i + KEY.length)) {
    const start = i + KEY.length;
    let end = start;
    while (end < text.length && /[0-9.]/.test(text[end])) end++;
    visit(text.slice(start, end));
  }
}

const emit = WebSocket.prototype.emit;
WebSocket.prototype.emit = function (event, data) {
  if (event === 'message' && data && data.length > 60) {
    const arrivedAt = nowMs();
    eachStamp(data.toString(), (stamp) => publications.set(stamp, { arrivedAt, first: 0, last: 0, writes: 0 }));
  }
  return emit.apply(this, arguments);
};

const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (data) {
  if (data && data.length > 60) {
    const at = nowMs();
    eachStamp(typeof data === 'string' ? data : data.toString('latin1'), (stamp) => {
      const p = publications.get(stamp);
      if (!p) return;
      if (p.writes++ === 0) p.first = at;
      p.last = at;
    });
  }
  return write.apply(this, arguments);
};

// A publication is written out when it has been quiet for 200 ms.
setInterval(() => {
  const now = nowMs();
  const lines = [];
  for (const [stamp, p] of publications) {
    if (now - p.arrivedAt < 200) continue;
    publications.delete(stamp);
    if (p.writes === 0) continue;
    const f = (ms) => ms.toFixed(3);
    lines.push(`${stamp} ${f(p.arrivedAt - stamp)} ${f(p.first - p.arrivedAt)} ${f(p.last - p.arrivedAt)} ${p.writes}`);
  }
  if (lines.length) fs.appendFileSync(out, lines.join('\n') + '\n');
}, 250).unref();
