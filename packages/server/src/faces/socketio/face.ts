import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as EngineServer } from 'engine.io';
import { Server, type Socket } from 'socket.io';
import type { TokenVerifier } from '../../auth/jwt.js';
import { toDabbaError } from '../../errors.js';
import type { Hub } from '../../hub/hub.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { authenticate, type SocketData } from './auth.js';
import { SocketBridge, type BridgeContext } from './bridge.js';
import { routeInbound, UnknownEventWarnings } from './inbound.js';
import { DeliveryJournal } from './journal.js';
import type { NamespaceSpec } from './namespace-spec.js';
import { notificationsNamespace } from './notifications.js';
import type { SocketIoFaceOptions } from './options.js';
import { limitOutboundBytes } from './outbound-budget.js';
import { realtimeNamespace } from './realtime.js';
import { hubRecoveryAdapter } from './recovery-adapter.js';
import { SessionStore } from './session-store.js';
import { appNamespace } from './app.js';
import { supportNamespace } from './support.js';

/** Where socket.io-client connects by default; engine.io requests are `/socket.io/?EIO=4…`. */
export const SOCKETIO_PATH = '/socket.io/';

const FACE = 'socketio';

export interface SocketIoFaceDeps {
  readonly hub: Hub;
  readonly verifyToken: TokenVerifier;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly options: SocketIoFaceOptions;
  /** The Origin check every face applies (polling requests here; upgrades in the upgrade router too). */
  readonly originAllowed: (origin: string | undefined) => boolean;
}

/**
 * The Socket.IO face (socket.io 4, engine.io protocol 4) on the server's port, at `/socket.io`:
 * namespaces `/realtime` (seed 003), `/notifications` and `/support` (seed 002) and `/app`
 * (seed 004). Each socket is a hub
 * client; with recovery on, a reconnecting client is replayed what it missed from the hub's
 * history by the face's adapter.
 */
export class SocketIoFace {
  private readonly engine: EngineServer;
  private readonly io: Server;
  private readonly sessions: SessionStore | undefined;
  /** Live bridges by namespace and socket id, for the adapter's `persistSession`. */
  private readonly bridges = new Map<string, SocketBridge>();
  private readonly warnings: UnknownEventWarnings;
  private readonly specs = new Map<string, NamespaceSpec>();

  constructor(private readonly deps: SocketIoFaceDeps) {
    const { options } = deps;
    const recovery = options.recoveryWindowMs > 0;
    this.warnings = new UnknownEventWarnings(deps.logger, options.unknownEventWarningsPerSecond);
    this.engine = new EngineServer({
      maxHttpBufferSize: options.maxMessageBytes,
      pingInterval: options.pingIntervalMs,
      pingTimeout: options.pingTimeoutMs,
      allowRequest: (request, callback) => {
        const allowed = deps.originAllowed(request.headers.origin);
        callback(allowed ? null : 'origin not allowed', allowed);
      },
      cors: { origin: true, credentials: true },
    });
    this.sessions = recovery ? new SessionStore(deps.hub, options.recoveryWindowMs, deps.logger) : undefined;
    this.io = new Server({
      serveClient: false,
      connectTimeout: options.connectTimeoutMs,
      ...(this.sessions
        ? {
            // The middleware (authentication) runs on recovered sockets too.
            connectionStateRecovery: { maxDisconnectionDuration: options.recoveryWindowMs, skipMiddlewares: false },
            adapter: hubRecoveryAdapter({
              hub: deps.hub,
              sessions: this.sessions,
              logger: deps.logger,
              metrics: deps.metrics,
              journalSize: options.recoveryJournalSize,
              journalOf: (namespace, sid) => {
                const bridge = this.bridges.get(bridgeKey(namespace, sid));
                return bridge && { claims: bridge.claims, journal: bridge.journal };
              },
              vocabularyOf: (namespace) => this.specs.get(namespace)?.vocabulary,
            }),
          }
        : {}),
    });
    this.io.bind(this.engine);
    // The default namespace serves nothing: a client that connects to it is refused.
    this.io
      .of('/')
      .use((_socket, next) => next(new Error('unknown namespace: use /realtime, /notifications, /support or /app')));
    for (const spec of [realtimeNamespace, notificationsNamespace, supportNamespace, appNamespace]) this.serve(spec);
  }

  get connectionCount(): number {
    return this.bridges.size;
  }

