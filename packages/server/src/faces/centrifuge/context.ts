import type { TokenVerifier } from '../../auth/jwt.js';
import type { Hub } from '../../hub/hub.js';
import { slotMsFor, type DeadlineWheel } from '../shared/deadline-wheel.js';
import type { FlushScheduler } from '../shared/outbound-queue.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { CentrifugeSession } from './session.js';

/** Options of the native face; every field has a documented default in DEFAULT_CENTRIFUGE_OPTIONS. */
export interface CentrifugeFaceOptions {
  /** How often the server pings each client, ms. Default 25 000. */
  pingIntervalMs: number;
  /** How long a client has to answer a ping before it is disconnected, ms. Default 8 000. */
  pongTimeoutMs: number;
  /** How long a new socket may wait before sending connect, ms. Default 10 000. */
  connectTimeoutMs: number;
  /** Grace after a token's expiry for the client to refresh before it is disconnected, ms. Default 25 000. */
  expiredCloseDelayMs: number;
  /** Largest inbound frame, bytes; a larger one closes the socket with 1009. Default 65 536. */
  maxInboundFrameBytes: number;
  /** Commands a connection may send per second, sustained; past it they are answered with error 111. Default 100. */
  maxCommandsPerSecond: number;
  /** Commands a connection may send in a burst. Default twice maxCommandsPerSecond. */
  commandBurst: number;
  /** Outbound backlog per connection, bytes, before it is disconnected as slow. Default 1 MiB. */
  maxOutboundBytes: number;
}

export const DEFAULT_CENTRIFUGE_OPTIONS: Readonly<CentrifugeFaceOptions> = {
  pingIntervalMs: 25_000,
  pongTimeoutMs: 8_000,
  connectTimeoutMs: 10_000,
  expiredCloseDelayMs: 25_000,
  maxInboundFrameBytes: 64 * 1024,
  maxOutboundBytes: 1024 * 1024,
  maxCommandsPerSecond: 100,
  commandBurst: 200,
};

/** What every session of the face shares. */
export interface FaceContext {
  readonly hub: Hub;
  readonly verifyToken: TokenVerifier;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly scheduler: FlushScheduler;
  readonly options: CentrifugeFaceOptions;
  readonly version: string;
  readonly sessions: Set<CentrifugeSession>;
  /** Every connected session at its next deadline (ping, pong timeout, token expiry); the face advances it. */
  readonly deadlines: DeadlineWheel<CentrifugeSession>;
}

/** The housekeeping tick (and deadline-wheel slot) for these options, ms: short enough for the shortest ping and pong intervals. */
export function housekeepingTickMs(options: Pick<CentrifugeFaceOptions, 'pingIntervalMs' | 'pongTimeoutMs'>): number {
  return slotMsFor(options.pingIntervalMs / 4, options.pongTimeoutMs / 2);
}

/** Longest wait of a due ping for a publication to ride on, ms. */
const MAX_PING_RIDE_MS = 1_000;

/**
 * How long a due ping waits for a publication to ride on, ms: a tenth of the interval, at most
 * a second (centrifuge-js allows a ping 10 s late by default, and any data resets its wait).
 */
export function pingRideMsFor(pingIntervalMs: number): number {
  return Math.min(MAX_PING_RIDE_MS, pingIntervalMs / 10);
}
