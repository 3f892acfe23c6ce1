#!/usr/bin/env node
/**
 * Location-ingest benchmark (issue 3): N simulated drivers, each on an active order watched by
 * two clients on `tracking:{orderId}`, report positions over the native protocol's rpc
 * `driver.location`. Dabba runs in its own child process on a temporary SQLite file; drivers and
 * watchers run in two more. Everything listens on 127.0.0.1 and every child dies with this one.
 *
 *   npm run build && node bench/location.js [--drivers 2000] [--duration-s 10] [--warmup-s 3]
 *
 * Phases: (1) every driver sends 1 update/s (N updates/s in all), open loop: accepted updates per
 * server CPU-second and fix-sent → delivered latency at that rate; (2) saturation: each driver
 * keeps `--inflight` updates outstanding, closed loop: accepted updates per server CPU-second and
 * per second. Each accepted update is validated, rate-checked, stored (latest + trail), published
 * to its order's tracking channel and its order's ETA recomputed (announced when it changes).
 * The per-driver rate limit is lifted (`--min-interval-ms 0`) so that N drivers can saturate.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Child, guardProcess, killAll } from './lib/child.js';
import { now, sleep } from './lib/clock.js';
import { Histogram } from './lib/hist.js';
import { buildWorld } from './location/setup.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, '../packages/server/dist/index.js');

const { values: opt } = parseArgs({
  options: {
    drivers: { type: 'string', default: '2000' },
    kitchens: { type: 'string', default: '40' },
    'duration-s': { type: 'string', default: '10' },
    'warmup-s': { type: 'string', default: '3' },
    inflight: { type: 'string', default: '8' },
    'min-interval-ms': { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '100' },
    'server-cpu-prof': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(`usage: node bench/location.js [options]
  --drivers 2000         simulated drivers, one active order and two tracking watchers each
  --kitchens 40          kitchens the orders are spread over
  --duration-s 10        length of each measured phase
  --warmup-s 3           unmeasured 1 update/s per driver before the first phase
  --inflight 8           saturation: updates each driver keeps outstanding
  --min-interval-ms 0    the server's per-driver rate limit (0 = lifted, so the drivers can saturate it)
  --concurrency 100      connection attempts in flight while connecting
  --server-cpu-prof DIR  write V8 CPU profiles of the server during each measured phase to DIR`);
  process.exit(0);
}
const DRIVERS = Number(opt.drivers);
const DURATION_MS = Number(opt['duration-s']) * 1000;
const WARMUP_MS = Number(opt['warmup-s']) * 1000;
const INFLIGHT = Number(opt.inflight);
const CONCURRENCY = Number(opt.concurrency);

// Process hygiene: every child dies with us; a watchdog bounds the whole run.
guardProcess(240_000 + 2 * (DURATION_MS + 15_000) + WARMUP_MS);

const log = (...args) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

async function startChild(name, module, args = []) {
  const child = new Child(name, path.join(HERE, module), { args, execArgv: ['--max-old-space-size=2048'] });
  const ready = await child.waitFor('ready', 30_000).catch((err) => {
    throw new Error(`${name} did not start: ${err.message}`);
  });
  return { child, ready };
}

async function serverCpuS(server) {
  const s = await server.request('stats');
  return (s.cpuUser + s.cpuSystem) / 1e6;
}

/** Starts or stops the server's CPU profiler (--server-cpu-prof); a no-op without it. */
async function profile(server, action, name) {
  const dir = opt['server-cpu-prof'];
  if (!dir) return;
  const done = server.waitFor('profiled', 30_000);
  server.send({ type: 'profile', action, file: path.resolve(dir, `location-${name}.cpuprofile`) });
  await done;
}

/** One measured phase: server CPU and watcher deliveries around a drivers' run. */
async function phase(server, drivers, watchers, run, { name, record }) {
  await watchers.request('phaseStart', { record });
  await profile(server, 'start', name);
  const cpu0 = await serverCpuS(server);
  const t0 = now();
  const result = await drivers.request('run', run, run.durationMs + 30_000);
  // Deliveries trail the last replies slightly: give them a moment (bounded).
  const deadline = now() + 5_000;
  while (now() < deadline && (await watchers.request('stats')).delivered < 2 * result.accepted) await sleep(20);
  const wallS = (now() - t0) / 1000;
  const cpuS = (await serverCpuS(server)) - cpu0;
  await profile(server, 'stop', name);
  const seen = await watchers.request('phaseEnd');
  const hist = new Histogram();
  hist.merge(seen.hist);
  return {
    ...result,
    serverCpuS: cpuS,
    phaseWallS: wallS,
    delivered: seen.delivered,
    latency: hist.summary(),
    watchersCpuS: seen.cpuS,
  };
}

