#!/usr/bin/env node
/**
 * Dabba benchmark harness: raw `ws` vs Socket.IO vs Dabba, each server in its own child process,
 * subscribers and the publisher in their own children. See bench/README.md.
 *
 *   node bench/run.js [--conns 1000,10000] [--scenarios broadcast,rooms]
 *                     [--servers ws,socketio,dabba] [--duration-s 10] [--out bench/out/latest.json]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BenchCase } from './lib/case.js';
import { guardProcess, killAll } from './lib/child.js';
import { sleep } from './lib/clock.js';
import { seededRandom, shuffled } from './lib/random.js';
import { ratioLines, ratios, summarize, table, tailLines, tails } from './lib/report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER_MODULES = {
  ws: path.join(HERE, 'servers/raw-ws.js'),
  // Raw ws woken every BENCH_WS_B_TICK_MS (default 10) by a timer that does nothing: is a
  // server that never sleeps long faster to reach on this VM? (Dabba's keepWarmMs.)
  'ws-tick': path.join(HERE, 'servers/raw-ws.js'),
  // Raw ws whose deliveries are padded to the length of Dabba's (BENCH_WS_B_PAD_BYTES, default
  // 94): does a longer frame cost the subscribers, and so the tail?
  'ws-pad': path.join(HERE, 'servers/raw-ws.js'),
  // Raw ws that spends BENCH_WS_B_BURN_US (default 12) of CPU after each publication's ack:
  // does a server that works a little more per publication get scheduled later on this host?
  'ws-burn': path.join(HERE, 'servers/raw-ws.js'),
  socketio: path.join(HERE, 'servers/socketio.js'),
  dabba: path.join(HERE, 'servers/dabba.js'),
  'dabba-redis': path.join(HERE, 'servers/dabba-cluster.js'),
  // Another build of Dabba (BENCH_DABBA_B_DIST=/other/checkout/packages/server/dist/index.js)
  // or other server options (BENCH_DABBA_B_OPTIONS='{"pingIntervalMs":300000}') or Node
  // options (BENCH_DABBA_B_NODE_OPTIONS='--max-semi-space-size=1'): with
  // --interleave-s, a change is measured against the code before it under the same noise.
  'dabba-b': path.join(HERE, 'servers/dabba.js'),
};
const SERVER_ORDER = ['ws', 'ws-tick', 'ws-pad', 'ws-burn', 'socketio', 'dabba', 'dabba-b', 'dabba-redis'];
/** Wire protocol each server speaks (bench/lib/protocols.js). */
const PROTOCOL = { 'dabba-redis': 'dabba', 'dabba-b': 'dabba', 'ws-tick': 'ws', 'ws-pad': 'ws', 'ws-burn': 'ws' };
/** Environment of a server child beyond the parent's. */
const SERVER_ENV = {
  'ws-tick': { BENCH_WS_TICK_MS: process.env.BENCH_WS_B_TICK_MS || '10' },
  'ws-pad': { BENCH_WS_PAD_BYTES: process.env.BENCH_WS_B_PAD_BYTES || '94' },
  'ws-burn': { BENCH_WS_BURN_US: process.env.BENCH_WS_B_BURN_US || '12' },
  'dabba-b': {
    ...(process.env.BENCH_DABBA_B_DIST && { BENCH_DABBA_DIST: process.env.BENCH_DABBA_B_DIST }),
    ...(process.env.BENCH_DABBA_B_OPTIONS && { BENCH_DABBA_OPTIONS: process.env.BENCH_DABBA_B_OPTIONS }),
    ...(process.env.BENCH_DABBA_B_NODE_OPTIONS && { NODE_OPTIONS: process.env.BENCH_DABBA_B_NODE_OPTIONS }),
    ...(process.env.BENCH_DABBA_B_V8_FLAGS && { BENCH_DABBA_V8_FLAGS: process.env.BENCH_DABBA_B_V8_FLAGS }),
    ...(process.env.BENCH_DABBA_B_SLICE_US && { BENCH_SLICE_US: process.env.BENCH_DABBA_B_SLICE_US }),
  },
};
const DABBA_DIST = path.join(HERE, '../packages/server/dist/index.js');

// ---------------------------------------------------------------------------------------------
// Options

