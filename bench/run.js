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
import { Child, guardProcess, killAll } from './lib/child.js';
import { now, sleep } from './lib/clock.js';
import { Histogram } from './lib/hist.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER_MODULES = {
  ws: path.join(HERE, 'servers/raw-ws.js'),
  socketio: path.join(HERE, 'servers/socketio.js'),
  dabba: path.join(HERE, 'servers/dabba.js'),
  'dabba-redis': path.join(HERE, 'servers/dabba-cluster.js'),
};
const SERVER_ORDER = ['ws', 'socketio', 'dabba', 'dabba-redis'];
/** Wire protocol each server speaks (bench/lib/protocols.js). */
const PROTOCOL = { 'dabba-redis': 'dabba' };
const DABBA_DIST = path.join(HERE, '../packages/server/dist/index.js');

// ---------------------------------------------------------------------------------------------
// Options

const { values: opt } = parseArgs({
  options: {
    conns: { type: 'string', default: '1000,10000' },
    scenarios: { type: 'string', default: 'broadcast,rooms' },
    servers: { type: 'string', default: 'ws,socketio,dabba' },
    'duration-s': { type: 'string', default: '10' },
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
const DRAIN_TIMEOUT_MS = Math.max(10_000, DURATION_MS);

// ---------------------------------------------------------------------------------------------
// Process hygiene: every child dies with us; a watchdog bounds the whole run.
const perCaseBudgetMs = 180_000 + 3 * (DURATION_MS + DRAIN_TIMEOUT_MS) + WARMUP_MS;
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
// One case: one server × C × scenario, with a fresh server and fresh load generators.

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

async function startServer(name) {
  const child = new Child(`server:${name}`, SERVER_MODULES[name], {
    execArgv: ['--expose-gc', ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)],
  });
  const first = await Promise.race([child.waitFor('ready', 30_000), child.waitFor('failed', 30_000)]);
  if (first.type === 'failed') {
    child.kill();
    throw new Error(`server ${name} failed to start: ${first.error}`);
  }
  return { child, port: first.port, path: first.path, info: first.info ?? {} };
}

async function startLoadgen() {
  const subs = [];
  for (let w = 0; w < WORKERS; w++) {
    const c = new Child(`subscribers#${w}`, path.join(HERE, 'loadgen/subscribers.js'));
    subs.push(c);
  }
  const pub = new Child('publisher', path.join(HERE, 'loadgen/publisher.js'));
  await Promise.all([...subs, pub].map((c) => c.waitFor('ready', 20_000)));
  return { subs, pub };
}

/** Machine-wide CPU time from /proc/stat, in seconds (null off Linux). */
function machineCpu() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    // softirq stays out of `busy`: without CONFIG_IRQ_TIME_ACCOUNTING those ticks are also charged to whichever
    // benchmark process was running (loopback TCP), so counting them would invent "other" load.
    return {
      busy: (user + nice + system + irq) / 100,
      softirq: softirq / 100,
      idle: (idle + iowait) / 100,
      steal: (steal ?? 0) / 100,
    };
  } catch {
    return null;
  }
}

function cpuS(a, b) {
  return (b.cpuUser - a.cpuUser + (b.cpuSystem - a.cpuSystem)) / 1e6;
}

/**
 * One publishing phase: reset subscriber counters, run the publisher, wait (bounded) until all
 * acked publishes are delivered, and collect deliveries, latency and CPU.
 */
