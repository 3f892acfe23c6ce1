import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createTokenVerifier, type JwtOptions } from './auth/jwt.js';
import type { Engine } from './engines/engine.js';
import { MemoryEngine } from './engines/memory.js';
import { RedisEngine } from './engines/redis.js';
import { CentrifugeFace, CENTRIFUGE_WEBSOCKET_PATH } from './faces/centrifuge/face.js';
import {
  DEFAULT_CENTRIFUGE_OPTIONS,
  housekeepingTickMs,
  type CentrifugeFaceOptions,
} from './faces/centrifuge/context.js';
import { DeadlineWheel } from './faces/shared/deadline-wheel.js';
import type { CentrifugeSession } from './faces/centrifuge/session.js';
import { CentrifugeFallbacks } from './faces/centrifuge/fallbacks.js';
import { SseFace } from './faces/sse/face.js';
import { resolveSseOptions, type SseFaceOptions } from './faces/sse/options.js';
import { SocketIoFace, SOCKETIO_PATH } from './faces/socketio/face.js';
import { PlainWsFace, PLAIN_WS_PATH } from './faces/plain-ws/face.js';
import { resolvePlainWsOptions, type PlainWsFaceOptions } from './faces/plain-ws/options.js';
import { orderSnapshots } from './domain/orders/order-snapshots.js';
import { registerAsyncApi } from './asyncapi/route.js';
import { resolveSocketIoOptions, type SocketIoFaceOptions } from './faces/socketio/options.js';
import { createDomain, type Domain, type DomainOptions } from './domain/domain.js';
import { createHttpApp } from './http/app.js';
import { restAuthenticator } from './http/authenticate.js';
import { IdempotencyStore } from './http/idempotency.js';
import { registerOpenApi } from './http/openapi.js';
import { registerChatRoutes } from './http/routes/chat.js';
import { registerCartRoutes } from './http/routes/carts.js';
import { registerCatalogRoutes } from './http/routes/catalog.js';
import { registerDriverRoutes } from './http/routes/drivers.js';
import { registerFeedRoutes } from './http/routes/feed.js';
import { registerLeaderboardRoutes } from './http/routes/leaderboard.js';
import { registerNotificationRoutes } from './http/routes/notifications.js';
import { registerOrderRoutes } from './http/routes/orders.js';
import { registerStoreRoutes } from './http/routes/stores.js';
import { checkWebAppBuild, registerWebApp } from './http/web-app.js';
import { registerDemoRoutes } from './dev/demo-routes.js';
import { DEFAULT_DATABASE_URL, openStore } from './store/database.js';
import { registerServerApi } from './http/server-api.js';
import { originChecker, UpgradeRouter } from './http/upgrade.js';
import { Hub, type HubOptions } from './hub/hub.js';
import { FlushScheduler } from './faces/shared/outbound-queue.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { VERSION } from './version.js';

export interface ServerOptions
  extends HubOptions, JwtOptions, DomainOptions, Partial<CentrifugeFaceOptions>, Partial<SseFaceOptions> {
  /** `sqlite:PATH` or `postgres://…`. Default `sqlite:./data/dabba.db`. */
  databaseUrl?: string;
  /** TCP port; 0 picks a free one. Default 9001. */
  port?: number;
  /** Interface to listen on. Default '0.0.0.0'. */
  host?: string;
  /** Key for the server API (`X-API-Key`); without it the server API is disabled. */
  apiKey?: string | undefined;
  /** Origins browsers may connect from; unset or `*` allows all. */
  allowedOrigins?: string[] | undefined;
  /** pino level. Default 'info'. */
  logLevel?: string;
  /** A logger to use instead of a new one (tests capture logs this way). */
  logger?: Logger;
  /** `redis://…`: the Redis engine, shared by several nodes. Without it, the in-memory engine. */
  redisUrl?: string | undefined;
  /** An engine to use instead (tests); wins over `redisUrl`. */
  engine?: Engine;
  /** Largest HTTP request body, bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** How long shutdown waits for clients to close before cutting them off, ms. Default 5 000. */
  shutdownTimeoutMs?: number;
  /** The Socket.IO face's options; defaults in faces/socketio/options.ts. */
  socketio?: Partial<SocketIoFaceOptions>;
  /** The plain WebSocket face's (`/api/ws`) options; defaults in faces/plain-ws/options.ts. */
  plainWs?: Partial<PlainWsFaceOptions>;
  /** Dev mode's routes (`GET /dev/demo` with the demo users' tokens…, dev/demo-routes.ts). Default false; never in production. */
  devMode?: boolean;
  /** A built web app (a folder with `index.html`, e.g. `apps/demo/dist`) served at `/`; ignored when absent. */
  webAppDir?: string | undefined;
}