  /** Takes over the HTTP server's requests under `/socket.io/` (engine.io long-polling); the rest go on to fastify. */
  attach(server: HttpServer): void {
    const others = server.listeners('request').slice() as Array<(req: IncomingMessage, res: ServerResponse) => void>;
    server.removeAllListeners('request');
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (isSocketIoPath(request.url)) return this.engine.handleRequest(request, response);
      for (const listener of others) listener.call(server, request, response);
    });
  }

  /** A WebSocket upgrade to `/socket.io/`, after the upgrade router's Origin check. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.engine.handleUpgrade(request, socket, head);
  }

  /** Closes every socket (their sessions are saved, so clients recover on another node) and waits for the saves. */
  async close(): Promise<void> {
    await this.io.close();
    await this.sessions?.flush();
  }

  private serve(spec: NamespaceSpec): void {
    this.specs.set(spec.name, spec);
    const context: BridgeContext = {
      hub: this.deps.hub,
      logger: this.deps.logger,
      namespace: spec.name,
      vocabulary: spec.vocabulary,
      recovery: this.sessions !== undefined,
      maxEventsPerSecond: this.deps.options.maxEventsPerSecond,
      eventBurst: this.deps.options.eventBurst,
    };
    const namespace = this.io.of(spec.name);
    namespace.use(authenticate(this.deps.verifyToken));
    namespace.on('connection', (socket: Socket) => this.onConnection(spec, context, socket));
  }

  private onConnection(spec: NamespaceSpec, context: BridgeContext, socket: Socket): void {
    const { hub, logger, metrics, options } = this.deps;
    const data = socket.data as SocketData;
    if (!data.claims) return void socket.disconnect();
    limitOutboundBytes(socket.conn, options.maxOutboundBytes, () => {
      metrics.slowDisconnects.inc();
      logger.warn({ user: data.claims?.sub, namespace: spec.name }, 'slow socket.io consumer disconnected');
    });
    const restored = socket.recovered ? data.restored : undefined;
    const journal = restored
      ? DeliveryJournal.from(restored.journal, options.recoveryJournalSize)
      : DeliveryJournal.empty(options.recoveryJournalSize);
    const bridge = new SocketBridge(socket, data.claims, journal, context);
    try {
      hub.addClient(bridge);
    } catch (cause) {
      const error = toDabbaError(cause);
      bridge.emit('error', { code: error.code, message: error.message });
      void bridge.close();
      return void socket.disconnect();
    }
    const key = bridgeKey(spec.name, socket.id);
    this.bridges.set(key, bridge);
    metrics.connections.inc({ face: FACE });
    metrics.connectionsTotal.inc({ face: FACE });
    socket.on('disconnect', () => {
      if (this.bridges.get(key) === bridge) this.bridges.delete(key);
      metrics.connections.dec({ face: FACE });
      bridge.close().catch((error: unknown) => logger.error({ err: error }, 'socket.io client cleanup failed'));
    });
    routeInbound(socket, bridge, spec.handlers, { logger, metrics, warnings: this.warnings });
    bridge.enqueue(async () => {
      try {
        if (restored) await this.resume(bridge);
        else for (const channel of spec.initialChannels(bridge.claims)) await bridge.follow(channel);
      } catch (cause) {
        logger.error({ err: cause, client: bridge.id }, 'socket.io client could not follow its channels');
        socket.disconnect();
        return;
      }
      if (socket.connected) spec.onReady?.(bridge);
    });
  }

  /**
   * A recovered socket follows its channels again from where the replay ended. Should a
   * channel's history have moved on since (rare: between the replay and now), the transport is
   * closed: the client reconnects at once and is told it was not recovered.
   */
  private async resume(bridge: SocketBridge): Promise<void> {
    const positions = DeliveryJournal.positionsAt(bridge.journal.snapshot(), bridge.journal.offset);
    for (const [channel, position] of positions ?? []) {
      const result = await bridge.follow(channel, position ?? undefined);
      if (!result.recovered) {
        this.deps.logger.info({ client: bridge.id, channel }, 'socket.io recovery lost its position; reconnecting');
        bridge.socket.conn.close();
        return;
      }
    }
  }
}

function bridgeKey(namespace: string, sid: string): string {
  return `${namespace}#${sid}`;
}

function isSocketIoPath(url: string | undefined): boolean {
  return url !== undefined && (url === '/socket.io' || url.startsWith(SOCKETIO_PATH) || url.startsWith('/socket.io?'));
}
