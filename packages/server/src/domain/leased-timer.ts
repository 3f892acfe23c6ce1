import type { Engine } from '../engines/engine.js';
import type { Logger } from '../logger.js';

export interface LeasedTimer {
  /** Stops the timer and gives the lease up, so another node takes over at once. */
  stop(): Promise<void>;
}

/**
 * A periodic job that runs on one node of the cluster at a time: whichever holds the engine
 * lease `name`. The holder renews the lease at every tick; if it dies, the lease lapses after
 * three intervals (at least 5 s) and another node's next tick takes it over. On the memory
 * engine (one node) the lease is always held. Ticks never overlap.
 */
export function leasedTimer(
  engine: Engine,
  name: string,
  intervalMs: number,
  job: () => Promise<void>,
  logger: Logger,
): LeasedTimer {
  const leaseTtlMs = Math.max(5_000, 3 * intervalMs);
  let running: Promise<void> | undefined;
  const tick = async (): Promise<void> => {
    try {
      if (await engine.tryLease(name, leaseTtlMs)) await job();
    } catch (error) {
      logger.error({ err: error, timer: name }, 'timer job failed; the next tick retries');
    }
  };
  const timer = setInterval(() => {
    running ??= tick().finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await engine.releaseLease(name).catch(() => undefined);
    },
  };
}
