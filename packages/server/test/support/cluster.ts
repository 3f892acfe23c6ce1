import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken, type SignTokenOptions } from '../../src/auth/jwt.js';
import type { RestReply, TestServer } from './fixture.js';
import type { Role } from '@dabba/protocol';
import { CLI, Cli, cleanEnv, within, WAIT_MS } from './cli-process.js';

export const CLUSTER_SECRET = 'cluster-test-secret-that-is-long-enough';
export const CLUSTER_API_KEY = 'cluster-test-api-key';

/** One `dabba serve` process of a test cluster. */
export interface ClusterNode {
  readonly name: string;
  readonly url: string;
  readonly wsUrl: string;
  readonly cli: Cli;
  /** kill -9: no goodbye to clients, nothing flushed. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful drain. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  redisUrl: string;
  databaseUrl: string;
  /** Extra environment for every node (DABBA_… settings). */
  env?: Record<string, string>;
}

/** Starts and tracks `dabba serve` processes sharing one Redis and one database. */
export class Cluster {
  readonly nodes: ClusterNode[] = [];
  private readonly dirs: string[] = [];

  constructor(private readonly options: ClusterOptions) {}

  async start(name: string, env: Record<string, string> = {}): Promise<ClusterNode> {
    const dir = await mkdtemp(join(tmpdir(), `dabba-${name}-`));
    this.dirs.push(dir);
    const cli = new Cli(
      spawn(process.execPath, [CLI, 'serve'], {
        cwd: dir,
        stdio: 'pipe',
        env: cleanEnv({
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          DABBA_NODE_NAME: name,
          DABBA_JWT_SECRET: CLUSTER_SECRET,
          DABBA_API_KEY: CLUSTER_API_KEY,
          DABBA_REDIS_URL: this.options.redisUrl,
          DABBA_DATABASE_URL: this.options.databaseUrl,
          ...this.options.env,
          ...env,
        }),
      }),
    );
    const url = await cli.listening();
    const node: ClusterNode = {
      name,
      url,
      wsUrl: `${url.replace('http', 'ws')}/connection/websocket`,
      cli,
      async kill() {
        if (!cli.running) return;
        cli.child.kill('SIGKILL');
        await within(cli.exited, WAIT_MS, `kill of ${name}`);
      },
      async stop() {
        if (!cli.running) return;
        cli.child.kill('SIGTERM');
        await cli.exit();
      },
    };
    this.nodes.push(node);
    return node;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.splice(0).map((n) => n.kill()));
    await Promise.all(this.dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

export function clusterToken(sub: string, role: Role = 'customer'): Promise<string> {
  return signToken(CLUSTER_SECRET, { sub, role });
}

/** POSTs to a node's server API. */
export async function serverApi(node: ClusterNode, method: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${node.url}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': CLUSTER_API_KEY },
    body: JSON.stringify(body),
  });
  const reply = (await response.json()) as Record<string, unknown>;
  if (!response.ok || reply.error) throw new Error(`${method} on ${node.name}: ${JSON.stringify(reply)}`);
  return reply;
}

/** The REST side of the test fixture (`rest`, `token`), against a node: what ordersWorld() needs. */
export function restClient(node: () => ClusterNode): Pick<TestServer, 'rest' | 'token'> {
  return {
    token: (sub: string, role: Role = 'customer', options?: SignTokenOptions) =>
      signToken(CLUSTER_SECRET, { sub, role }, options),
    async rest(method, path, options = {}): Promise<RestReply> {
      const headers: Record<string, string> = { ...options.headers };
      if (options.as === 'api') headers['X-API-Key'] = CLUSTER_API_KEY;
      else if (options.as) headers.Authorization = `Bearer ${options.as}`;
      if (options.body !== undefined) headers['Content-Type'] = 'application/json';
      const response = await fetch(`${node().url}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? (JSON.parse(text) as RestReply['body']) : {},
        headers: response.headers,
      };
    },
  };
}
