/**
 * Wall-clock milliseconds (with a fraction) that every process on the machine agrees on:
 * performance.timeOrigin is the wall-clock instant of process start and performance.now() a
 * monotonic offset from it, so publisher and subscriber processes can compare stamps.
 */
const origin = performance.timeOrigin;

export function now() {
  return origin + performance.now();
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
