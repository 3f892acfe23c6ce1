/** Options of the SSE face; every field has a documented default in DEFAULT_SSE_OPTIONS. */
export interface SseFaceOptions {
  /** How often an idle stream gets a comment line, so proxies and browsers keep it open, ms. Default 15 000. */
  sseHeartbeatMs: number;
  /** The `retry:` the browser waits before reconnecting, ms. Default 2 000. */
  sseRetryMs: number;
  /** Outbound backlog per stream, bytes, before the slow client is disconnected. Default 1 MiB. */
  sseMaxOutboundBytes: number;
  /** Most channels one `GET /api/events` may follow. Default 32. */
  sseMaxChannels: number;
}

export const DEFAULT_SSE_OPTIONS: Readonly<SseFaceOptions> = {
  sseHeartbeatMs: 15_000,
  sseRetryMs: 2_000,
  sseMaxOutboundBytes: 1024 * 1024,
  sseMaxChannels: 32,
};

/** Name of the cookie a browser may carry its token in (EventSource cannot send headers). */
export const SSE_TOKEN_COOKIE = 'dabba_token';

/** Resolves the SSE options, refusing values that make no sense. */
export function resolveSseOptions(options: Partial<SseFaceOptions>): SseFaceOptions {
  const resolved: SseFaceOptions = {
    sseHeartbeatMs: options.sseHeartbeatMs ?? DEFAULT_SSE_OPTIONS.sseHeartbeatMs,
    sseRetryMs: options.sseRetryMs ?? DEFAULT_SSE_OPTIONS.sseRetryMs,
    sseMaxOutboundBytes: options.sseMaxOutboundBytes ?? DEFAULT_SSE_OPTIONS.sseMaxOutboundBytes,
    sseMaxChannels: options.sseMaxChannels ?? DEFAULT_SSE_OPTIONS.sseMaxChannels,
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${key} must be a positive number`);
  }
  return resolved;
}