async function phase({ server, lg, mode, durationMs, rate, scenario, C }) {
  const saturate = mode === 'saturate';
  await Promise.all(lg.subs.map((s) => s.request('phaseStart', { latency: true, progress: saturate })));
  const perWorker = new Array(lg.subs.length).fill(0);
  const offs = lg.subs.map((s, w) =>
    s.on('progress', (m) => {
      perWorker[w] = m.delivered;
      lg.pub.send({ type: 'delivered', n: perWorker.reduce((a, b) => a + b, 0) });
    }),
  );
  lg.pub.send({ type: 'delivered', n: 0 });
  const m0 = machineCpu();
  const s0 = await server.child.request('stats');
  let pr;
  try {
    pr = await lg.pub.request(
      'run',
      { mode, durationMs, window: WINDOW, maxLag: MAX_LAG, rate, scenario, C },
      durationMs + 60_000,
    );
  } finally {
    for (const off of offs) off();
  }
  // Drain: all acked deliveries counted, or the drain timeout.
  const drainDeadline = now() + DRAIN_TIMEOUT_MS;
  let delivered = 0;
  let stable = 0;
  let prev = -1;
  while (now() < drainDeadline) {
    const st = await Promise.all(lg.subs.map((s) => s.request('stats')));
    delivered = st.reduce((a, x) => a + x.delivered, 0);
    if (delivered >= pr.expected) break;
    // Stop early if nothing moved for 3 s (lost deliveries will never arrive).
    stable = delivered === prev ? stable + 1 : 0;
    prev = delivered;
    if (stable >= 60) break;
    await sleep(50);
  }
  const s1 = await server.child.request('stats');
  const m1 = machineCpu();
  const ends = await Promise.all(lg.subs.map((s) => s.request('phaseEnd')));
  const hist = new Histogram();
  let lastAt = 0;
  let clientCpuS = 0;
  delivered = 0;
  const unexpectedCloses = {};
  for (const e of ends) {
    hist.merge(e.hist);
    delivered += e.delivered;
    lastAt = Math.max(lastAt, e.lastAt);
    clientCpuS += e.cpuS;
    for (const [k, v] of Object.entries(e.unexpectedCloses)) unexpectedCloses[k] = (unexpectedCloses[k] ?? 0) + v;
  }
  const wallS = delivered > 0 ? (lastAt - pr.t0) / 1000 : (pr.tLastSend - pr.t0) / 1000;
  const serverCpuS = cpuS(s0, s1);
  // Several nodes on Redis: Redis's own CPU, beside (not in) the nodes' server CPU.
  const redisCpuS =
    s0.redisCpuUser === undefined
      ? null
      : (s1.redisCpuUser - s0.redisCpuUser + (s1.redisCpuSystem - s0.redisCpuSystem)) / 1e6;
  return {
    mode,
    redisCpuS,
    deliveriesPerRedisCpuS: redisCpuS ? delivered / redisCpuS : null,
    targetRate: rate ?? null,
    publisher: pr,
    delivered,
    expected: pr.expected,
    lost: Math.max(0, pr.expected - delivered),
    wallS,
    deliveriesPerS: delivered / Math.max(1e-9, wallS),
    serverCpuS,
    serverCpuPct: (100 * serverCpuS) / Math.max(1e-9, (s1.t - s0.t) / 1000),
    deliveriesPerCpuS: serverCpuS > 0 ? delivered / serverCpuS : null,
    clientCpuS,
    latencyMs: hist.summary(),
    unexpectedCloses,
    // CPU on the machine not used by server, subscribers or publisher: another workload
    // competing with the benchmark (the parent's own share is negligible).
    machine:
      m0 && m1
        ? {
            busyS: m1.busy - m0.busy,
            stealS: m1.steal - m0.steal,
            softirqS: m1.softirq - m0.softirq,
            otherCpuS: Math.max(0, m1.busy - m0.busy - serverCpuS - (redisCpuS ?? 0) - clientCpuS - (pr.cpuS ?? 0)),
            otherCpuPct:
              (100 * Math.max(0, m1.busy - m0.busy - serverCpuS - (redisCpuS ?? 0) - clientCpuS - (pr.cpuS ?? 0))) /
              wallS,
          }
        : null,
  };
}

