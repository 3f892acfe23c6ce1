/**
 * Wakes the process every `intervalMs` while it holds clients (0 turns it off).
 *
 * Why: on a virtual machine a process that sleeps for long is woken late when its next frame
 * comes, and every subscriber of that publication waits for it. On the project's 2-core VM at
 * 1,000 publications/s over 1,000 connections the server is asleep three quarters of the time;
 * the same build with a 10 ms tick and without measured p99 publish→deliver 1.28x and 1.09x lower
 * with it in two interleaved A/B runs (bench/RESULTS.md, 2026-12-07), for no measurable CPU. A
 * 1 ms tick did no better than 10 ms. With no client there is nothing to deliver, so an idle
 * server still sleeps.
 */
export class KeepWarm {
  private holders = 0;
  private timer: NodeJS.Timeout | undefined;

  /** @param intervalMs how often to wake while clients are held, ms; 0 for never. */
  constructor(private readonly intervalMs: number) {
    if (!(intervalMs >= 0)) throw new RangeError(`keepWarmMs must be 0 or more, got ${intervalMs}`);
  }

  /** Whether the process is being kept warm now (for tests). */
  get warm(): boolean {
    return this.timer !== undefined;
  }

  /** A client came. */
  hold(): void {
    if (this.holders++ > 0 || this.intervalMs === 0) return;
    this.timer = setInterval(wake, this.intervalMs);
    // Never what keeps the process alive.
    this.timer.unref();
  }

  /** A client went. */
  release(): void {
    if (this.holders === 0 || --this.holders > 0) return;
    this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The tick does nothing: waking is all it is for. */
function wake(): void {}
