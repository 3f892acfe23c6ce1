#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { roleSchema } from '@dabba/protocol';
import { signToken } from './auth/jwt.js';
import { ConfigError, parseDurationSeconds, readServerOptions, SETTINGS } from './config.js';
import { loadDevCredentials, readDevCredentials } from './dev-credentials.js';
import { startDevMode, type DevMode } from './dev/dev-mode.js';
import { readSimulatorFlags, SIMULATE_FLAGS, simulateUsage } from './dev/flags.js';
import { isWebAppBuild } from './http/web-app.js';
import { startServer, type DabbaServer } from './server.js';
import { VERSION } from './version.js';

/** The demo web app's build (`npm run build`), served at `/` by `serve --dev` when present. */
const DEMO_WEB_APP_DIR = fileURLToPath(new URL('../../../apps/demo/dist', import.meta.url));

const USAGE = `dabba ${VERSION}

Usage:
  dabba serve [--dev] [flags]     start the server
  dabba token --sub ID --role ROLE [--ttl 1h]
                                  print a JWT signed with DABBA_JWT_SECRET (or the dev secret)
  dabba help

serve flags (each also an environment variable):
${SETTINGS.map((s) => `  --${s.flag.padEnd(30)} ${s.env}: ${s.doc}`).join('\n')}

dev flags:
  --dev                            seed the demo users and kitchen, print their tokens; no secret set:
                                   generate and keep one in ./data; serve the demo web app at / (once
                                   built) and GET /dev/demo (the demo users' tokens)
${simulateUsage()}
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'token':
      return token(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function serve(args: string[]): Promise<number> {
  const flagOptions = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));
  const simulateOptions = Object.fromEntries(SIMULATE_FLAGS.map((s) => [s.flag, { type: 'string' as const }]));
  const { values } = parseArgs({
    args,
    options: { ...flagOptions, ...simulateOptions, dev: { type: 'boolean' }, simulate: { type: 'boolean' } },
    strict: true,
  });
  const { dev, ...flags } = values as Record<string, string | undefined> & { dev?: boolean };
  const simulate = readSimulatorFlags(values, dev === true);
  const options = readServerOptions(process.env, flags);
  const keyConfigured = options.jwtSecret ?? options.jwtPublicKey ?? options.jwksUrl;
  if (dev && !keyConfigured) {
    const credentials = await loadDevCredentials();
    options.jwtSecret = credentials.jwtSecret;
    options.apiKey ??= credentials.apiKey;
  } else if (!keyConfigured) {
    throw new ConfigError('set DABBA_JWT_SECRET (or DABBA_JWT_PUBLIC_KEY / DABBA_JWKS_URL), or run with --dev');
  }
  if (dev) {
    options.devMode = true;
    options.webAppDir = DEMO_WEB_APP_DIR;
  }
  // Signals are handled from the start: one that arrives while the server starts stops it once it is up.
  const run: { server?: DabbaServer; dev?: Promise<DevMode>; signal?: string } = {};
  const stop = (signal: string): void => {
    if (run.signal) return;
    run.signal = signal;
    if (run.server) shutDown(run.server, signal, run.dev);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const server = (run.server = await startServer(options));
  if (run.signal) {
    shutDown(server, run.signal);
    return -1;
  }
  if (dev) {
    run.dev = startDevMode(server, {
      jwtSecret: options.jwtSecret,
      apiKey: options.apiKey,
      simulate,
      webApp: isWebAppBuild(options.webAppDir),
    });
    await run.dev.catch(async (error: unknown) => {
      await server.close();
      throw error;
    });
  }
  return -1;
}

/** Stops dev mode's simulator (once it has started), then the server; exits 0 when all is closed. */
function shutDown(server: DabbaServer, signal: string, dev?: Promise<DevMode>): void {
  server.logger.info({ signal }, 'shutting down');
  const stopDev = dev?.then(
    (mode) => mode.stop(),
    () => undefined,
  );
  Promise.resolve(stopDev)
    .then(() => server.close())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
}

async function token(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: 'string' },
      role: { type: 'string' },
      ttl: { type: 'string' },
      'jwt-secret': { type: 'string' },
    },
    strict: true,
  });
  if (!values.sub || !values.role) throw new ConfigError('token needs --sub ID and --role ROLE');
  const role = roleSchema.safeParse(values.role);
  if (!role.success) throw new ConfigError(`--role must be one of ${roleSchema.options.join(', ')}`);
  const secret = values['jwt-secret'] ?? process.env.DABBA_JWT_SECRET ?? (await readDevCredentials())?.jwtSecret;
  if (!secret) throw new ConfigError('no secret: set DABBA_JWT_SECRET or run `dabba serve --dev` once');
  const jwt = await signToken(
    secret,
    { sub: values.sub, role: role.data },
    { ttlSeconds: ttlFlag(values.ttl ?? '1h') },
  );
  process.stdout.write(jwt + '\n');
  return 0;
}

function ttlFlag(text: string): number {
  try {
    return parseDurationSeconds(text);
  } catch (error) {
    throw new ConfigError(`--ttl: ${(error as Error).message}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const message =
      error instanceof ConfigError ||
      (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
        ? error.message
        : String(error instanceof Error ? (error.stack ?? error.message) : error);
    process.stderr.write(`dabba: ${message}\n`);
    process.exitCode = 2;
  },
);
