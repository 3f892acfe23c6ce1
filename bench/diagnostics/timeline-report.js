/**
 * Summarizes timeline-probe.js files: per file (server process), over its last `--last-s`
 * seconds (default 9: the latency phase of a run with 10 s phases), p50 / p90 / p99 in ms of
 * the time from the publisher's stamp to the frame's arrival, from arrival to the first and to
 * the last write carrying the publication, and from the stamp to the last write.
 *
 *   node bench/diagnostics/timeline-report.js [--last-s 9] /tmp/timeline.*
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { 'last-s': { type: 'string', default: '9' } },
  allowPositionals: true,
});
const lastMs = Number(values['last-s']) * 1000;

const quantile = (sorted, q) => sorted[Math.floor(q * (sorted.length - 1))];
function describe(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return [0.5, 0.9, 0.99].map((q) => quantile(sorted, q).toFixed(3)).join(' / ');
}

for (const file of positionals) {
  const rows = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ').map(Number));
  const end = Math.max(...rows.map((r) => r[0]));
  const recent = rows.filter((r) => r[0] >= end - lastMs);
  console.log(`${file}: ${recent.length} publications, ms p50 / p90 / p99`);
  console.log(`  publisher -> arrival     ${describe(recent.map((r) => r[1]))}`);
  console.log(`  arrival -> first write   ${describe(recent.map((r) => r[2]))}`);
  console.log(`  arrival -> last write    ${describe(recent.map((r) => r[3]))}`);
  console.log(`  publisher -> last write  ${describe(recent.map((r) => r[1] + r[3]))}`);
}