function report(name, r) {
  const lat = r.latency;
  const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : Number(n).toFixed(d));
  console.log(`\n${name}`);
  console.log(`  accepted updates           ${r.accepted} of ${r.sent} sent (${fmt(r.accepted / r.wallS)} /s)`);
  console.log(
    `  accepted per server CPU-s  ${fmt(r.accepted / r.serverCpuS)}   (server CPU ${fmt(r.serverCpuS, 2)} s, ${fmt((100 * r.serverCpuS) / r.phaseWallS)} % of a core)`,
  );
  console.log(`  deliveries to watchers     ${r.delivered} (expected ${2 * r.accepted})`);
  if (lat.n)
    console.log(
      `  fix sent → delivered ms    p50 ${fmt(lat.p50, 2)}  p90 ${fmt(lat.p90, 2)}  p99 ${fmt(lat.p99, 2)}  max ${fmt(lat.max, 2)}  (n=${lat.n})`,
    );
  console.log(
    `  load generators CPU        drivers ${fmt((100 * r.cpuS) / r.phaseWallS)} %, watchers ${fmt((100 * r.watchersCpuS) / r.phaseWallS)} % of a core`,
  );
  const errors = Object.entries(r.errors);
  if (errors.length)
    console.log(`  errors                     ${errors.map(([code, n]) => `${code}: ${n}`).join(', ')}`);
  if (r.noOrder || r.noEta || r.outstanding || r.unexpectedCloses)
    console.log(
      `  warnings                   no order: ${r.noOrder}, no ETA: ${r.noEta}, unanswered: ${r.outstanding}, closed: ${r.unexpectedCloses}`,
    );
}

async function main() {
  if (!existsSync(DIST)) throw new Error(`${DIST} not found: run \`npm run build\` first`);
  const limit = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  if (limit && Number(limit) < 3 * DRIVERS + 1000)
    log(`warning: open-file limit ${limit} is low for ${3 * DRIVERS} connections (ulimit -n 65535)`);
  log(
    `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; ${DRIVERS} drivers, ${2 * DRIVERS} watchers`,
  );

  const { child: server, ready } = await startChild('server', 'location/server.js', [
    '--min-interval-ms',
    opt['min-interval-ms'],
  ]);
  const { port, path: wsPath, info } = ready;
  log(`server on ${info.url} (${info.databaseUrl}); building the world through REST…`);
  const t0 = now();
  const world = await buildWorld({
    url: info.url,
    drivers: DRIVERS,
    kitchens: Number(opt.kitchens),
    onProgress: (n) => log(`  ${n} orders`),
  });
  log(`${DRIVERS} active orders in ${((now() - t0) / 1000).toFixed(1)} s`);

  const { child: watchers } = await startChild('watchers', 'location/watchers.js');
  const { child: drivers } = await startChild('drivers', 'location/drivers.js');
  const w = await watchers.request(
    'connect',
    { port, path: wsPath, watchers: world.flatMap((d) => d.watchers), concurrency: CONCURRENCY },
    180_000,
  );
  const d = await drivers.request(
    'connect',
    { port, path: wsPath, drivers: world.map(({ token, leg }) => ({ token, leg })), concurrency: CONCURRENCY },
    180_000,
  );
  log(
    `connected ${w.ok} watchers, ${d.ok} drivers`,
    Object.keys({ ...w.errors, ...d.errors }).length ? { ...w.errors, ...d.errors } : '',
  );
  if (w.ok !== 2 * DRIVERS || d.ok !== DRIVERS) throw new Error('not every client connected');

  log(`warm-up: ${WARMUP_MS / 1000} s at 1 update/s per driver`);
  await drivers.request('run', { mode: 'rate', perDriverHz: 1, durationMs: WARMUP_MS }, WARMUP_MS + 30_000);
  log(`phase 1: ${DURATION_MS / 1000} s at 1 update/s per driver (${DRIVERS}/s)`);
  const steady = await phase(
    server,
    drivers,
    watchers,
    { mode: 'rate', perDriverHz: 1, durationMs: DURATION_MS },
    { name: 'steady', record: true },
  );
  log(`phase 2: ${DURATION_MS / 1000} s saturation, ${INFLIGHT} updates outstanding per driver`);
  const saturated = await phase(
    server,
    drivers,
    watchers,
    { mode: 'saturate', inflight: INFLIGHT, durationMs: DURATION_MS },
    { name: 'saturated', record: true },
  );

  console.log(
    `\nDabba location ingest — ${DRIVERS} drivers × 2 watchers, SQLite file, node ${process.version}, ${os.cpus().length} CPUs`,
  );
  report(`1 update/s per driver (${DRIVERS} updates/s)`, steady);
  report(`saturation (${INFLIGHT} outstanding per driver)`, saturated);
  const ok =
    steady.latency.p99 !== null && steady.latency.p99 < 50 && saturated.accepted / saturated.serverCpuS >= 20_000;
  console.log(
    `\ntargets: ≥ 20,000 accepted per server CPU-s at saturation, p99 < 50 ms at ${DRIVERS}/s → ${ok ? 'met' : 'NOT met'}`,
  );

  await Promise.all([drivers.stop(), watchers.stop()]);
  // Let the server's last write-behind flush land before it stops.
  await sleep(500);
  await server.stop(10_000);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error('bench:', err?.stack ?? err);
    killAll();
    process.exit(1);
  },
);