async function runCase({ name, C, scenario, roomsRate }) {
  const res = { server: name, C, scenario, ok: false, errors: [] };
  let server = null;
  let lg = null;
  try {
    server = await startServer(name);
    res.serverPid = server.child.pid;
    lg = await startLoadgen();

    // Baseline RSS, nothing connected.
    const base = await server.child.request('gc');
    res.gcAvailable = base.gc;

    // Open C subscribers (connect + subscribe round trips), bounded concurrency.
    const per = Math.ceil(C / WORKERS);
    const conn = await Promise.all(
      lg.subs.map((s, w) =>
        s.request(
          'connect',
          {
            proto: PROTOCOL[name] ?? name,
            // Several nodes: the workers spread over them.
            port: server.info.ports ? server.info.ports[w % server.info.ports.length] : server.port,
            path: server.path,
            scenario,
            from: Math.min(C, w * per),
            to: Math.min(C, (w + 1) * per),
            concurrency: Math.max(1, Math.floor(CONCURRENCY / WORKERS)),
            jwtSecret: server.info.jwtSecret,
            timeoutMs: 150_000,
          },
          180_000,
        ),
      ),
    );
    const connected = conn.reduce((a, x) => a + x.ok, 0);
    const failed = conn.reduce((a, x) => a + x.failed, 0);
    const t0 = Math.min(...conn.map((x) => x.t0));
    const t1 = Math.max(...conn.map((x) => x.t1));
    res.connect = {
      connected,
      failed,
      seconds: (t1 - t0) / 1000,
      connsPerS: connected / Math.max(1e-9, (t1 - t0) / 1000),
      errors: Object.assign({}, ...conn.map((x) => x.errors)),
    };
    log(
      `  ${name} C=${C} ${scenario}: ${connected} connected (${failed} failed) in ${res.connect.seconds.toFixed(2)} s`,
    );
    if (failed > 0) res.errors.push(`connect: ${failed} failed: ${JSON.stringify(res.connect.errors)}`);
    if (connected === 0) throw new Error('no subscriber connected');

    // Idle RSS with C connected + subscribed clients.
    await sleep(1000);
    const idle = await server.child.request('gc');
    res.rss = {
      baseBytes: base.rss,
      idleBytes: idle.rss,
      kibPerConn: (idle.rss - base.rss) / 1024 / connected,
      heapBaseBytes: base.heapUsed,
      heapIdleBytes: idle.heapUsed,
      heapKibPerConn: (idle.heapUsed - base.heapUsed) / 1024 / connected,
    };

    // Publisher connection (after the idle measurement, so it doesn't count there).
    await lg.pub.request('connect', {
      proto: PROTOCOL[name] ?? name,
      port: server.port,
      path: server.path,
      jwtSecret: server.info.jwtSecret,
      token: server.info.sampleToken,
    });

    const common = { server, lg, scenario, C };
    if (WARMUP_MS > 0) {
      log(`  ${name} C=${C} ${scenario}: warm-up ${WARMUP_MS / 1000} s`);
      res.warmup = await phase({ ...common, mode: 'saturate', durationMs: WARMUP_MS });
    }
    log(`  ${name} C=${C} ${scenario}: saturation ${DURATION_MS / 1000} s`);
    res.saturation = await phase({ ...common, mode: 'saturate', durationMs: DURATION_MS });
    const sat = res.saturation;
    log(
      `    ${fmtInt(sat.deliveriesPerS)} deliveries/s, ${fmtInt(sat.deliveriesPerCpuS)} per server CPU-s, ` +
        `server CPU ${sat.serverCpuPct.toFixed(0)}%, subscribers CPU ${((100 * sat.clientCpuS) / sat.wallS).toFixed(0)}%, ` +
        `publisher CPU ${((100 * sat.publisher.cpuS) / sat.wallS).toFixed(0)}% (${fmtInt(sat.publisher.achievedRate)} pubs/s)` +
        (sat.lost ? `, LOST ${sat.lost}` : '') +
        (sat.publisher.errors ? `, ${sat.publisher.errors} publish errors` : ''),
    );

    await sleep(500);
    const rate = scenario === 'broadcast' ? broadcastRate(C) : (roomsRate ?? ROOMS_RATE);
    if (rate == null) throw new Error("--rooms-rate auto needs 'ws' in --servers");
    log(`  ${name} C=${C} ${scenario}: latency at ${rate} pubs/s, ${DURATION_MS / 1000} s`);
    res.latency = await phase({ ...common, mode: 'rate', durationMs: DURATION_MS, rate });
    const lat = res.latency;
    log(
      `    p50 ${fmtMs(lat.latencyMs.p50)} ms, p99 ${fmtMs(lat.latencyMs.p99)} ms over ${lat.latencyMs.n} deliveries` +
        ` (achieved ${lat.publisher.achievedRate.toFixed(1)} pubs/s)` +
        (lat.lost ? `, LOST ${lat.lost}` : ''),
    );

    for (const [label, p] of [
      ['saturation', res.saturation],
      ['latency', res.latency],
    ]) {
      if (p.lost) res.errors.push(`${label}: ${p.lost} of ${p.expected} deliveries never arrived`);
      if (p.publisher.errors)
        res.errors.push(
          `${label}: ${p.publisher.errors} publish errors, first ${JSON.stringify(p.publisher.firstError)}`,
        );
      if (p.publisher.unacked) res.errors.push(`${label}: ${p.publisher.unacked} publishes never acked`);
      if (p.publisher.closed)
        res.errors.push(`${label}: publisher connection closed ${JSON.stringify(p.publisher.closed)}`);
      if (p.publisher.capped)
        res.errors.push(`${label}: in-flight cap bound ${p.publisher.capped} times (rate not held)`);
      if (p.machine && p.machine.otherCpuPct > 15)
        res.errors.push(`${label}: ${p.machine.otherCpuPct.toFixed(0)}% of a core used by other processes (noisy run)`);
      if (p.machine && p.machine.stealS / p.wallS > 0.05)
        res.errors.push(`${label}: hypervisor steal ${((100 * p.machine.stealS) / p.wallS).toFixed(0)}% of a core`);
      if (Object.keys(p.unexpectedCloses).length)
        res.errors.push(`${label}: subscriber closes ${JSON.stringify(p.unexpectedCloses)}`);
    }
    res.ok = true;
  } catch (err) {
    res.errors.push(String(err?.message ?? err));
    log(`  ${name} C=${C} ${scenario}: FAILED: ${err?.message ?? err}`);
  } finally {
    if (lg) await Promise.all([...lg.subs, lg.pub].map((c) => c.stop(5000)));
    if (server) await server.child.stop(8000);
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// Report

function fmtInt(v) {
  return v == null || !Number.isFinite(v) ? '-' : Math.round(v).toLocaleString('en-US');
}
function fmtMs(v) {
  return v == null || !Number.isFinite(v) ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1);
}
function fmtKib(v) {
  return v == null || !Number.isFinite(v) ? '-' : v.toFixed(1);
}
function ratio(a, b) {
  return a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? null : a / b;
}
function fmtRatio(v) {
  return v == null ? 'n/a' : `${v.toFixed(2)}x`;
}

/** The six headline figures of one run. */
function runFigures(r) {
  if (!r || !r.ok) return null;
  return {
    deliveriesPerS: r.saturation?.deliveriesPerS ?? null,
    deliveriesPerCpuS: r.saturation?.deliveriesPerCpuS ?? null,
    p50Ms: r.latency?.latencyMs?.p50 ?? null,
    p99Ms: r.latency?.latencyMs?.p99 ?? null,
    kibPerConn: r.rss?.kibPerConn ?? null,
    connsPerS: r.connect?.connsPerS ?? null,
  };
}

function median(xs) {
  const v = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** One row per server × C × scenario: medians of the figures over the successful repeats. */
function summarize(runs) {
  const rows = [];
  for (const C of CONNS) {
    for (const scenario of SCENARIOS) {
      for (const server of SERVERS) {
        const all = runs.filter((r) => r.server === server && r.C === C && r.scenario === scenario);
        if (all.length === 0) continue;
        const ok = all.filter((r) => r.ok);
        const figs = ok.map(runFigures);
        const figures = ok.length ? {} : null;
        if (figures) for (const k of Object.keys(figs[0])) figures[k] = median(figs.map((f) => f[k]));
        rows.push({
          server,
          C,
          scenario,
          ok: ok.length > 0,
          repeats: all.length,
          succeeded: ok.length,
          figures,
          latencyRate: ok[0]?.latency?.targetRate ?? null,
          serverCpuPct: median(ok.map((r) => r.saturation?.serverCpuPct)),
          spread:
            ok.length > 1 ? Object.fromEntries(Object.keys(figs[0]).map((k) => [k, figs.map((f) => f[k])])) : null,
          warnings: all.flatMap((r) => r.errors.map((e) => (REPEAT > 1 ? `#${r.rep} ${e}` : e))),
        });
      }
    }
  }
  return rows;
}

function table(rows) {
  const head = [
    'server',
    'C',
    'scenario',
    'deliv/s',
    'deliv/srv-CPU-s',
    'p50 ms',
    'p99 ms',
    'KiB/idle conn',
    'conns/s',
    'lat rate',
    'srv CPU%',
    'notes',
  ];
  const body = rows.map((r) => {
    const f = r.figures ?? {};
    return [
      r.server,
      String(r.C),
      r.scenario,
      fmtInt(f.deliveriesPerS),
      fmtInt(f.deliveriesPerCpuS),
      fmtMs(f.p50Ms),
      fmtMs(f.p99Ms),
      fmtKib(f.kibPerConn),
      fmtInt(f.connsPerS),
      r.latencyRate != null ? `${+r.latencyRate.toFixed(2)}/s` : '-',
      r.serverCpuPct != null ? r.serverCpuPct.toFixed(0) : '-',
      [
        !r.ok ? 'FAILED' : r.succeeded < r.repeats ? `${r.repeats - r.succeeded} run(s) failed` : '',
        r.repeats > 1 ? `median of ${r.succeeded}` : '',
        r.warnings.length ? `${r.warnings.length} warning(s)` : '',
      ]
        .filter(Boolean)
        .join(', '),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const right = new Set([1, 3, 4, 5, 6, 7, 8, 9, 10]);
  const line = (cells) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function ratios(rows) {
  const out = [];
  for (const C of CONNS) {
    for (const scenario of SCENARIOS) {
      const get = (s) => rows.find((r) => r.server === s && r.C === C && r.scenario === scenario);
      const d = get('dabba')?.figures;
      if (!d) continue;
      for (const other of ['ws', 'socketio']) {
        const o = get(other)?.figures;
        if (!o) continue;
        const rr = {};
        for (const k of Object.keys(d)) rr[k] = ratio(d[k], o[k]);
        out.push({ C, scenario, of: `dabba/${other}`, ...rr });
      }
      const cluster = get('dabba-redis')?.figures;
      if (cluster) {
        const rr = {};
        for (const k of Object.keys(d)) rr[k] = ratio(cluster[k], d[k]);
        out.push({ C, scenario, of: 'dabba-redis/dabba', ...rr });
      }
    }
  }
  return out;
}

function ratioLines(rs) {
  return rs.map(
    (r) =>
      `${r.of.split('/')[0]} / ${r.of.split('/')[1].padEnd(8)} C=${String(r.C).padEnd(6)} ${r.scenario.padEnd(9)} ` +
      `deliv/s ${fmtRatio(r.deliveriesPerS)}  deliv/CPU-s ${fmtRatio(r.deliveriesPerCpuS)}  ` +
      `p50 ${fmtRatio(r.p50Ms)}  p99 ${fmtRatio(r.p99Ms)}  KiB/conn ${fmtRatio(r.kibPerConn)}  conns/s ${fmtRatio(r.connsPerS)}`,
  );
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
      `${DURATION_MS / 1000} s phases, ${WARMUP_MS / 1000} s warm-up | window ${WINDOW}, max lag ${MAX_LAG} | ` +
      `latency rates: broadcast ${CONNS.map((C) => `${broadcastRate(C)}/s@${C}`).join(' ')}, rooms ${ROOMS_RATE_AUTO ? 'auto' : ROOMS_RATE} pubs/s`,
  );

  const results = [];
  for (const C of CONNS) {
    for (const scenario of SCENARIOS) {
      for (let repIdx = 1; repIdx <= REPEAT; repIdx++) {
        let roomsRate = null;
        for (const name of SERVERS) {
          log(`case ${name} C=${C} ${scenario}${REPEAT > 1 ? ` (run ${repIdx}/${REPEAT})` : ''}`);
          const r = await withTimeout(
            runCase({ name, C, scenario, roomsRate }),
            perCaseBudgetMs,
            `case ${name} C=${C} ${scenario}`,
          ).catch((err) => ({ server: name, C, scenario, ok: false, errors: [String(err.message)] }));
          if (ROOMS_RATE_AUTO && name === 'ws' && scenario === 'rooms' && r.ok) {
            roomsRate = Math.max(1, Math.round((0.2 * r.saturation.deliveriesPerS) / 10));
            log(`  rooms latency rate for this case (20% of ws saturation): ${roomsRate} pubs/s`);
          }
          r.rep = repIdx;
          results.push(r);
          killAll(); // belt and braces: nothing from this case survives into the next
          await sleep(1000);
        }
      }
    }
  }

  const summary = summarize(results);
  const rs = ratios(summary);
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
      { meta: { ...meta, finishedAt: new Date().toISOString() }, summary, ratios: rs, runs: results },
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
