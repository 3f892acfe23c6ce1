/**
 * Dabba, started in-process in this child, speaking its native Centrifugo-v2 JSON face at
 * /connection/websocket. Clients authenticate with HS256 JWTs signed with JWT_SECRET.
 */
import { existsSync } from 'node:fs';
import v8 from 'node:v8';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runServerChild } from './common.js';

const JWT_SECRET = 'bench-secret';
// BENCH_DABBA_DIST: another build (bench/run.js's `dabba-b`).
const DIST = process.env.BENCH_DABBA_DIST
  ? pathToFileURL(process.env.BENCH_DABBA_DIST)
  : new URL('../../packages/server/dist/index.js', import.meta.url);

runServerChild('dabba', async () => {
  // Experiments: BENCH_DABBA_V8_FLAGS='--no-parallel-scavenge' (V8 flags NODE_OPTIONS does not take).
  if (process.env.BENCH_DABBA_V8_FLAGS) v8.setFlagsFromString(process.env.BENCH_DABBA_V8_FLAGS);
  if (!existsSync(fileURLToPath(DIST))) {
    throw new Error(`${fileURLToPath(DIST)} not found (run \`npm run build\` first)`);
  }
  const { startServer, signToken } = await import(DIST.href);
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    jwtSecret: JWT_SECRET,
    apiKey: 'bench-key',
    logLevel: 'warn',
    // The fan-out benchmark does not touch orders: a throwaway store keeps runs independent.
    databaseUrl: 'sqlite::memory:',
    // Set by servers/dabba-cluster.js: this process is one node of several on one Redis.
    redisUrl: process.env.BENCH_REDIS_URL || undefined,
    // Experiments: BENCH_DABBA_OPTIONS='{"pingIntervalMs":300000}' overrides server options.
    ...JSON.parse(process.env.BENCH_DABBA_OPTIONS || '{}'),
    // The publisher is a firehose, not an app client: lift the per-connection command rate limit.
    maxCommandsPerSecond: 1_000_000,
    namespaces: {
      bench: { allowSubscribe: 'authenticated', allowClientPublish: true, historySize: 0, historyTtlMs: 0 },
    },
  });
  // The publisher authenticates with a token from Dabba's own signer; subscribers use bench/lib/jwt.js (same claims),
  // so a mismatch between the two shows up as subscriber connect errors, not as a silent difference.
  const sampleToken = await signToken(JWT_SECRET, { sub: 'bench-publisher', role: 'customer' }, { ttlSeconds: 3600 });
  return {
    port: server.port,
    path: '/connection/websocket',
    info: { jwtSecret: JWT_SECRET, sampleToken, url: server.url },
    close: () => server.close(),
  };
});
