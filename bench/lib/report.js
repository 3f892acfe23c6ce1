/**
 * The benchmark's report: one row per server × C × scenario (medians over repeats), the table
 * printed to stdout, and Dabba's ratios to the baselines.
 */
import { fmtInt, fmtMs } from './case.js';
import { Histogram } from './hist.js';
import { medianInterval } from './interval.js';

/** Dabba and what it is compared with, as [a, b] for the ratio a ÷ b. */
const PAIRS = [
  ['dabba', 'ws'],
  ['dabba', 'socketio'],
  ['dabba-redis', 'dabba'],
  ['dabba', 'dabba-b'],
  ['dabba', 'ws-tick'],
  ['ws-tick', 'ws'],
  ['ws-pad', 'ws'],
  ['dabba', 'ws-pad'],
  ['ws-burn', 'ws'],
];

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
export function summarize(runs, { conns, scenarios, servers, repeat }) {
  const rows = [];
  for (const C of conns) {
    for (const scenario of scenarios) {
      for (const server of servers) {
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
          warnings: all.flatMap((r) => r.errors.map((e) => (repeat > 1 ? `#${r.rep} ${e}` : e))),
        });
      }
    }
  }
  return rows;
}

export function table(rows) {
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

export function ratios(rows, { conns, scenarios }) {
  const out = [];
  for (const C of conns) {
    for (const scenario of scenarios) {
      const get = (s) => rows.find((r) => r.server === s && r.C === C && r.scenario === scenario)?.figures;
      // a ÷ b for every figure, where both ran.
      const add = (a, b) => {
        const fa = get(a);
        const fb = get(b);
        if (!fa || !fb) return;
        const rr = {};
        for (const k of Object.keys(fa)) rr[k] = ratio(fa[k], fb[k]);
        out.push({ C, scenario, of: `${a}/${b}`, ...rr });
      };
      for (const [a, b] of PAIRS) add(a, b);
    }
  }
  return out;
}

export function ratioLines(rs) {
  return rs.map(
    (r) =>
      `${r.of.split('/')[0]} / ${r.of.split('/')[1].padEnd(8)} C=${String(r.C).padEnd(6)} ${r.scenario.padEnd(9)} ` +
      `deliv/s ${fmtRatio(r.deliveriesPerS)}  deliv/CPU-s ${fmtRatio(r.deliveriesPerCpuS)}  ` +
      `p50 ${fmtRatio(r.p50Ms)}  p99 ${fmtRatio(r.p99Ms)}  KiB/conn ${fmtRatio(r.kibPerConn)}  conns/s ${fmtRatio(r.connsPerS)}`,
  );
}

/**
 * p99 figures that one stall of a shared VM moves less than a median of per-repeat p99s does:
 * the p99 of every repeat's deliveries pooled, and, with --interleave-s, the median over rounds
 * of a ÷ b for the two servers' blocks of the same round (seconds apart, so a stall that hits one
 * block shows as one outlier round, not as a whole repeat's p99).
 */
export function tails(runs, { conns, scenarios }) {
  const out = [];
  for (const C of conns) {
    for (const scenario of scenarios) {
      const okRuns = (server) =>
        runs.filter((r) => r.ok && r.server === server && r.C === C && r.scenario === scenario && r.latency?.hist);
      for (const [a, b] of PAIRS) {
        const ra = okRuns(a);
        const rb = okRuns(b);
        if (ra.length === 0 || rb.length === 0) continue;
        const pooledA = pooledP99(ra);
        const pooledB = pooledP99(rb);
        const rounds = pairedBlockRatios(ra, rb);
        out.push({
          C,
          scenario,
          of: `${a}/${b}`,
          pooledP99Ms: [pooledA, pooledB],
          pooledP99: ratio(pooledA, pooledB),
          rounds: rounds.length,
          pairedBlockP99: median(rounds),
          pairedBlockP99Interval: medianInterval(rounds),
        });
      }
    }
  }
  return out;
}

function pooledP99(runs) {
  const hist = new Histogram();
  for (const r of runs) hist.merge(r.latency.hist);
  return hist.quantile(0.99);
}

/** a ÷ b of the block p99s of each interleaved round, over the repeats both servers finished. */
function pairedBlockRatios(ra, rb) {
  const out = [];
  for (const x of ra) {
    const y = rb.find((r) => r.rep === x.rep);
    const bx = x.latency.blockP99Ms ?? [];
    const by = y?.latency.blockP99Ms ?? [];
    if (bx.length < 2 || bx.length !== by.length) continue;
    for (let i = 0; i < bx.length; i++) {
      const q = ratio(bx[i], by[i]);
      if (q != null) out.push(q);
    }
  }
  return out;
}

export function tailLines(ts) {
  return ts.map(
    (t) =>
      `${t.of.split('/')[0]} / ${t.of.split('/')[1].padEnd(8)} C=${String(t.C).padEnd(6)} ${t.scenario.padEnd(9)} ` +
      `p99 of all repeats pooled ${fmtRatio(t.pooledP99)} (${fmtMs(t.pooledP99Ms[0])} vs ${fmtMs(t.pooledP99Ms[1])} ms)` +
      (t.rounds ? `  median of ${t.rounds} paired blocks' p99 ratios ${fmtRatio(t.pairedBlockP99)}` : '') +
      (t.pairedBlockP99Interval ? ` (95% CI ${t.pairedBlockP99Interval.map((v) => v.toFixed(2)).join('–')})` : ''),
  );
}