const { values: opt } = parseArgs({
  options: {
    conns: { type: 'string', default: '1000,10000' },
    scenarios: { type: 'string', default: 'broadcast,rooms' },
    servers: { type: 'string', default: 'ws,socketio,dabba' },
    'duration-s': { type: 'string', default: '10' },
    'latency-s': { type: 'string' },
    'interleave-s': { type: 'string', default: '0' },
    'warmup-s': { type: 'string', default: '2' },
    out: { type: 'string', default: path.join('bench', 'out', 'latest.json') },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '200' },
    window: { type: 'string', default: '64' },
    'max-lag': { type: 'string', default: '100000' },
    'broadcast-rate': { type: 'string', default: 'scaled' },
    'rooms-rate': { type: 'string', default: '1000' },
    repeat: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (opt.help) {
  console.log(`usage: node bench/run.js [options]
  --conns 1000,10000           connection counts C
  --scenarios broadcast,rooms  broadcast: all C on one channel; rooms: C/10 channels x 10
  --servers ws,socketio,dabba  servers to compare (run in this order within each case)
  --duration-s 10              length of the saturation phase and of the latency phase
  --latency-s N                length of the latency phase alone (default: --duration-s); a
                               p99 over a longer phase depends less on a few stalls of the VM
  --interleave-s 0             0: every server's case runs alone, one after another. N > 0:
                               every server stays up with its own load generators, and the
                               latency phase runs in N-second blocks taking the servers in
                               turn, so a noisy minute on a shared VM falls on all of them
  --warmup-s 2                 unmeasured saturation before the measured one
  --out bench/out/latest.json  JSON results
  --workers 1                  subscriber load-generator processes
  --concurrency 200            connection attempts in flight while opening C connections
  --window 64                  max un-acked publishes at saturation (all servers)
  --max-lag 100000             max deliveries published but not yet received (all servers)
  --broadcast-rate scaled      latency phase, broadcast: publishes/s (x C deliveries/s);
                               'scaled' = min(20, 20000 / C): 20/s at C=1000, 2/s at C=10000
  --rooms-rate 1000            latency phase, rooms: publishes/s (x 10 deliveries/s); or 'auto'
                               = 20% of the raw ws saturation measured in the same case
  --repeat 1                   run every case N times (servers interleaved); report medians
  --quick                      --conns 1000 --duration-s 3 --warmup-s 1 unless given`);
  process.exit(0);
}

const argvHas = (name) => process.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
if (opt.quick) {
  if (!argvHas('conns')) opt.conns = '1000';
  if (!argvHas('duration-s')) opt['duration-s'] = '3';
  if (!argvHas('warmup-s')) opt['warmup-s'] = '1';
}

function list(s, allowed, what) {
  const items = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const x of items)
    if (allowed && !allowed.includes(x)) die(`unknown ${what} '${x}' (allowed: ${allowed.join(', ')})`);
  return items;
}
function num(name, { min = 0, int = false } = {}) {
  const v = Number(opt[name]);
  if (!Number.isFinite(v) || v < min || (int && !Number.isInteger(v))) die(`--${name} must be a number >= ${min}`);
  return v;
}
function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

const CONNS = list(opt.conns).map((x) => {
  const v = Number(x);
  if (!Number.isInteger(v) || v < 10 || v > 100_000) die(`bad --conns value ${x}`);
  return v;
});
const SCENARIOS = list(opt.scenarios, ['broadcast', 'rooms'], 'scenario');
let SERVERS = list(opt.servers, SERVER_ORDER, 'server');
SERVERS = SERVER_ORDER.filter((s) => SERVERS.includes(s)); // ws first: 'auto' rooms rate needs it
const DURATION_MS = num('duration-s', { min: 0.5 }) * 1000;
const LATENCY_MS = opt['latency-s'] === undefined ? DURATION_MS : num('latency-s', { min: 0.5 }) * 1000;
const INTERLEAVE_MS = num('interleave-s') * 1000;
if (INTERLEAVE_MS > 0 && INTERLEAVE_MS < 500) die('--interleave-s must be 0 or at least 0.5');
const WARMUP_MS = num('warmup-s') * 1000;
const WORKERS = num('workers', { min: 1, int: true });
const CONCURRENCY = num('concurrency', { min: 1, int: true });
const WINDOW = num('window', { min: 1, int: true });
const MAX_LAG = num('max-lag', { min: 1, int: true });
const BROADCAST_SCALED = opt['broadcast-rate'] === 'scaled';
const BROADCAST_RATE = BROADCAST_SCALED ? null : num('broadcast-rate', { min: 0.1 });
/** Latency-phase publish rate for broadcast at C connections. */
const broadcastRate = (C) => BROADCAST_RATE ?? Math.min(20, 20_000 / C);
const ROOMS_RATE_AUTO = opt['rooms-rate'] === 'auto';
const ROOMS_RATE = ROOMS_RATE_AUTO ? null : num('rooms-rate', { min: 0.1 });
const REPEAT = num('repeat', { min: 1, int: true });
const OUT = path.resolve(opt.out);
const DRAIN_TIMEOUT_MS = Math.max(10_000, DURATION_MS, LATENCY_MS);

// ---------------------------------------------------------------------------------------------
// Process hygiene: every child dies with us; a watchdog bounds the whole run.
const perCaseBudgetMs = 180_000 + 3 * (DURATION_MS + LATENCY_MS + DRAIN_TIMEOUT_MS) + WARMUP_MS;
guardProcess(perCaseBudgetMs * CONNS.length * SCENARIOS.length * SERVERS.length * REPEAT);

function log(...args) {
  console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...args);
}

function openFileLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line.trim().split(/\s+/).slice(3, 5);
    return { soft: Number(soft) || Infinity, hard: Number(hard) || Infinity };
  } catch {
    return { soft: null, hard: null };
  }
}

// ---------------------------------------------------------------------------------------------
// Cases

async function withTimeout(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([
      promise,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const SETTINGS = {
  workers: WORKERS,
  concurrency: CONCURRENCY,
  window: WINDOW,
  maxLag: MAX_LAG,
  drainTimeoutMs: DRAIN_TIMEOUT_MS,
  warmupMs: WARMUP_MS,
  durationMs: DURATION_MS,
};

function newCase(name, C, scenario) {
  const server = { name, module: SERVER_MODULES[name], protocol: PROTOCOL[name] ?? name, env: SERVER_ENV[name] };
  return new BenchCase({ server, C, scenario, settings: SETTINGS, log });
}

const latencyRate = (scenario, C, roomsRate) =>
  scenario === 'broadcast' ? broadcastRate(C) : (roomsRate ?? ROOMS_RATE);

/** The rooms latency rate of `--rooms-rate auto`: 20 % of the raw ws saturation of the same case. */
function autoRoomsRate(bench) {
  if (!ROOMS_RATE_AUTO || bench.server.name !== 'ws' || bench.scenario !== 'rooms') return null;
  const rate = Math.max(1, Math.round((0.2 * bench.res.saturation.deliveriesPerS) / 10));
  log(`  rooms latency rate for this case (20% of ws saturation): ${rate} pubs/s`);
  return rate;
}

/** One server's case alone: a fresh server and load generators, every phase, then teardown. */
async function runCase(name, C, scenario, roomsRate) {
  const bench = newCase(name, C, scenario);
  try {
    await bench.open();
    await bench.load();
    await sleep(500);
    const rate = latencyRate(scenario, C, roomsRate);
    if (rate == null) throw new Error("--rooms-rate auto needs 'ws' in --servers");
    log(`  ${name} C=${C} ${scenario}: latency at ${rate} pubs/s, ${LATENCY_MS / 1000} s`);
    await bench.latencyBlock(rate, LATENCY_MS);
    bench.finishLatency();
  } catch (err) {
    bench.res.errors.push(String(err?.message ?? err));
    log(`  ${name} C=${C} ${scenario}: FAILED: ${err?.message ?? err}`);
  } finally {
    await bench.close();
  }
  return bench;
}

/**
 * The order in which an interleaved repetition opens its servers' cases: the listed order
 * turned by one place per repetition, so that over as many repetitions as servers each takes
 * every place once. The place biases the latency phase on this VM: the same build as `dabba`
 * (second) and `dabba-b` (third) measured p99 1.17x apart, its server and subscribers using more
 * CPU in second place (2026-12-07, bench/RESULTS.md). Not with `--rooms-rate auto`, which needs
 * ws's case first.
 */
function startOrder(repIdx) {
  const turn = ROOMS_RATE_AUTO ? 0 : (repIdx - 1) % SERVERS.length;
  return [...SERVERS.slice(turn), ...SERVERS.slice(0, turn)];
}

/**
 * Every server's case open at once (each with its own load generators): connect, RSS,
 * warm-up and saturation one server at a time while the others idle, then the latency phase
 * in blocks of `--interleave-s`, taking the servers in turn. The stalls of a shared VM then
 * fall on every server alike, instead of on whichever ran during a noisy minute. Each round
 * takes them in a new order (seeded by the repetition): rotated, the order within a round never
 * changes, and with three servers the same Dabba build measured p99 1.18x worse pooled in the
 * slot that came right after raw ws in two blocks of three (2026-12-07, bench/RESULTS.md).
 */
async function runInterleaved(C, scenario, servers, repIdx) {
  const benches = [];
  let roomsRate = null;
  try {
    for (const name of servers) {
      const bench = newCase(name, C, scenario);
      benches.push(bench);
      log(`case ${name} C=${C} ${scenario} (latency interleaved)`);
      try {
        await bench.open();
        await bench.load();
        roomsRate ??= autoRoomsRate(bench);
      } catch (err) {
        bench.failed = err;
        bench.res.errors.push(String(err?.message ?? err));
        log(`  ${name} C=${C} ${scenario}: FAILED: ${err?.message ?? err}`);
      }
    }
    const live = benches.filter((b) => !b.failed);
    const rate = latencyRate(scenario, C, roomsRate);
    if (rate == null) throw new Error("--rooms-rate auto needs 'ws' in --servers");
    const rounds = Math.max(1, Math.round(LATENCY_MS / INTERLEAVE_MS));
    log(`  C=${C} ${scenario}: latency at ${rate} pubs/s, ${rounds} rounds of ${INTERLEAVE_MS / 1000} s per server`);
    await sleep(500);
    const random = seededRandom(repIdx);
    for (let round = 0; round < rounds; round++) {
      for (const bench of shuffled(live, random)) {
        await bench.latencyBlock(rate, INTERLEAVE_MS).catch((err) => {
          bench.failed = err;
          bench.res.errors.push(String(err?.message ?? err));
        });
      }
    }
    for (const bench of live) if (!bench.failed) bench.finishLatency();
  } finally {
    for (const bench of benches) await bench.close();
  }
  return benches;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const lim = openFileLimit();
  if (lim.soft != null && lim.soft < 30_000) {
    log(
      `warning: open-file limit is ${lim.soft} (hard ${lim.hard}); 10k connections need ~10k fds in the server ` +
        'and in the load generator. Raise it with `ulimit -n 65535` before running.',
    );
  }
  const maxC = Math.max(...CONNS);
  if (lim.soft != null && maxC / WORKERS + 200 > lim.soft)
    die(`--conns ${maxC} needs more than the open-file limit ${lim.soft}`);
  if (SERVERS.includes('dabba') && !existsSync(DABBA_DIST)) {
    log(`warning: ${DABBA_DIST} not found (run \`npm run build\`): skipping dabba`);
    SERVERS = SERVERS.filter((s) => s !== 'dabba');
  }
  const dabbaB = [
    'BENCH_DABBA_B_DIST',
    'BENCH_DABBA_B_OPTIONS',
    'BENCH_DABBA_B_NODE_OPTIONS',
    'BENCH_DABBA_B_V8_FLAGS',
    'BENCH_DABBA_B_SLICE_US',
  ];
  if (SERVERS.includes('dabba-b') && !dabbaB.some((name) => process.env[name]))
    die(`dabba-b needs one of ${dabbaB.join(', ')}`);
  if (SERVERS.length === 0) die('no server to run');
  if (typeof globalThis.gc !== 'function') {
    // Only the server children need it; they always get --expose-gc.
  }

  const meta = {
    startedAt: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    totalMemBytes: os.totalmem(),
    openFileLimit: lim,
    options: {
      conns: CONNS,
      scenarios: SCENARIOS,
      servers: SERVERS,
      durationS: DURATION_MS / 1000,
      latencyS: LATENCY_MS / 1000,
      interleaveS: INTERLEAVE_MS / 1000,
      warmupS: WARMUP_MS / 1000,
      workers: WORKERS,
      concurrency: CONCURRENCY,
      window: WINDOW,
      maxLag: MAX_LAG,
      broadcastRate: BROADCAST_SCALED ? Object.fromEntries(CONNS.map((C) => [C, broadcastRate(C)])) : BROADCAST_RATE,
      roomsRate: ROOMS_RATE_AUTO ? 'auto' : ROOMS_RATE,
      repeat: REPEAT,
    },
  };
  log(
    `bench: servers ${SERVERS.join(',')} | C ${CONNS.join(',')} | ${SCENARIOS.join(',')} | ` +
      `${DURATION_MS / 1000} s saturation, ${LATENCY_MS / 1000} s latency, ${WARMUP_MS / 1000} s warm-up | window ${WINDOW}, max lag ${MAX_LAG} | ` +
      `latency rates: broadcast ${CONNS.map((C) => `${broadcastRate(C)}/s@${C}`).join(' ')}, rooms ${ROOMS_RATE_AUTO ? 'auto' : ROOMS_RATE} pubs/s`,
  );

  const results = [];
  for (const C of CONNS) {
    for (const scenario of SCENARIOS) {
      for (let repIdx = 1; repIdx <= REPEAT; repIdx++) {
        const rep = REPEAT > 1 ? ` (run ${repIdx}/${REPEAT})` : '';
        const benches = [];
        if (INTERLEAVE_MS) {
          const servers = startOrder(repIdx);
          if (rep) log(`run ${repIdx}/${REPEAT}, cases started in the order ${servers.join(', ')}`);
          benches.push(
            ...(await withTimeout(
              runInterleaved(C, scenario, servers, repIdx),
              perCaseBudgetMs * SERVERS.length,
              `C=${C} ${scenario}`,
            )),
          );
        } else {
          let roomsRate = null;
          for (const name of SERVERS) {
            log(`case ${name} C=${C} ${scenario}${rep}`);
            const bench = await withTimeout(
              runCase(name, C, scenario, roomsRate),
              perCaseBudgetMs,
              `case ${name} C=${C} ${scenario}`,
            );
            roomsRate ??= bench.res.ok ? autoRoomsRate(bench) : null;
            benches.push(bench);
            killAll(); // belt and braces: nothing from this case survives into the next
            await sleep(1000);
          }
        }
        for (const [place, bench] of benches.entries())
          results.push({ ...bench.res, rep: repIdx, startedAs: place + 1 });
        killAll();
      }
    }
  }

  const summary = summarize(results, { conns: CONNS, scenarios: SCENARIOS, servers: SERVERS, repeat: REPEAT });
  const rs = ratios(summary, { conns: CONNS, scenarios: SCENARIOS });
  console.log('');
  console.log(table(summary));
  console.log('');
  console.log(
    `latency phase rates: broadcast ${CONNS.map((C) => `${broadcastRate(C)} pubs/s at C=${C}`).join(', ')} (x C deliveries/s); rooms ${
      ROOMS_RATE_AUTO
        ? 'auto (per case, see "lat rate")'
        : `${ROOMS_RATE} pubs/s (x 10 = ${ROOMS_RATE * 10} deliveries/s)`
    }; same for every server`,
  );
  console.log(
    'ratios (deliv/s, deliv/CPU-s, conns/s: higher is better for dabba; p50, p99, KiB/conn: lower is better):',
  );
  for (const l of ratioLines(rs)) console.log(l);
  const ts = tails(results, { conns: CONNS, scenarios: SCENARIOS });
  if (ts.length) {
    console.log('p99 less exposed to single stalls (lower is better for dabba):');
    for (const l of tailLines(ts)) console.log(l);
  }
  const warned = summary.filter((r) => r.warnings.length);
  if (warned.length) {
    console.log('');
    console.log('warnings:');
    for (const r of warned) for (const e of r.warnings) console.log(`  ${r.server} C=${r.C} ${r.scenario}: ${e}`);
  }

  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    JSON.stringify(
      { meta: { ...meta, finishedAt: new Date().toISOString() }, summary, ratios: rs, tails: ts, runs: results },
      null,
      2,
    ),
  );
  console.log('');
  const rel = path.relative(process.cwd(), OUT);
  console.log(`wrote ${rel && !rel.startsWith('..') ? rel : OUT}`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

main().catch((err) => {
  console.error('bench: fatal', err);
  killAll();
  process.exit(1);
});
