/**
 * Shared plumbing for server children: report {port, ...} to the parent once listening, answer
 * `stats` / `gc` / `close` requests about this process only (CPU, RSS).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { serveRequests } from '../lib/child.js';
import { now, sleep } from '../lib/clock.js';

function stats() {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { t: now(), cpuUser: cpu.user, cpuSystem: cpu.system, rss: mem.rss, heapUsed: mem.heapUsed };
}

/**
 * BENCH_PHASE_PROFILE_DIR: a CPU profile per stretch between two `stats` requests (the harness
 * asks at every phase boundary), written as <dir>/<pid>-<n>.cpuprofile: a profile of the
 * saturation phase alone, without connection setup. A diagnostic: the profiler costs CPU.
 */
const PROFILE_DIR = process.env.BENCH_PHASE_PROFILE_DIR;
let profiler;
let profileCount = 0;
async function nextProfile() {
  if (!profiler) {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
  } else {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(`${PROFILE_DIR}/${process.pid}-${profileCount++}.cpuprofile`, JSON.stringify(profile));
  }
  await profiler.post('Profiler.start');
}

/**
 * BENCH_SLICE_US: ask Linux for a time slice of that many µs for this process's threads
 * (diagnostics/sched-slice.py): does a server that preempts sooner on wake-up answer sooner?
 */
function askForShortSlice() {
  if (!process.env.BENCH_SLICE_US) return;
  const script = fileURLToPath(new URL('../diagnostics/sched-slice.py', import.meta.url));
  const ns = String(Number(process.env.BENCH_SLICE_US) * 1000);
  const done = spawnSync('python3', [script, String(process.pid), ns], { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`sched-slice.py: ${done.stderr || done.error}`);
}

/** start(): Promise<{ port, path?, info?, close(): Promise<void> }> */
export async function runServerChild(name, start) {
  process.on('uncaughtException', (err) => {
    console.error(`[${name}] uncaught:`, err);
    process.exit(1);
  });
  let handle;
  serveRequests({
    stats: async () => {
      if (PROFILE_DIR) await nextProfile();
      return stats();
    },
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
    askForShortSlice();
    handle = await start();
  } catch (err) {
    console.error(`[${name}] failed to start:`, err?.stack ?? err);
    process.send?.({ type: 'failed', error: String(err?.message ?? err) });
    setTimeout(() => process.exit(1), 50);
    return;
  }
  process.send?.({ type: 'ready', name, port: handle.port, path: handle.path ?? '/', info: handle.info ?? {} });
}
