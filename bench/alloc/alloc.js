#!/usr/bin/env node
/**
 * Allocated bytes per delivery in the rooms fan-out: a deterministic measure (no clock), for
 * comparing changes on a busy machine. The server runs in this process; N native-protocol
 * clients (10 per channel) and a publisher run in a child. V8's sampling heap profiler, told to
 * keep objects that were collected too, records every allocation during P publications; the
 * harness's own allocations are left out.
 *
 *   npm run build && node --expose-gc bench/alloc/alloc.js [hub|client] [N=1000] [P=2000] [top=25]
 *
 * hub: publications from `hub.publish` (a domain service), one per event-loop turn.
 * client: from a native-protocol client's `publish` command, each after the last reply (what
 * bench/run.js's publisher does, without the window).
 * Prints bytes per delivery and per publication, by part (Dabba, node/V8, ws, prom-client, zod)
 * and the allocating functions (STACKS=1: with two callers).
 */
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, signToken } from '../../packages/server/dist/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const mode = process.argv[2] ?? 'hub';
const N = Number(process.argv[3] ?? 1000);
const P = Number(process.argv[4] ?? 2000);
const TOP = Number(process.argv[5] ?? 25);
const ROOMS = Math.max(1, Math.floor(N / 10));
const SECRET = 'alloc-bench-secret-long-enough';

const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  jwtSecret: SECRET,
  logLevel: 'warn',
  databaseUrl: 'sqlite::memory:',
  maxCommandsPerSecond: 1e9,
  commandBurst: 1e9,
  namespaces: { bench: { allowSubscribe: 'authenticated', allowClientPublish: true, historySize: 0, historyTtlMs: 0 } },
});
const tokens = [];
for (let i = 0; i < N; i++) tokens.push(await signToken(SECRET, { sub: `u${i}`, role: 'customer' }));
const publisherToken = await signToken(SECRET, { sub: 'publisher', role: 'customer' });
const url = `ws://127.0.0.1:${server.port}/connection/websocket`;
const child = fork(path.join(HERE, 'subscribers.js'), [url, String(N), String(ROOMS)]);
const nextMessage = () => new Promise((resolve) => child.once('message', resolve));
child.send({ tokens, publisherToken });
await nextMessage();

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
async function publish(count) {
  const done = nextMessage();
  if (mode === 'client') {
    child.send({ expect: count * 10, publish: count });
  } else {
    child.send({ expect: count * 10 });
    for (let k = 0; k < count; k++) {
      await server.hub.publish(`bench:room-${k % ROOMS}`, { data: { n: k, t: 1_733_000_000_000 + k } });
      await nextTurn();
    }
  }
  await done;
}

await publish(200); // warm-up: compiled code and inline caches, as in a running server
for (let i = 0; i < 4; i++) globalThis.gc?.();
const inspector = new Session();
inspector.connect();
await inspector.post('HeapProfiler.startSampling', {
  samplingInterval: 32,
  includeObjectsCollectedByMinorGC: true,
  includeObjectsCollectedByMajorGC: true,
});
await publish(P);
const { profile } = await inspector.post('HeapProfiler.stopSampling');

const frameName = (f) => `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`;
const bySite = new Map();
(function walk(node, stack) {
  const here = [...stack, frameName(node.callFrame)];
  if (node.selfSize > 0) {
    const key = here.slice(-3).join(' <- ');
    bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child, here);
})(profile.head, []);

const leafOf = (site) => site.split(' <- ').at(-1);
let harness = 0;
for (const [site, bytes] of bySite) {
  if (/alloc\.js|node:inspector|(^| )post /.test(leafOf(site))) {
    harness += bytes;
    bySite.delete(site);
  }
}
const partOf = (leaf) =>
  /server\/dist|protocol\/dist|hub\/|engines\/|centrifuge\/|shared\/|dist\/channels/.test(leaf)
    ? 'dabba'
    : /lib\/(counter|histogram|util)\.js/.test(leaf)
      ? 'prom-client'
      : /schemas\.js|\(anon\) :2$/.test(leaf)
        ? 'zod'
        : /lib\/(websocket|sender|receiver|buffer-util)\.js/.test(leaf)
          ? 'ws'
          : 'node/v8';
const sum = (entries, keyOf) => {
  const out = new Map();
  for (const [site, bytes] of entries) out.set(keyOf(site), (out.get(keyOf(site)) ?? 0) + bytes);
  return [...out].sort((a, b) => b[1] - a[1]);
};
const total = [...bySite.values()].reduce((a, b) => a + b, 0);
const D = P * 10;
console.log(
  `mode=${mode} N=${N} publications=${P} deliveries=${D}: ${(total / D).toFixed(0)} B/delivery, ` +
    `${(total / P).toFixed(0)} B/publication (the harness's own ${(harness / P).toFixed(0)} B/publication left out)`,
);
console.log(
  `  by part, B/delivery: ${sum(bySite, (s) => partOf(leafOf(s)))
    .map(([p, b]) => `${p} ${(b / D).toFixed(0)}`)
    .join(', ')}`,
);
const rows = process.env.STACKS ? sum(bySite, (s) => s) : sum(bySite, leafOf);
for (const [site, bytes] of rows.slice(0, TOP))
  console.log(`${(bytes / P).toFixed(0).padStart(6)} B/publication  ${site}`);
child.send('bye');
await server.close();
process.exit(0);
