#!/usr/bin/env node
/**
 * How far apart processes' `performance.timeOrigin + performance.now()` clocks are, against
 * the machine's monotonic clock (the one bench/lib/clock.js now uses): each child reports
 * its wall-from-origin minus its monotonic reading, and the spread of that difference is how
 * far two processes' stamps disagree. Children forked one after another, then all at once
 * (as a benchmark case starts its load generators).
 *
 *   node bench/diagnostics/clock-offsets.js [count=20]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--child') {
  const [seconds, nanoseconds] = process.hrtime();
  const originBased = performance.timeOrigin + performance.now();
  process.send(originBased - (seconds * 1e3 + nanoseconds / 1e6));
  process.disconnect();
} else {
  const count = Number(process.argv[2] ?? 20);
  const self = fileURLToPath(import.meta.url);
  const offsetOfNewChild = () => new Promise((resolve) => fork(self, ['--child']).once('message', resolve));
  const oneByOne = [];
  for (let i = 0; i < count; i++) oneByOne.push(await offsetOfNewChild());
  const together = await Promise.all(Array.from({ length: count }, offsetOfNewChild));
  for (const [how, offsets] of [
    ['forked one after another', oneByOne],
    ['forked together', together],
  ]) {
    const spreadMs = Math.max(...offsets) - Math.min(...offsets);
    console.log(`${count} processes ${how}: timeOrigin clocks disagree by up to ${spreadMs.toFixed(3)} ms`);
  }
}
