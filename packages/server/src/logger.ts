import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths that may carry secrets: pino replaces them with "[redacted]" before anything is written. */
const REDACT_PATHS = [
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.query.token',
  'headers.authorization',
  'headers["x-api-key"]',
  'apiKey',
  'jwtSecret',
  '*.apiKey',
  '*.jwtSecret',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'dabba' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/** Strips the query string (which may hold `?token=`) from a URL before it is logged. */
export function redactUrl(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?[redacted]`;
}