export const DEFAULT_SERVER_OPTIONS = {
  port: 9001,
  host: '0.0.0.0',
  logLevel: 'info',
  maxBodyBytes: 1024 * 1024,
  shutdownTimeoutMs: 5_000,
} as const;

export interface DabbaServer {
  /** Base URL, e.g. `http://127.0.0.1:9001`. */
  readonly url: string;
  readonly port: number;
  readonly hub: Hub;
  readonly domain: Domain;
  readonly metrics: Metrics;
  readonly app: FastifyInstance;
  readonly logger: Logger;
  /** Stops accepting, tells clients to reconnect elsewhere, flushes and closes. Idempotent. */
  close(): Promise<void>;
}

/** Starts a Dabba server: every face on one port. */
export async function startServer(options: ServerOptions = {}): Promise<DabbaServer> {
  const logger = options.logger ?? createLogger(options.logLevel ?? DEFAULT_SERVER_OPTIONS.logLevel);
  const metrics = new Metrics();
  const webAppDir = checkWebAppBuild(options.webAppDir);
  const verifyToken = await createTokenVerifier(options);
  const engine =
    options.engine ?? (options.redisUrl ? new RedisEngine({ url: options.redisUrl, logger }) : new MemoryEngine());
  const hub = new Hub(engine, metrics, logger, options);
  await hub.start();
  const store = await openStore(options.databaseUrl ?? DEFAULT_DATABASE_URL, logger);
  const domain = await createDomain(store, hub, logger, options);

  let ready = false;
  const app = createHttpApp({
    logger,
    metrics,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_SERVER_OPTIONS.maxBodyBytes,
    isReady: () => ready,
  });
  registerServerApi(app, { hub, apiKey: options.apiKey, version: VERSION });
  await registerOpenApi(app);
  registerAsyncApi(app);
  const rest = {
    authenticate: restAuthenticator(verifyToken, options.apiKey, domain.users),
    idempotency: new IdempotencyStore(store.db),
  };
  registerOrderRoutes(app, rest, domain);
  registerStoreRoutes(app, rest, domain);
  registerNotificationRoutes(app, rest, domain);
  registerDriverRoutes(app, rest, domain);
  registerFeedRoutes(app, rest, domain);
  registerLeaderboardRoutes(app, rest, domain);
  registerChatRoutes(app, rest, domain);
  registerCatalogRoutes(app, rest, domain);
  registerCartRoutes(app, rest, domain);
  if (options.devMode) registerDemoRoutes(app, rest, domain, { jwtSecret: options.jwtSecret });
  await registerWebApp(app, webAppDir);

  const sessions = new Set<CentrifugeSession>();
  const centrifugeOptions = faceOptions(options);
  const centrifugeContext = {
    hub,
    verifyToken,
    metrics,
    logger,
    scheduler: new FlushScheduler(),
    options: centrifugeOptions,
    version: VERSION,
    sessions,
    deadlines: new DeadlineWheel<CentrifugeSession>(housekeepingTickMs(centrifugeOptions)),
  };
  const centrifuge = new CentrifugeFace(centrifugeContext);
  const originAllowed = originChecker(options.allowedOrigins);
  const fallbacks = new CentrifugeFallbacks(centrifugeContext, hub.nodeId, originAllowed);
  fallbacks.register(app);
  const sse = new SseFace({
    hub,
    verifyToken,
    logger,
    metrics,
    scheduler: centrifugeContext.scheduler,
    options: resolveSseOptions(options),
    originAllowed,
  });
  sse.register(app);
  const upgrades = new UpgradeRouter(originAllowed);
  upgrades.add(CENTRIFUGE_WEBSOCKET_PATH, (request, socket, head) => centrifuge.handleUpgrade(request, socket, head));
  const socketio = new SocketIoFace({
    hub,
    verifyToken,
    metrics,
    logger,
    options: resolveSocketIoOptions(options.socketio),
    originAllowed,
  });
  socketio.attach(app.server);
  upgrades.add(SOCKETIO_PATH, (request, socket, head) => socketio.handleUpgrade(request, socket, head));
  const plainWs = new PlainWsFace({
    hub,
    verifyToken,
    logger,
    metrics,
    scheduler: centrifugeContext.scheduler,
    options: resolvePlainWsOptions(options.plainWs),
    orders: orderSnapshots(domain.orders),
  });
  upgrades.add(PLAIN_WS_PATH, (request, socket, head) => plainWs.handleUpgrade(request, socket, head));
  app.server.on('upgrade', upgrades.handle);

  await app.listen({
    port: options.port ?? DEFAULT_SERVER_OPTIONS.port,
    host: options.host ?? DEFAULT_SERVER_OPTIONS.host,
  });
  ready = true;
  const port = (app.server.address() as AddressInfo).port;
  const host = options.host ?? DEFAULT_SERVER_OPTIONS.host;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  logger.info({ url, engine: hub.engine.name, node: hub.info(VERSION).name }, 'dabba listening');

  let closing: Promise<void> | undefined;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SERVER_OPTIONS.shutdownTimeoutMs;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      ready = false;
      upgrades.refuseNew();
      fallbacks.refuseNew();
      sse.close();
      await socketio.close();
      await plainWs.close(shutdownTimeoutMs);
      await centrifuge.close(shutdownTimeoutMs);
      // HTTP requests in flight get the same grace; then whatever is left (a connection that
      // never sent a request keeps Node's server open) is cut off.
      const cutOff = setTimeout(() => app.server.closeAllConnections(), shutdownTimeoutMs);
      await app.close();
      clearTimeout(cutOff);
      await domain.close();
      await hub.close();
      await store.close();
      logger.info('dabba stopped');
    })());

  return { url, port, hub, domain, metrics, app, logger, close };
}

