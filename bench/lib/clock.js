/**
 * Milliseconds (with a fraction) on the machine's monotonic clock (CLOCK_MONOTONIC, read
 * through process.hrtime), which every process on the machine reads alike: publisher and
 * subscriber processes compare stamps with it. Not a wall-clock time.
 *
 * Not `performance.timeOrigin + performance.now()`: each process pairs one wall-clock and one
 * monotonic reading at its start, and a stall between the two (or the wall clock slewed since)
 * offsets that process's stamps for good: 20 processes forked together here disagreed by over
 * 30 ms, and one case's publisher and subscribers by ~10.7 ms for a whole run (a p50 of 11.2 ms
 * beside raw ws's 0.49 ms in the same interleaved blocks); smaller offsets shift a whole case's
 * latencies without showing.
 */
export function now() {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}

/**
 * Wall-clock milliseconds with a fraction, for stamps the server reads as times (GPS fixes). It
 * carries its process's start-up offset (see `now`): latencies between processes measured
 * with it are good to a few milliseconds at best.
 */
export function wallClockMs() {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
