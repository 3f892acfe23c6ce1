import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DISCONNECT, type Claims } from '@dabba/protocol';
import type { TokenVerifier } from '../../auth/jwt.js';
import { toDabbaError } from '../../errors.js';
import { DeadlineWheel, firstPingAtMs, slotMsFor } from '../shared/deadline-wheel.js';
import type { PlainWsDeps } from './deps.js';
import { PLAIN_WS_CLOSE, PlainWsClient } from './plain-ws-client.js';

/** Seed 001's endpoint. */
export const PLAIN_WS_PATH = '/api/ws';

export interface PlainWsFaceDeps extends PlainWsDeps {
  readonly verifyToken: TokenVerifier;
}

type Admission = { claims: Claims } | { refusal: string };

/**
 * The plain WebSocket face, `/api/ws?token=…` (seed 001): JSON `{type, data}` frames, one
 * message per frame. The Origin check happens before (UpgradeRouter). A socket without a valid
 * token is accepted and closed at once with 4401 and the reason, so a browser can read why
 * (a refused upgrade only shows as 1006). Each socket is pinged on its own schedule (a wheel,
 * so pings are spread over time, never a burst to every socket at once); a socket that did not
 * answer its previous ping is cut off.
 */
export class PlainWsFace {
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<PlainWsClient>();
  /** Open sockets, including those closing: shutdown waits for them. */
  private readonly sockets = new Set<WebSocket>();
  private readonly pings: DeadlineWheel<PlainWsClient>;
  private refusing = false;

  constructor(private readonly deps: PlainWsFaceDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.options.maxInboundFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.pings = new DeadlineWheel(slotMsFor(deps.options.pingIntervalMs / 4));
    this.pings.start((client, nowMs) => this.ping(client, nowMs));
  }

  get connectionCount(): number {
    return this.clients.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    void this.admit(request).then((admission) =>
      this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, admission)),
    );
  }

  /** Tells every client to reconnect elsewhere and waits for their sockets to close; after `timeoutMs` the rest are cut off. */
  async close(timeoutMs: number): Promise<void> {
    this.refusing = true;
    this.pings.stop();
    for (const client of [...this.clients]) client.disconnect(DISCONNECT.shutdown);
    const closed = Promise.all([...this.sockets].map((ws) => new Promise((resolve) => ws.once('close', resolve))));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    for (const ws of this.sockets) ws.terminate();
  }

  /** The token from `?token=`; seed 001's `?userId=&role=` is never trusted. */
  private async admit(request: IncomingMessage): Promise<Admission> {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const token = query.get('token');
    if (!token) {
      const refusal =
        query.has('userId') || query.has('role')
          ? 'userId and role are not trusted: connect with ?token=<jwt>'
          : 'token required: connect with ?token=<jwt>';
      return { refusal };
    }
    try {
      return { claims: await this.deps.verifyToken(token) };
    } catch (cause) {
      const error = toDabbaError(cause);
      return { refusal: error.code === 'token_expired' ? 'token expired' : 'invalid token' };
    }
  }

  private accept(ws: WebSocket, admission: Admission): void {
    this.sockets.add(ws);
    ws.once('close', () => this.sockets.delete(ws));
    ws.on('error', (error) => this.deps.logger.debug({ err: error }, 'plain-ws socket error'));
    if (this.refusing) return ws.close(DISCONNECT.shutdown.code, DISCONNECT.shutdown.reason);
    if ('refusal' in admission) {
      this.deps.logger.info({ reason: admission.refusal }, 'plain-ws connection refused');
      return ws.close(PLAIN_WS_CLOSE.unauthorized, admission.refusal);
    }
    const client = new PlainWsClient(ws, admission.claims, this.deps);
    try {
      // Throws `limit_exceeded` past the user's connection limit.
      this.deps.hub.addClient(client);
    } catch {
      return ws.close(DISCONNECT.connectionLimit.code, DISCONNECT.connectionLimit.reason);
    }
    this.clients.add(client);
    this.deps.metrics.connections.inc({ face: 'plain-ws' });
    this.deps.metrics.connectionsTotal.inc({ face: 'plain-ws' });
    ws.on('message', (data, isBinary) => client.receive(data as Buffer, isBinary));
    ws.on('pong', () => (client.alive = true));
    this.pings.schedule(client, firstPingAtMs(Date.now(), this.deps.options.pingIntervalMs));
    ws.once('close', () => {
      this.pings.remove(client);
      this.clients.delete(client);
      client.cleanup();
    });
    client.start().catch((cause: unknown) => {
      const error = toDabbaError(cause);
      this.deps.logger.info({ client: client.id, code: error.code }, 'plain-ws start failed');
      client.disconnect(DISCONNECT.serverError);
    });
  }

  private ping(client: PlainWsClient, nowMs: number): void {
    const ws = client.socket;
    if (!client.alive) {
      this.deps.metrics.disconnects.inc({ code: String(DISCONNECT.noPong.code) });
      ws.terminate();
      return;
    }
    client.alive = false;
    ws.ping();
    this.pings.schedule(client, nowMs + this.deps.options.pingIntervalMs);
  }
}
