import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DISCONNECT } from '@dabba/protocol';
import type { FaceContext } from './context.js';
import { CentrifugeSession } from './session.js';
import { WebSocketTransport } from './transport.js';

/** The path centrifuge-js and every Centrifugo SDK connect to. */
export const CENTRIFUGE_WEBSOCKET_PATH = '/connection/websocket';

/** Longest pause between housekeeping passes (pings, pong deadlines, token expiry), ms. */
const MAX_HOUSEKEEPING_TICK_MS = 250;

/**
 * The native face: the Centrifugo client protocol v2 (JSON) over WebSocket. One housekeeping
 * timer serves every session: it pings each one when its own interval is due (so pings are
 * spread over time, never a burst to all clients at once, which would stall publications),
 * disconnects those that miss their pong deadline, and those whose token expired.
 */
export class CentrifugeFace {
  private readonly wss: WebSocketServer;
  private readonly housekeepingTimer: NodeJS.Timeout;
  /** Open sockets, including those closing: shutdown waits for them. */
  private readonly sockets = new Set<WebSocket>();

  constructor(private readonly context: FaceContext) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: context.options.maxInboundFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    const { pingIntervalMs, pongTimeoutMs } = context.options;
    const tickMs = Math.max(1, Math.min(MAX_HOUSEKEEPING_TICK_MS, pingIntervalMs / 4, pongTimeoutMs / 2));
    this.housekeepingTimer = setInterval(() => this.housekeeping(Date.now()), tickMs);
    this.housekeepingTimer.unref();
  }

  get connectionCount(): number {
    return this.context.sessions.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.sockets.add(ws);
      const session = new CentrifugeSession(new WebSocketTransport(ws), this.context);
      // ws hands over a Buffer for text and binary frames alike (binaryType 'nodebuffer').
      ws.on('message', (data) => session.receive((data as Buffer).toString('utf8')));
      // One listener per event: a second one (or a `once` wrapper) costs every connection an array and a closure.
      ws.on('close', () => {
        this.sockets.delete(ws);
        session.transportClosed();
      });
      ws.on('error', (error) => this.context.logger.debug({ err: error, client: session.id }, 'websocket error'));
      this.context.sessions.add(session);
    });
  }

  /**
   * Tells every client to reconnect elsewhere and waits for their sockets to close; after
   * `timeoutMs` the rest are cut off.
   */
  async close(timeoutMs: number): Promise<void> {
    clearInterval(this.housekeepingTimer);
    for (const session of [...this.context.sessions]) session.disconnect(DISCONNECT.shutdown);
    const closed = Promise.all([...this.sockets].map((ws) => new Promise((resolve) => ws.once('close', resolve))));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    for (const ws of this.sockets) ws.terminate();
  }

  private housekeeping(now: number): void {
    const { pingIntervalMs, pongTimeoutMs } = this.context.options;
    for (const session of this.context.sessions) {
      if (!session.connected) continue;
      if (session.pongDeadlineMs <= now) session.disconnect(DISCONNECT.noPong);
      else if (session.expiresAtMs <= now) session.disconnect(DISCONNECT.expired);
      else if (session.nextPingAtMs <= now) session.ping(now, pingIntervalMs, pongTimeoutMs);
    }
  }
}
