/**
 * One benchmark case: one server child × C connections × scenario, with load generators of its
 * own (subscriber workers and one publisher), and the phases run against it. bench/run.js runs
 * cases one after another, or keeps every server's case open and interleaves their latency
 * phases in short blocks (`--interleave-s`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './child.js';
import { now, sleep } from './clock.js';
import { Histogram } from './hist.js';

const LOADGEN = path.join(path.dirname(fileURLToPath(import.meta.url)), '../loadgen');

/**
 * settings: { workers, concurrency, window, maxLag, drainTimeoutMs, warmupMs, durationMs }
 * server: { name, module (server child path), protocol (bench/lib/protocols.js key), env? (extra environment) }
 */
export class BenchCase {
  constructor({ server, C, scenario, settings, log }) {
    this.server = server;
    this.C = C;
    this.scenario = scenario;
    this.settings = settings;
    this.log = (msg) => log(`  ${server.name} C=${C} ${scenario}: ${msg}`);
    this.res = { server: server.name, C, scenario, ok: false, errors: [] };
    this.child = null;
    this.lg = null;
    this.latencyBlocks = [];
  }

  /** Starts the server and load generators, opens the C subscribers, measures RSS, connects the publisher. */
  async open() {
    const { res, settings, C } = this;
    this.child = await startServer(this.server);
    res.serverPid = this.child.child.pid;
    this.lg = await startLoadgen(settings.workers);

    const base = await this.child.child.request('gc');
    res.gcAvailable = base.gc;

    const per = Math.ceil(C / settings.workers);
    const ports = this.child.info.ports;
    const conn = await Promise.all(
      this.lg.subs.map((s, w) =>
        s.request(
          'connect',
          {
            proto: this.server.protocol,
            // Several nodes: the workers spread over them.
            port: ports ? ports[w % ports.length] : this.child.port,
            path: this.child.path,
            scenario: this.scenario,
            from: Math.min(C, w * per),
            to: Math.min(C, (w + 1) * per),
            concurrency: Math.max(1, Math.floor(settings.concurrency / settings.workers)),
            jwtSecret: this.child.info.jwtSecret,
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
    this.log(`${connected} connected (${failed} failed) in ${res.connect.seconds.toFixed(2)} s`);
    if (failed > 0) res.errors.push(`connect: ${failed} failed: ${JSON.stringify(res.connect.errors)}`);
    if (connected === 0) throw new Error('no subscriber connected');

    // Idle RSS with C connected + subscribed clients.
    await sleep(1000);
    const idle = await this.child.child.request('gc');
    res.rss = {
      baseBytes: base.rss,
      idleBytes: idle.rss,
      kibPerConn: (idle.rss - base.rss) / 1024 / connected,
      heapBaseBytes: base.heapUsed,
      heapIdleBytes: idle.heapUsed,
      heapKibPerConn: (idle.heapUsed - base.heapUsed) / 1024 / connected,
    };

    // Publisher connection (after the idle measurement, so it doesn't count there).
    await this.lg.pub.request('connect', {
      proto: this.server.protocol,
      port: this.child.port,
      path: this.child.path,
      jwtSecret: this.child.info.jwtSecret,
      token: this.child.info.sampleToken,
    });
  }

  /** Warm-up, then the measured saturation phase. */
  async load() {
    const { res, settings } = this;
    if (settings.warmupMs > 0) {
      this.log(`warm-up ${settings.warmupMs / 1000} s`);
      res.warmup = await this.phase({ mode: 'saturate', durationMs: settings.warmupMs });
    }
    this.log(`saturation ${settings.durationMs / 1000} s`);
    res.saturation = await this.phase({ mode: 'saturate', durationMs: settings.durationMs });
    // Histograms stay out of the JSON: their summaries are kept.
    delete res.saturation.hist;
    if (res.warmup) delete res.warmup.hist;
    const sat = res.saturation;
    this.log(
      `${fmtInt(sat.deliveriesPerS)} deliveries/s, ${fmtInt(sat.deliveriesPerCpuS)} per server CPU-s, ` +
        `server CPU ${sat.serverCpuPct.toFixed(0)}%, subscribers CPU ${((100 * sat.clientCpuS) / sat.wallS).toFixed(0)}%, ` +
        `publisher CPU ${((100 * sat.publisher.cpuS) / sat.wallS).toFixed(0)}% (${fmtInt(sat.publisher.achievedRate)} pubs/s)` +
        (sat.lost ? `, LOST ${sat.lost}` : '') +
        (sat.publisher.errors ? `, ${sat.publisher.errors} publish errors` : ''),
    );
  }

  /** One stretch of the fixed-rate latency phase; `finishLatency` merges the stretches. */
  async latencyBlock(rate, durationMs) {
    this.latencyBlocks.push(await this.phase({ mode: 'rate', durationMs, rate }));
  }

  finishLatency() {
    const lat = (this.res.latency = mergePhases(this.latencyBlocks));
    // Kept for the report's stall-robust figures (lib/report.js tails): the merged histogram pools
    // repeats, and block p99s pair servers whose blocks ran in the same interleaved round.
    lat.blockP99Ms = this.latencyBlocks.map((b) => b.latencyMs.p99 ?? null);
    this.log(
      `latency p50 ${fmtMs(lat.latencyMs.p50)} ms, p99 ${fmtMs(lat.latencyMs.p99)} ms over ${lat.latencyMs.n} deliveries` +
        ` (achieved ${lat.publisher.achievedRate.toFixed(1)} pubs/s${lat.blocks > 1 ? ` in ${lat.blocks} blocks` : ''})` +
        (lat.lost ? `, LOST ${lat.lost}` : ''),
    );
    this.res.errors.push(...phaseWarnings(this.res));
    this.res.ok = true;
  }

  async close() {
    if (this.lg) await Promise.all([...this.lg.subs, this.lg.pub].map((c) => c.stop(5000)));
    if (this.child) await this.child.child.stop(8000);
  }

  /**
   * One publishing phase: reset subscriber counters, run the publisher, wait (bounded) until all
   * acked publishes are delivered, and collect deliveries, latency and CPU.
   */
  async phase({ mode, durationMs, rate }) {
    const { lg, settings } = this;
    const server = this.child.child;
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
    const s0 = await server.request('stats');
    let pr;
    try {
      pr = await lg.pub.request(
        'run',
        {
          mode,
          durationMs,
          window: settings.window,
          maxLag: settings.maxLag,
          rate,
          scenario: this.scenario,
          C: this.C,
        },
        durationMs + 60_000,
      );
    } finally {
      for (const off of offs) off();
    }
    await this.drain(pr.expected);
    const s1 = await server.request('stats');
    const m1 = machineCpu();
    const ends = await Promise.all(lg.subs.map((s) => s.request('phaseEnd')));
    return phaseResult({ mode, rate, pr, ends, s0, s1, m0, m1 });
  }

  /** Waits until all acked deliveries are counted, nothing moved for 3 s, or the drain timeout. */
  async drain(expected) {
    const deadline = now() + this.settings.drainTimeoutMs;
    let stable = 0;
    let prev = -1;
    while (now() < deadline) {
      const st = await Promise.all(this.lg.subs.map((s) => s.request('stats')));
      const delivered = st.reduce((a, x) => a + x.delivered, 0);
      if (delivered >= expected) return;
      stable = delivered === prev ? stable + 1 : 0;
      prev = delivered;
      if (stable >= 60) return;
      await sleep(50);
    }
  }
}

function phaseResult({ mode, rate, pr, ends, s0, s1, m0, m1 }) {
  const hist = new Histogram();
  let lastAt = 0;
  let clientCpuS = 0;
  let delivered = 0;
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
  const serverWallS = (s1.t - s0.t) / 1000;
  // Several nodes on Redis: Redis's own CPU, beside (not in) the nodes' server CPU.
  const redisCpuS =
    s0.redisCpuUser === undefined
      ? null
      : (s1.redisCpuUser - s0.redisCpuUser + (s1.redisCpuSystem - s0.redisCpuSystem)) / 1e6;
  const machine =
    m0 && m1 ? { busyS: m1.busy - m0.busy, stealS: m1.steal - m0.steal, softirqS: m1.softirq - m0.softirq } : null;
  const result = {
    mode,
    redisCpuS,
    targetRate: rate ?? null,
    publisher: pr,
    delivered,
    expected: pr.expected,
    wallS,
    serverCpuS,
    serverWallS,
    clientCpuS,
    unexpectedCloses,
    machine,
    hist: hist.export(),
  };
  return withDerived(result);
}

/** The figures computed from a phase's sums (also after merging several blocks). */
function withDerived(p) {
  p.lost = Math.max(0, p.expected - p.delivered);
  p.deliveriesPerS = p.delivered / Math.max(1e-9, p.wallS);
  p.serverCpuPct = (100 * p.serverCpuS) / Math.max(1e-9, p.serverWallS);
  p.deliveriesPerCpuS = p.serverCpuS > 0 ? p.delivered / p.serverCpuS : null;
  p.deliveriesPerRedisCpuS = p.redisCpuS ? p.delivered / p.redisCpuS : null;
  const hist = new Histogram();
  hist.merge(p.hist);
  p.latencyMs = hist.summary();
  if (p.machine) {
    // CPU on the machine not used by server, subscribers or publisher: another workload
    // competing with the benchmark (the parent's own share is negligible).
    const ours = p.serverCpuS + (p.redisCpuS ?? 0) + p.clientCpuS + (p.publisher.cpuS ?? 0);
    p.machine.otherCpuS = Math.max(0, p.machine.busyS - ours);
    p.machine.otherCpuPct = (100 * p.machine.otherCpuS) / Math.max(1e-9, p.wallS);
  }
  return p;
}

/** One phase from several blocks of the same mode and rate: sums, the merged histogram, derived figures again. */
export function mergePhases(blocks) {
  if (blocks.length === 1) return { ...blocks[0], blocks: 1 };
  const sum = (f) => blocks.reduce((a, b) => a + (f(b) ?? 0), 0);
  const hist = new Histogram();
  const unexpectedCloses = {};
  for (const b of blocks) {
    hist.merge(b.hist);
    for (const [k, v] of Object.entries(b.unexpectedCloses)) unexpectedCloses[k] = (unexpectedCloses[k] ?? 0) + v;
  }
  const pubs = blocks.map((b) => b.publisher);
  const sent = pubs.reduce((a, p) => a + p.sent, 0);
  const publisher = {
    mode: pubs[0].mode,
    t0: pubs[0].t0,
    sent,
    acked: pubs.reduce((a, p) => a + p.acked, 0),
    errors: pubs.reduce((a, p) => a + p.errors, 0),
    firstError: pubs.find((p) => p.firstError)?.firstError ?? null,
    unacked: pubs.reduce((a, p) => a + p.unacked, 0),
    expected: pubs.reduce((a, p) => a + p.expected, 0),
    capped: pubs.reduce((a, p) => a + p.capped, 0),
    // Publishes per second while sending, weighted by what each block sent.
    achievedRate: pubs.reduce((a, p) => a + p.achievedRate * p.sent, 0) / Math.max(1, sent),
    closed: pubs.find((p) => p.closed)?.closed ?? null,
    cpuS: pubs.reduce((a, p) => a + p.cpuS, 0),
  };
  const machines = blocks.map((b) => b.machine);
  const machine = machines.every(Boolean)
    ? {
        busyS: machines.reduce((a, m) => a + m.busyS, 0),
        stealS: machines.reduce((a, m) => a + m.stealS, 0),
        softirqS: machines.reduce((a, m) => a + m.softirqS, 0),
      }
    : null;
  const merged = {
    mode: blocks[0].mode,
    redisCpuS: blocks[0].redisCpuS === null ? null : sum((b) => b.redisCpuS),
    targetRate: blocks[0].targetRate,
    publisher,
    delivered: sum((b) => b.delivered),
    expected: sum((b) => b.expected),
    wallS: sum((b) => b.wallS),
    serverCpuS: sum((b) => b.serverCpuS),
    serverWallS: sum((b) => b.serverWallS),
    clientCpuS: sum((b) => b.clientCpuS),
    unexpectedCloses,
    machine,
    hist: hist.export(),
    blocks: blocks.length,
  };
  return withDerived(merged);
}

/** Warnings about a finished case's saturation and latency phases. */
function phaseWarnings(res) {
  const out = [];
  for (const [label, p] of [
    ['saturation', res.saturation],
    ['latency', res.latency],
  ]) {
    if (p.lost) out.push(`${label}: ${p.lost} of ${p.expected} deliveries never arrived`);
    if (p.publisher.errors)
      out.push(`${label}: ${p.publisher.errors} publish errors, first ${JSON.stringify(p.publisher.firstError)}`);
    if (p.publisher.unacked) out.push(`${label}: ${p.publisher.unacked} publishes never acked`);
    if (p.publisher.closed) out.push(`${label}: publisher connection closed ${JSON.stringify(p.publisher.closed)}`);
    if (p.publisher.capped) out.push(`${label}: in-flight cap bound ${p.publisher.capped} times (rate not held)`);
    if (p.machine && p.machine.otherCpuPct > 15)
      out.push(`${label}: ${p.machine.otherCpuPct.toFixed(0)}% of a core used by other processes (noisy run)`);
    if (p.machine && p.machine.stealS / p.wallS > 0.05)
      out.push(`${label}: hypervisor steal ${((100 * p.machine.stealS) / p.wallS).toFixed(0)}% of a core`);
    if (Object.keys(p.unexpectedCloses).length)
      out.push(`${label}: subscriber closes ${JSON.stringify(p.unexpectedCloses)}`);
  }
  return out;
}

async function startServer({ name, module, env }) {
  const child = new Child(`server:${name}`, module, {
    execArgv: ['--expose-gc', ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)],
    env: env ? { ...process.env, ...env } : undefined,
  });
  const first = await Promise.race([child.waitFor('ready', 30_000), child.waitFor('failed', 30_000)]);
  if (first.type === 'failed') {
    child.kill();
    throw new Error(`server ${name} failed to start: ${first.error}`);
  }
  return { child, port: first.port, path: first.path, info: first.info ?? {} };
}

async function startLoadgen(workers) {
  const subs = [];
  for (let w = 0; w < workers; w++) subs.push(new Child(`subscribers#${w}`, path.join(LOADGEN, 'subscribers.js')));
  const pub = new Child('publisher', path.join(LOADGEN, 'publisher.js'));
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

export function fmtInt(v) {
  return v == null || !Number.isFinite(v) ? '-' : Math.round(v).toLocaleString('en-US');
}

export function fmtMs(v) {
  return v == null || !Number.isFinite(v) ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1);
}
