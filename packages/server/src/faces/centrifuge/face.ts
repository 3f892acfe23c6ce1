import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DISCONNECT } from '@dabba/protocol';
import type { FaceContext } from './context.js';
import { CentrifugeSession } from './session.js';

/** The path centrifuge-js and every Centrifugo SDK connect to. */
export const CENTRIFUGE_WEBSOCKET_PATH = '/connection/websocket';

/** How often expired tokens are looked for: expiry is enforced to within this, ms. */
const EXPIRY_CHECK_INTERVAL_MS = 500;

/**
 * The native face: the Centrifugo client protocol v2 (JSON) over WebSocket. One timer pings
 * every session; a session that has not answered by the next check is disconnected.
 */
export class CentrifugeFace {
  private readonly wss: WebSocketServer;
  private readonly pingTimer: NodeJS.Timeout;
  /** One timer for every session's token expiry, instead of a timer per connection. */
  private readonly expiryTimer: NodeJS.Timeout;
  private pongCheck: NodeJS.Timeout | undefined;
  /** Open sockets, including those closing: shutdown waits for them. */
  private readonly sockets = new Set<WebSocket>();

  constructor(private readonly context: FaceContext) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: context.options.maxInboundFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.pingTimer = setInterval(() => this.pingAll(), context.options.pingIntervalMs);
    this.pingTimer.unref();
    this.expiryTimer = setInterval(() => this.disconnectExpired(Date.now()), EXPIRY_CHECK_INTERVAL_MS);
    this.expiryTimer.unref();
  }

  get connectionCount(): number {
    return this.context.sessions.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.sockets.add(ws);
      ws.once('close', () => this.sockets.delete(ws));
      this.context.sessions.add(new CentrifugeSession(ws, this.context));
    });
  }

  /**
   * Tells every client to reconnect elsewhere and waits for their sockets to close; after
   * `timeoutMs` the rest are cut off.
   */
  async close(timeoutMs: number): Promise<void> {
    clearInterval(this.pingTimer);
    clearInterval(this.expiryTimer);
    clearTimeout(this.pongCheck);
    for (const session of [...this.context.sessions]) session.disconnect(DISCONNECT.shutdown);
    const closed = Promise.all([...this.sockets].map((ws) => new Promise((resolve) => ws.once('close', resolve))));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    for (const ws of this.sockets) ws.terminate();
  }

  private disconnectExpired(now: number): void {
    for (const session of this.context.sessions) {
      if (session.connected && session.expiresAtMs <= now) session.disconnect(DISCONNECT.expired);
    }
  }

  private pingAll(): void {
    for (const session of this.context.sessions) if (session.connected) session.ping();
    clearTimeout(this.pongCheck);
    this.pongCheck = setTimeout(() => {
      for (const session of [...this.context.sessions]) {
        if (session.connected && session.awaitingPong) session.disconnect(DISCONNECT.noPong);
      }
    }, this.context.options.pongTimeoutMs);
    this.pongCheck.unref();
  }
}
