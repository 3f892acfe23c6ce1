import WebSocket from 'ws';
import type { TestServer } from './fixture.js';

/** One message of `/api/ws`. */
export interface WsMessage {
  type: string;
  data?: Record<string, unknown>;
}

/** How the server closed a socket. */
export interface WsClose {
  code: number;
  reason: string;
}

const opened: PlainWsTestClient[] = [];

/**
 * A real `ws` client of `/api/ws` that keeps every message it got, one JSON object per frame
 * (a frame that is not one is recorded as `{type: 'unparsable'}`, so tests fail on it).
 */
export class PlainWsTestClient {
  readonly messages: WsMessage[] = [];
  readonly closed: Promise<WsClose>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      try {
        this.messages.push(JSON.parse(String(data)) as WsMessage);
      } catch {
        this.messages.push({ type: 'unparsable', data: { text: String(data) } });
      }
      for (const wake of [...this.waiters]) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const wake of [...this.waiters]) wake();
      });
    });
    ws.on('error', () => undefined);
  }

  /** Opens `/api/ws` with this query string (e.g. `token=…`); resolves once the socket is open. */
  static async open(t: TestServer, query: string, headers: Record<string, string> = {}): Promise<PlainWsTestClient> {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/ws?${query}`, { headers });
    const client = new PlainWsTestClient(ws);
    opened.push(client);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
    return client;
  }

  /** Opens with a token and waits for `connected` (every initial channel followed). */
  static async connect(t: TestServer, token: string): Promise<PlainWsTestClient> {
    const client = await PlainWsTestClient.open(t, `token=${encodeURIComponent(token)}`);
    await client.next('connected');
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Messages of one type received so far. */
  ofType(type: string): WsMessage[] {
    return this.messages.filter((m) => m.type === type);
  }

  /** Waits until `count` messages of `type` arrived (counting from the start); returns the last. */
  async next(type: string, count = 1, timeoutMs = 5000): Promise<WsMessage> {
    await this.until(() => this.ofType(type).length >= count, `${count} × ${type}`, timeoutMs);
    return this.ofType(type)[count - 1] as WsMessage;
  }

  /** Sends a request and waits for the reply of `replyType` that follows it (or an error). */
  async request(message: unknown, replyType: string, timeoutMs = 5000): Promise<WsMessage> {
    const seen = this.messages.length;
    this.send(message);
    await this.until(
      () => this.messages.slice(seen).some((m) => m.type === replyType || m.type === 'error'),
      replyType,
      timeoutMs,
    );
    return this.messages.slice(seen).find((m) => m.type === replyType || m.type === 'error') as WsMessage;
  }

  until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.type))}`));
      }, timeoutMs);
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Closes every client the tests opened. */
export function closePlainWsClients(): void {
  for (const client of opened.splice(0)) client.ws.terminate();
}
