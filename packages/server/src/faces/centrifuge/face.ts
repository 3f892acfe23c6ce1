import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { DISCONNECT } from '@dabba/protocol';
import type { FaceContext } from './context.js';
import { CentrifugeSession } from './session.js';
import { WebSocketTransport } from './transport.js';

/** The path centrifuge-js and every Centrifugo SDK connect to. */
export const CENTRIFUGE_WEBSOCKET_PATH = '/connection/websocket';

/** `{}`: a client's pong, the most frequent frame of an idle connection. */
function isPong(frame: Buffer): boolean {
  return frame.length === 2 && frame[0] === 0x7b && frame[1] === 0x7d;
}

/**
 * The native face: the Centrifugo client protocol v2 (JSON) over WebSocket. One housekeeping
 * timer serves every session: each tick it takes the sessions whose deadline came off the
 * context's deadline wheel, pings those whose own interval is due (so pings are spread over
 * time, never a burst to all clients at once, which would stall publications; a ping rides on
 * the session's next publication when one comes soon, so it costs the client no wake-up of its
 * own), and disconnects those that missed their pong deadline or whose token expired.
 */
export class CentrifugeFace {
  private readonly wss: WebSocketServer;
  /** Open sockets, including those closing (shutdown waits for them), and their sessions. */
  private readonly sockets = new Map<WebSocket, CentrifugeSession>();
  /**
   * Every socket's listeners, shared by all sockets (a listener finds its session through
   * `this`, the socket): closures per connection would cost each one about 200 bytes.
   */
  private readonly listeners: {
    message(this: WebSocket, data: RawData): void;
    close(this: WebSocket): void;
    error(this: WebSocket, error: Error): void;
  };

  constructor(private readonly context: FaceContext) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: context.options.maxInboundFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    context.deadlines.start((session, nowMs) => this.housekeep(session, nowMs));
    const { sockets } = this;
    const logger = context.logger;
    this.listeners = {
      message(data) {
        // ws hands over a Buffer for text and binary frames alike (binaryType 'nodebuffer').
        const frame = data as Buffer;
        const session = sockets.get(this);
        if (isPong(frame)) session?.receivePong();
        else session?.receive(frame.toString('utf8'));
      },
      close() {
        const session = sockets.get(this);
        sockets.delete(this);
        session?.transportClosed();
      },
      error(error) {
        logger.debug({ err: error, client: sockets.get(this)?.id }, 'websocket error');
      },
    };
  }

  get connectionCount(): number {
    return this.context.sessions.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const session = new CentrifugeSession(new WebSocketTransport(ws), this.context);
      this.sockets.set(ws, session);
      // One listener per event: a second one (or a `once` wrapper) costs every connection an array.
      ws.on('message', this.listeners.message);
      ws.on('close', this.listeners.close);
      ws.on('error', this.listeners.error);
      this.context.sessions.add(session);
    });
  }

  /**
   * Tells every client to reconnect elsewhere and waits for their sockets to close; after
   * `timeoutMs` the rest are cut off.
   */
  async close(timeoutMs: number): Promise<void> {
    this.context.deadlines.stop();
    for (const session of [...this.context.sessions]) session.disconnect(DISCONNECT.shutdown);
    const closed = Promise.all(
      [...this.sockets.keys()].map((ws) => new Promise((resolve) => ws.once('close', resolve))),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    for (const ws of this.sockets.keys()) ws.terminate();
  }

  /**
   * A session whose earliest deadline came: disconnect, a ping (owed, or sent alone when no
   * publication came to carry it), or nothing yet; then its next deadline. A ping sent with a
   * publication in between leaves its owed deadline on the wheel: that pass finds nothing to do
   * and reschedules, so delivering costs no wheel work.
   */
  private housekeep(session: CentrifugeSession, now: number): void {
    if (!session.connected) return;
    if (session.pongDeadlineMs <= now) return session.disconnect(DISCONNECT.noPong);
    if (session.expiresAtMs <= now) return session.disconnect(DISCONNECT.expired);
    if (session.pingOwedUntilMs <= now) session.sendPing(now);
    else if (session.nextPingAtMs <= now) session.pingDue(now);
    session.scheduleHousekeeping();
  }
}
