/**
 * Summarizes timeline-probe.js files: per file (server process), over the seconds in which it
 * received a latency phase's rate (`--min-rate`..`--max-rate` publications, default 300..1,100:
 * the 1,000/s rooms phase, interleaved or not; a saturation phase's seconds are left out),
 * p50 / p90 / p97 / p99 / p99.9 in ms of the time from the publisher's stamp to the frame's
 * arrival, from arrival to the first and to the last write carrying the publication, and from
 * the stamp to the last write.
 *
 * Then its stalls: an episode starts with a publication whose frame reached the server's
 * handler ≥ `--stall-ms` (default 1) after its stamp while the one before did not, and lasts
 * while the following ones are late too (they queue behind it). "busy" episodes began while
 * the server was still writing the publication before; "idle" ones while it had nothing to do,
 * so the server process was not running its event loop (not scheduled, or in a GC or a timer).
 *
 *   node bench/diagnostics/timeline-report.js [--stall-ms 1] /tmp/timeline.*
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    'min-rate': { type: 'string', default: '300' },
    'max-rate': { type: 'string', default: '1100' },
    'stall-ms': { type: 'string', default: '1' },
  },
  allowPositionals: true,
});
const minRate = Number(values['min-rate']);
const maxRate = Number(values['max-rate']);
const stallMs = Number(values['stall-ms']);

const QUANTILES = [0.5, 0.9, 0.97, 0.99, 0.999];
const quantile = (sorted, q) => sorted[Math.floor(q * (sorted.length - 1))];
function describe(values, quantiles = QUANTILES) {
  const sorted = [...values].sort((a, b) => a - b);
  return quantiles.map((q) => quantile(sorted, q).toFixed(3)).join(' / ');
}

/** Rows `[sentAt, toArrival, toFirstWrite, toLastWrite, writes]` of the latency phase's seconds, by stamp. */
function latencyPhaseRows(file) {
  const rows = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ').map(Number));
  const secondOf = (row) => Math.floor(row[0] / 1000);
  const perSecond = new Map();
  for (const r of rows) perSecond.set(secondOf(r), (perSecond.get(secondOf(r)) ?? 0) + 1);
  return rows
    .filter((r) => {
      const n = perSecond.get(secondOf(r));
      return n >= minRate && n <= maxRate;
    })
    .sort((a, b) => a[0] - b[0]);
}

function stallEpisodes(rows) {
  const episodes = [];
  for (let i = 1; i < rows.length; i++) {
    const [sentAt, toArrival] = rows[i];
    const before = rows[i - 1];
    if (toArrival < stallMs || before[1] >= stallMs) continue;
    let length = 1;
    while (rows[i + length] && rows[i + length][1] >= stallMs) length++;
    const beforeDoneAt = before[0] + before[1] + before[3];
    episodes.push({ delayMs: toArrival, length, busy: sentAt < beforeDoneAt });
  }
  return episodes;
}

for (const file of positionals) {
  const rows = latencyPhaseRows(file);
  if (rows.length === 0) {
    console.log(`${file}: no second at ${minRate}..${maxRate} publications`);
    continue;
  }
  console.log(`${file}: ${rows.length} publications, ms ${QUANTILES.map((q) => `p${q * 100}`).join(' / ')}`);
  console.log(`  publisher -> arrival     ${describe(rows.map((r) => r[1]))}`);
  console.log(`  arrival -> first write   ${describe(rows.map((r) => r[2]))}`);
  console.log(`  arrival -> last write    ${describe(rows.map((r) => r[3]))}`);
  console.log(`  publisher -> last write  ${describe(rows.map((r) => r[1] + r[3]))}`);
  const episodes = stallEpisodes(rows);
  if (episodes.length === 0) continue;
  const busy = episodes.filter((e) => e.busy).length;
  const late = episodes.reduce((sum, e) => sum + e.length, 0);
  console.log(
    `  stalls ≥ ${stallMs} ms: ${episodes.length} (${busy} busy, ${episodes.length - busy} idle), ` +
      `first delay p50 / p90 ${describe(
        episodes.map((e) => e.delayMs),
        [0.5, 0.9],
      )} ms, ` +
      `${late} publications late (${((100 * late) / rows.length).toFixed(2)} %)`,
  );
}
