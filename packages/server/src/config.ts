import { z } from 'zod';
import type { ServerOptions } from './server.js';

/**
 * Every setting of `dabba serve`: an environment variable and the same-named flag
 * (`DABBA_API_KEY` ⇔ `--api-key`). Flags win over the environment.
 */
export const SETTINGS = [
  { env: 'PORT', flag: 'port', key: 'port', kind: 'int', doc: 'TCP port (default 9001)' },
  { env: 'HOST', flag: 'host', key: 'host', kind: 'string', doc: 'interface to listen on (default 0.0.0.0)' },
  {
    env: 'DABBA_DATABASE_URL',
    flag: 'database-url',
    key: 'databaseUrl',
    kind: 'string',
    doc: 'sqlite:PATH or postgres://… (default sqlite:./data/dabba.db)',
  },
  {
    env: 'DABBA_REDIS_URL',
    flag: 'redis-url',
    key: 'redisUrl',
    kind: 'string',
    doc: 'redis://… switches to the Redis engine, for several nodes (default: in-memory engine)',
  },
  {
    env: 'DABBA_KITCHEN_TIMEOUT_MS',
    flag: 'kitchen-timeout-ms',
    key: 'kitchenTimeoutMs',
    kind: 'int',
    doc: 'cancel orders not accepted this long after payment (default 600000)',
  },
  {
    env: 'DABBA_LOCATION_MIN_INTERVAL_MS',
    flag: 'location-min-interval-ms',
    key: 'locationMinIntervalMs',
    kind: 'int',
    doc: 'one accepted driver location per this interval, 0 = no limit (default 1000)',
  },
  {
    env: 'DABBA_LOCATION_MAX_ACCURACY_M',
    flag: 'location-max-accuracy-m',
    key: 'locationMaxAccuracyM',
    kind: 'int',
    doc: 'reject driver fixes less accurate than this, metres (default 100)',
  },
  {
    env: 'DABBA_LOCATION_MAX_SPEED_KMH',
    flag: 'location-max-speed-kmh',
    key: 'locationMaxSpeedKmh',
    kind: 'int',
    doc: 'reject driver fixes implying a faster move, km/h (default 200)',
  },
  {
    env: 'DABBA_LOCATION_MAX_CLOCK_SKEW_MS',
    flag: 'location-max-clock-skew-ms',
    key: 'locationMaxClockSkewMs',
    kind: 'int',
    doc: 'how far a fix timestamp may be in the future (default 30000)',
  },
  {
    env: 'DABBA_LOCATION_TRAIL_LENGTH',
    flag: 'location-trail-length',
    key: 'locationTrailLength',
    kind: 'int',
    doc: 'trail points kept per driver (default 20)',
  },
  {
    env: 'DABBA_ETA_CITY_SPEED_KMH',
    flag: 'eta-city-speed-kmh',
    key: 'etaCitySpeedKmh',
    kind: 'int',
    doc: 'average riding speed for ETAs, km/h (default 20)',
  },
  {
    env: 'DABBA_JWT_SECRET',
    flag: 'jwt-secret',
    key: 'jwtSecret',
    kind: 'string',
    doc: 'HS256 secret that signs client tokens',
  },
  {
    env: 'DABBA_JWT_PUBLIC_KEY',
    flag: 'jwt-public-key',
    key: 'jwtPublicKey',
    kind: 'string',
    doc: 'PEM public key for RS256/ES256 tokens',
  },
  { env: 'DABBA_JWKS_URL', flag: 'jwks-url', key: 'jwksUrl', kind: 'string', doc: 'JWKS URL for RS256/ES256 tokens' },
  {
    env: 'DABBA_API_KEY',
    flag: 'api-key',
    key: 'apiKey',
    kind: 'string',
    doc: 'key for the server API (X-API-Key); unset disables it',
  },
  {
    env: 'DABBA_ALLOWED_ORIGINS',
    flag: 'allowed-origins',
    key: 'allowedOrigins',
    kind: 'list',
    doc: 'comma-separated browser origins allowed to connect (default: all)',
  },
  {
    env: 'DABBA_NODE_NAME',
    flag: 'node-name',
    key: 'nodeName',
    kind: 'string',
    doc: "this node's name in /api/info (default: host name)",
  },
  {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    key: 'logLevel',
    kind: 'string',
    doc: 'pino level: fatal|error|warn|info|debug|trace (default info)',
  },
  {
    env: 'DABBA_PING_INTERVAL_MS',
    flag: 'ping-interval-ms',
    key: 'pingIntervalMs',
    kind: 'int',
    doc: 'server ping interval (default 25000)',
  },
  {
    env: 'DABBA_PONG_TIMEOUT_MS',
    flag: 'pong-timeout-ms',
    key: 'pongTimeoutMs',
    kind: 'int',
    doc: 'time to answer a ping (default 8000)',
  },
  {
    env: 'DABBA_MAX_INBOUND_FRAME_BYTES',
    flag: 'max-inbound-frame-bytes',
    key: 'maxInboundFrameBytes',
    kind: 'int',
    doc: 'largest client frame (default 65536)',
  },
  {
    env: 'DABBA_MAX_OUTBOUND_BYTES',
    flag: 'max-outbound-bytes',
    key: 'maxOutboundBytes',
    kind: 'int',
    doc: 'per-connection backlog before a slow disconnect (default 1048576)',
  },
  {
    env: 'DABBA_MAX_COMMANDS_PER_SECOND',
    flag: 'max-commands-per-second',
    key: 'maxCommandsPerSecond',
    kind: 'int',
    doc: 'commands one connection may send per second, sustained (default 100; bursts of 2x)',
  },
  {
    env: 'DABBA_MAX_CHANNELS_PER_CONNECTION',
    flag: 'max-channels-per-connection',
    key: 'maxChannelsPerConnection',
    kind: 'int',
    doc: 'channels one connection may follow (default 128)',
  },
  {
    env: 'DABBA_MAX_CONNECTIONS_PER_USER',
    flag: 'max-connections-per-user',
    key: 'maxConnectionsPerUser',
    kind: 'int',
    doc: 'connections per user per node, 0 = no limit (default 0)',
  },
  {
    env: 'DABBA_KEEP_WARM_MS',
    flag: 'keep-warm-ms',
    key: 'keepWarmMs',
    kind: 'int',
    doc: 'while clients are connected, wake every N ms so a sleeping VM does not delay deliveries; 0 = off (default 10)',
  },
  {
    env: 'DABBA_SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdown-timeout-ms',
    key: 'shutdownTimeoutMs',
    kind: 'int',
    doc: 'how long shutdown waits for clients (default 5000)',
  },
  {
    env: 'DABBA_NAMESPACES',
    flag: 'namespaces',
    key: 'namespaces',
    kind: 'json',
    doc: 'JSON object of namespace options, e.g. {"news":{"historySize":100,"historyTtlMs":60000}}',
  },
] as const;

