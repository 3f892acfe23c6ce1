/**
 * Two Dabba nodes on the Redis engine, as one "server" to the harness: a private redis-server
 * and two node processes (servers/dabba.js with BENCH_REDIS_URL). The harness spreads its
 * subscriber workers over `info.ports` and publishes through the first node, so every
 * publication crosses Redis to reach the second node's subscribers.
 *
 * `stats` sums both nodes' CPU and memory (the server CPU per delivery the issue compares);
 * Redis's own CPU is reported beside it as `redisCpuUser` / `redisCpuSystem`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child, serveRequests } from '../lib/child.js';
import { now, sleep } from '../lib/clock.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NODES = 2;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** CPU time of another process from /proc, in microseconds (what process.cpuUsage() reports). */
function processCpu(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const tick = 1e6 / 100;
  return { user: Number(fields[11]) * tick, system: Number(fields[12]) * tick };
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  process.on('exit', () => child.kill('SIGKILL'));
  const deadline = now() + 10_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return { port, child };
    if (now() > deadline) throw new Error('redis-server did not start');
    await sleep(20);
  }
}

const redis = await startRedis();
const url = `redis://127.0.0.1:${redis.port}`;
const nodes = [];
for (let i = 0; i < NODES; i++) {
  const node = new Child(`dabba-node-${i}`, path.join(HERE, 'dabba.js'), {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_REDIS_URL: url, DABBA_NODE_NAME: `bench-${i}` },
  });
  const ready = await node.waitFor('ready', 30_000);
  nodes.push({ child: node, ready });
}

async function sumStats(kind) {
  const all = await Promise.all(nodes.map((n) => n.child.request(kind)));
  const cpu = processCpu(redis.child.pid);
  return {
    t: now(),
    cpuUser: all.reduce((a, s) => a + s.cpuUser, 0),
    cpuSystem: all.reduce((a, s) => a + s.cpuSystem, 0),
    rss: all.reduce((a, s) => a + s.rss, 0),
    heapUsed: all.reduce((a, s) => a + s.heapUsed, 0),
    gc: all.every((s) => s.gc !== false),
    redisCpuUser: cpu.user,
    redisCpuSystem: cpu.system,
  };
}

serveRequests({
  stats: () => sumStats('stats'),
  gc: () => sumStats('gc'),
  close: async () => {
    await Promise.all(nodes.map((n) => n.child.request('close').catch(() => undefined)));
    redis.child.kill('SIGKILL');
    setTimeout(() => process.exit(0), 20);
    return {};
  },
});

const first = nodes[0].ready;
process.send?.({
  type: 'ready',
  name: 'dabba-redis',
  port: first.port,
  path: first.path,
  info: { ...first.info, ports: nodes.map((n) => n.ready.port), redisPid: redis.child.pid },
});
