import type { Options as CentrifugeOptions, TransportEndpoint } from 'centrifuge';
import type { OutboxStorage } from './outbox/storage.js';

/**
 * How the client reconnects after losing its connection. centrifuge-js draws every delay with
 * full jitter: retry n (counted from 1) waits between `minDelayMs` and
 * `min(maxDelayMs, minDelayMs + minDelayMs · 2^(n-1))`.
 */
export interface ReconnectOptions {
  /** Shortest wait before a retry, ms. Default 1000. */
  minDelayMs: number;
  /** Longest wait before a retry, ms. Default 30 000. */
  maxDelayMs: number;
  /**
   * Retries after a connection is lost (or a first connect fails) before the client gives up
   * and reports `failed`; `retry()` starts again. Default `Infinity`: never give up.
   */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT: Readonly<ReconnectOptions> = {
  minDelayMs: 1000,
  maxDelayMs: 30_000,
  maxAttempts: Number.POSITIVE_INFINITY,
};

/** Schedules the seeds' apps use. */
export const RECONNECT_PRESETS = {
  /** Seed 004's mobile app: 1, 2, 4, 8, 16 s (jittered, capped at 16 s), 10 attempts. */
  mobile: { minDelayMs: 1000, maxDelayMs: 16_000, maxAttempts: 10 },
  /** Seed 001's web dashboard: 3 s doubling (3, 6, 12… jittered), capped at 30 s, 5 attempts. */
  dashboard: { minDelayMs: 3000, maxDelayMs: 30_000, maxAttempts: 5 },
} as const satisfies Record<string, ReconnectOptions>;

export interface OutboxOptions {
  /** Ordered actions kept while offline; the oldest is dropped first. Default 100. */
  maxEntries?: number;
  /** Key under which the outbox is persisted in `storage`. Default `'dabba.outbox'`. */
  storageKey?: string;
  /** Wait before sending again after a temporary failure while connected, ms. Default 1000. */
  retryDelayMs?: number;
}

export const DEFAULT_OUTBOX: Readonly<Required<OutboxOptions>> = {
  maxEntries: 100,
  storageKey: 'dabba.outbox',
  retryDelayMs: 1000,
};

export interface ClientOptions {
  /** The Dabba server's base URL, e.g. `https://rt.example.com` (REST and, by default, the WebSocket). */
  url: string;
  /** A token to start with. With `getToken` too, `getToken` is asked when it expires. */
  token?: string;
  /** Fetches a fresh token (first connect without `token`, expiry, REST 401). */
  getToken?: () => Promise<string>;
  /**
   * Transports to try in order (centrifuge-js endpoints). Default: WebSocket at
   * `{url}/connection/websocket`.
   */
  transports?: TransportEndpoint[];
  reconnect?: Partial<ReconnectOptions>;
  /** Where the outbox persists. Default: memory (lost on restart). */
  storage?: OutboxStorage;
  outbox?: OutboxOptions;
  /** `fetch` for REST calls. Default: `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** WebSocket constructor for runtimes without a global one (Node 20: the `ws` package). */
  websocket?: unknown;
  /** Connect at once. Default true. */
  autoConnect?: boolean;
  /**
   * Where to listen for `online` and `visibilitychange` to reconnect at once. Default:
   * `globalThis` and `globalThis.document` when they exist (browsers); `null` turns it off.
   * React Native: call `client.reconnectNow()` when AppState becomes `active`.
   */
  lifecycleTarget?: { window?: EventTarget | undefined; document?: EventTarget | undefined } | null;
  /** Any other centrifuge-js option (timeouts, headers…). Dabba's options above win. */
  centrifuge?: Partial<CentrifugeOptions>;
}

/** Resolves the reconnect schedule, rejecting contradictions the way `ws` does. */
export function reconnectOptions(given: Partial<ReconnectOptions> | undefined): ReconnectOptions {
  const options = { ...DEFAULT_RECONNECT, ...given };
  if (!(options.minDelayMs > 0)) throw new TypeError('reconnect.minDelayMs must be positive');
  if (!(options.maxDelayMs >= options.minDelayMs)) throw new TypeError('reconnect.maxDelayMs must be ≥ minDelayMs');
  if (!(options.maxAttempts >= 1)) throw new TypeError('reconnect.maxAttempts must be at least 1');
  return options;
}
