import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Databases for tests. `DABBA_TEST_DATABASE_URL` names where the store lives: unset (or a
 * `sqlite:` URL) for SQLite, or a Postgres server, on which every test database is a fresh
 * database of its own (`dabba_test_<created>_<random>`), dropped when the test is done, so that
 * parallel workers and concurrent runs never share one.
 */

/** Prefix of every database the tests create on a Postgres server. */
export const TEST_DATABASE_PREFIX = 'dabba_test_';

/** Test databases older than this are leftovers of a run that was killed; `dropStaleTestDatabases` removes them. */
export const STALE_TEST_DATABASE_MS = 60 * 60 * 1000;

export interface TestDatabase extends AsyncDisposable {
  /** What `databaseUrl` / `openStore` take. */
  readonly url: string;
  readonly engine: 'sqlite' | 'postgres';
  /** Removes the database (or file). Idempotent; close every connection to it first. */
  drop(): Promise<void>;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

/** The Postgres server tests run against, when they do. */
export function testPostgresServer(): string | undefined {
  const url = process.env.DABBA_TEST_DATABASE_URL;
  return isPostgresUrl(url) ? url : undefined;
}

/**
 * A fresh, empty database. `persistent` asks for one that outlives a server, to restart on:
 * a SQLite file in a temporary directory rather than `sqlite::memory:`. On Postgres every test
 * database is persistent.
 */
export async function createTestDatabase(options: { persistent?: boolean } = {}): Promise<TestDatabase> {
  const server = testPostgresServer();
  if (server) return createPostgresDatabase(server);
  const configured = process.env.DABBA_TEST_DATABASE_URL;
  if (!options.persistent) return handle(configured ?? 'sqlite::memory:', 'sqlite', async () => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'dabba-test-'));
  return handle(`sqlite:${join(dir, 'dabba.db')}`, 'sqlite', async () => rmSync(dir, { recursive: true, force: true }));
}

export async function createPostgresDatabase(serverUrl: string): Promise<TestDatabase> {
  const created = Math.floor(Date.now() / 1000).toString(36);
  const name = `${TEST_DATABASE_PREFIX}${created}_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return handle(url.toString(), 'postgres', () =>
    withAdmin(serverUrl, async (admin) => {
      // pg's Pool.end() resolves before its sockets are closed: let them go rather than cut them
      // off (a pool without an 'error' listener crashes on a connection Postgres terminates).
      await untilNoConnections(admin, name).catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }),
  );
}

/** Terminates every connection to a test database, as a Postgres restart or failover would, and waits until they are gone. */
export async function terminateConnections(databaseUrl: string): Promise<void> {
  const server = testPostgresServer();
  if (!server) throw new Error('terminateConnections needs DABBA_TEST_DATABASE_URL=postgres://…');
  const name = new URL(databaseUrl).pathname.slice(1);
  await withAdmin(server, async (admin) => {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    await untilNoConnections(admin, name);
  });
}

/** Polls until no session is connected to a database: Postgres announces it no other way. */
async function untilNoConnections(admin: pg.Client, name: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
      [name],
    );
    if (rows[0]?.n === 0) return;
    if (Date.now() > deadline) throw new Error(`connections to ${name} are still open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Drops test databases that a killed run left behind; those of runs still going are younger. */
export async function dropStaleTestDatabases(serverUrl: string, now = Date.now()): Promise<string[]> {
  return withAdmin(serverUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [TEST_DATABASE_PREFIX],
    );
    const stale = rows
      .map((r) => r.datname)
      .filter((name) => {
        const created = parseInt(name.slice(TEST_DATABASE_PREFIX.length).split('_')[0] ?? '', 36) * 1000;
        return Number.isFinite(created) && now - created > STALE_TEST_DATABASE_MS;
      });
    for (const name of stale) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return stale;
  });
}

/** Whether a Postgres server answers a query; the reason when not. */
export async function probePostgres(
  serverUrl: string,
  timeoutMs = 2_000,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await withAdmin(serverUrl, (admin) => admin.query('SELECT 1'), timeoutMs);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message || error.name : String(error) };
  }
}

async function withAdmin<T>(serverUrl: string, work: (admin: pg.Client) => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: timeoutMs });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

function handle(url: string, engine: TestDatabase['engine'], remove: () => Promise<unknown>): TestDatabase {
  let dropping: Promise<void> | undefined;
  const drop = (): Promise<void> => (dropping ??= remove().then(() => undefined));
  return { url, engine, drop, [Symbol.asyncDispose]: drop };
}
