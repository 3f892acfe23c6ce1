/**
 * Shared plumbing for server children: report {port, ...} to the parent once listening, answer
 * `stats` / `gc` / `close` requests about this process only (CPU, RSS).
 */
import { serveRequests } from '../lib/child.js';
import { now, sleep } from '../lib/clock.js';

function stats() {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { t: now(), cpuUser: cpu.user, cpuSystem: cpu.system, rss: mem.rss, heapUsed: mem.heapUsed };
}

/** start(): Promise<{ port, path?, info?, close(): Promise<void> }> */
export async function runServerChild(name, start) {
  process.on('uncaughtException', (err) => {
    console.error(`[${name}] uncaught:`, err);
    process.exit(1);
  });
  let handle;
  serveRequests({
    stats: () => stats(),
    gc: async () => {
      const hasGc = typeof globalThis.gc === 'function';
      if (hasGc) {
        globalThis.gc();
        await sleep(50);
        globalThis.gc();
        await sleep(50);
      }
      return { ...stats(), gc: hasGc };
    },
    close: async () => {
      try {
        if (handle) await Promise.race([handle.close(), sleep(3000)]);
      } finally {
        setTimeout(() => process.exit(0), 20);
      }
      return {};
    },
  });
  try {
    handle = await start();
  } catch (err) {
    console.error(`[${name}] failed to start:`, err?.stack ?? err);
    process.send?.({ type: 'failed', error: String(err?.message ?? err) });
    setTimeout(() => process.exit(1), 50);
    return;
  }
  process.send?.({ type: 'ready', name, port: handle.port, path: handle.path ?? '/', info: handle.info ?? {} });
}