function faceOptions(options: Partial<CentrifugeFaceOptions>): CentrifugeFaceOptions {
  const pick = <K extends keyof CentrifugeFaceOptions>(key: K): CentrifugeFaceOptions[K] =>
    options[key] ?? DEFAULT_CENTRIFUGE_OPTIONS[key];
  const resolved: CentrifugeFaceOptions = {
    pingIntervalMs: pick('pingIntervalMs'),
    pongTimeoutMs: pick('pongTimeoutMs'),
    connectTimeoutMs: pick('connectTimeoutMs'),
    expiredCloseDelayMs: pick('expiredCloseDelayMs'),
    maxInboundFrameBytes: pick('maxInboundFrameBytes'),
    maxOutboundBytes: pick('maxOutboundBytes'),
    maxCommandsPerSecond: pick('maxCommandsPerSecond'),
    commandBurst: options.commandBurst ?? 2 * pick('maxCommandsPerSecond'),
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value < 0 || (value === 0 && key !== 'expiredCloseDelayMs'))
      throw new TypeError(`${key} must be a positive number of ${key.endsWith('Bytes') ? 'bytes' : 'ms'}`);
  }
  if (resolved.pongTimeoutMs >= resolved.pingIntervalMs)
    throw new TypeError('pongTimeoutMs must be shorter than pingIntervalMs');
  return resolved;
}