const namespaceSchema = z
  .object({
    historySize: z.number().int().nonnegative(),
    historyTtlMs: z.number().int().nonnegative(),
    latestOnly: z.boolean(),
    presence: z.boolean(),
    joinLeave: z.boolean(),
    allowClientPublish: z.boolean(),
    allowSubscribe: z.enum(['authorizer', 'authenticated']),
    maxSubscribers: z.number().int().nonnegative(),
  })
  .partial()
  .strict();

const namespacesSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]*$/), namespaceSchema);

/** Thrown for a setting that does not parse: the CLI prints it and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads server options from the environment, overridden by flags (already parsed to strings). */
export function readServerOptions(env: NodeJS.ProcessEnv, flags: Record<string, string | undefined>): ServerOptions {
  const options: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const raw = flags[setting.flag] ?? env[setting.env];
    if (raw === undefined || raw === '') continue;
    options[setting.key] = parseSetting(setting, raw);
  }
  return options as ServerOptions;
}

function parseSetting(setting: (typeof SETTINGS)[number], raw: string): unknown {
  const where = `${setting.env} / --${setting.flag}`;
  switch (setting.kind) {
    case 'string':
      return raw;
    case 'int': {
      // Plain digits only: Number() would read ' ' as 0 and '0x1F' as 31.
      if (!/^\d{1,15}$/.test(raw.trim())) {
        throw new ConfigError(`${where}: expected a non-negative integer, got "${raw}"`);
      }
      return Number(raw.trim());
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw new ConfigError(`${where}: not valid JSON`);
      }
      const parsed = namespacesSchema.safeParse(value);
      if (!parsed.success)
        throw new ConfigError(
          `${where}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
        );
      return parsed.data;
    }
  }
}

/** `90`, `90s`, `15m`, `1h`, `7d` → seconds. */
export function parseDurationSeconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new ConfigError(`expected a duration like 90s, 15m, 1h or 7d, got "${text}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
