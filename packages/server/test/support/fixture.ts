import { Writable } from 'node:stream';
import { Centrifuge, type Options as CentrifugeOptions } from 'centrifuge';
import WebSocket from 'ws';
import type { Role } from '@dabba/protocol';
import { createLogger, type Logger } from '../../src/logger.js';
import { signToken, type SignTokenOptions } from '../../src/auth/jwt.js';
import { startServer, type DabbaServer, type ServerOptions } from '../../src/server.js';
import { createTestDatabase } from './test-database.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough';
export const TEST_API_KEY = 'test-api-key';

/** A real server on port 0 plus helpers; `close()` (or `await using`) disposes it and its clients. */
export interface TestServer extends AsyncDisposable {
  readonly server: DabbaServer;
  readonly url: string;
  readonly wsUrl: string;
  /** Every log line the server wrote, as JSON text. */
  readonly logs: string[];
  token(sub: string, role?: Role, options?: SignTokenOptions): Promise<string>;
  /** POSTs to the server API with the test key (or `apiKey`), returning status and parsed body. */
  api(method: string, body: unknown, apiKey?: string | null): Promise<{ status: number; body: ApiReply }>;
  /**
   * Calls a REST route as a token's holder (`as: token`), as the backend (`as: 'api'`), or
   * anonymously; returns status, parsed body and headers.
   */
  rest(method: string, path: string, options?: RestOptions): Promise<RestReply>;
  /** A centrifuge-js client, disconnected when the server is disposed. Not connected yet. */
  centrifuge(options: Partial<CentrifugeOptions>): Centrifuge;
  close(): Promise<void>;
}

export interface RestOptions {
  as?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RestReply {
  status: number;
  // Tests read whatever the route returned; the routes' own tests pin the shapes.
  body: Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } };
  headers: Headers;
}

export interface ApiReply {
  result?: Record<string, unknown>;
  error?: { code: number | string; message: string };
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger: Logger = createLogger(options.logLevel ?? 'debug', sink);
  // Without a database of its own, each server gets a fresh one (see test-database.ts), dropped on close.
  const database = options.databaseUrl === undefined ? await createTestDatabase() : undefined;
  let server: DabbaServer;
  try {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      jwtSecret: TEST_SECRET,
      apiKey: TEST_API_KEY,
      logger,
      ...options,
      databaseUrl: options.databaseUrl ?? database?.url,
    });
  } catch (error) {
    await database?.drop();
    throw error;
  }
  const clients: Centrifuge[] = [];
  const wsUrl = `${server.url.replace('http', 'ws')}/connection/websocket`;
  const close = async (): Promise<void> => {
    for (const client of clients) client.disconnect();
    await server.close();
    await database?.drop();
  };
  return {
    server,
    url: server.url,
    wsUrl,
    logs,
    token: (sub, role = 'customer', tokenOptions) => signToken(TEST_SECRET, { sub, role }, tokenOptions),
    async api(method, body, apiKey = TEST_API_KEY) {
      const headers: Record<string, string> = {};
      if (apiKey !== null) headers['X-API-Key'] = apiKey;
      const response = await fetch(`${server.url}/api/${method}`, {
        method: 'POST',
        headers,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as ApiReply };
    },
    async rest(method, path, restOptions = {}) {
      const headers: Record<string, string> = { ...restOptions.headers };
      if (restOptions.as === 'api') headers['X-API-Key'] = TEST_API_KEY;
      else if (restOptions.as) headers.Authorization = `Bearer ${restOptions.as}`;
      if (restOptions.body !== undefined) headers['Content-Type'] = 'application/json';
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers,
        body: restOptions.body === undefined ? undefined : JSON.stringify(restOptions.body),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? (JSON.parse(text) as RestReply['body']) : {},
        headers: response.headers,
      };
    },
    centrifuge(centrifugeOptions) {
      const client = new Centrifuge(wsUrl, {
        websocket: WebSocket,
        minReconnectDelay: 20,
        maxReconnectDelay: 200,
        ...centrifugeOptions,
      });
      clients.push(client);
      return client;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Resolves with the first event's argument; rejects after `timeoutMs` naming the event. */
export function once<T>(
  emitter: { once(event: string, listener: (arg: T) => void): unknown },
  event: string,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), timeoutMs);
    emitter.once(event, (arg: T) => {
      clearTimeout(timer);
      resolve(arg);
    });
  });
}
