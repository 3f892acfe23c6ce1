import WebSocket from 'ws';

export interface Reply {
  id: number;
  error?: { code: number; message: string; temporary?: boolean };
  [method: string]: unknown;
}

/**
 * A bare Centrifugo-protocol client over `ws`, for cases centrifuge-js would hide: it records
 * every frame, reply and push, and how the socket closed.
 */
export class RawClient {
  readonly frames: string[] = [];
  readonly pushes: Array<Record<string, unknown>> = [];
  readonly replies = new Map<number, Reply>();
  pings = 0;
  /** Answer server pings with a pong. */
  answerPings = true;
  private nextId = 1;
  private waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    ws.on('message', (data) => this.onFrame(data.toString()));
    ws.on('error', () => {});
  }

  static async open(url: string, headers?: Record<string, string>): Promise<RawClient> {
    const ws = new WebSocket(url, { headers });
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
    });
    return client;
  }

  /** Sends a command and waits for its reply. */
  async call(method: string, request: unknown): Promise<Reply> {
    const id = this.nextId++;
    this.sendRaw(JSON.stringify({ id, [method]: request }));
    return this.waitFor(() => this.replies.get(id));
  }

  async connect(token: string, extra: Record<string, unknown> = {}): Promise<Reply> {
    return this.call('connect', { token, ...extra });
  }

  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  /** Waits until `check` returns a value (re-checked on every frame), or fails after `timeoutMs`. */
  async waitFor<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  publications(channel: string): Array<{ data: unknown; offset?: number; tags?: Record<string, string> }> {
    return this.pushes
      .filter((p) => p.channel === channel && p.pub)
      .map((p) => p.pub as { data: unknown; offset?: number; tags?: Record<string, string> });
  }

  close(): void {
    this.ws.terminate();
  }

  private onFrame(text: string): void {
    this.frames.push(text);
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const message = JSON.parse(line) as Record<string, unknown>;
      if (Object.keys(message).length === 0) {
        this.pings++;
        if (this.answerPings) this.ws.send('{}');
      } else if (message.push) {
        this.pushes.push(message.push as Record<string, unknown>);
      } else if (typeof message.id === 'number') {
        this.replies.set(message.id, message as Reply);
      }
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
