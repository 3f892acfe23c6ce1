/**
 * Dabba for the location-ingest benchmark (child process): the built server started in-process,
 * its store a SQLite file in a temporary directory (removed on close), listening on 127.0.0.1.
 *
 * argv: --min-interval-ms N   the per-driver location rate limit (0 lifts it, so that 2,000
 *                             drivers can saturate the server)
 *
 * Besides the requests of ../servers/common.js it answers {type:'profile', action:'start'|'stop',
 * file} messages: a V8 CPU profile of the measured phases only (not of the REST set-up).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runServerChild } from '../servers/common.js';
import { API_KEY, JWT_SECRET } from './common.js';
const DIST = new URL('../../packages/server/dist/index.js', import.meta.url);

const { values: opt } = parseArgs({
  options: { 'min-interval-ms': { type: 'string', default: '0' } },
  strict: true,
});

let profiler;
process.on('message', async (m) => {
  if (m?.type !== 'profile') return;
  if (m.action === 'start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  } else if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    mkdirSync(path.dirname(m.file), { recursive: true });
    writeFileSync(m.file, JSON.stringify(profile));
    profiler.disconnect();
    profiler = undefined;
  }
  process.send?.({ type: 'profiled', action: m.action });
});

runServerChild('dabba', async () => {
  if (!existsSync(fileURLToPath(DIST))) {
    throw new Error(`${fileURLToPath(DIST)} not found (run \`npm run build\` first)`);
  }
  const { startServer } = await import(DIST.href);
  const dir = mkdtempSync(path.join(tmpdir(), 'dabba-bench-location-'));
  const databaseUrl = `sqlite:${path.join(dir, 'dabba.db')}`;
  let server;
  try {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      jwtSecret: JWT_SECRET,
      apiKey: API_KEY,
      logLevel: 'warn',
      databaseUrl,
      // At saturation a simulated driver sends far more than an app would: lift the per-connection command limit.
      maxCommandsPerSecond: 1_000_000,
      locationMinIntervalMs: Number(opt['min-interval-ms']),
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return {
    port: server.port,
    path: '/connection/websocket',
    info: { url: server.url, databaseUrl },
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
