import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { Logger } from '../logger.js';
import type { Database } from './schema.js';
import { StaticMigrationProvider, type SqlEngine } from './migrations.js';

/** The default store: a SQLite file next to where the server runs. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/dabba.db';

export interface Store {
  readonly db: Kysely<Database>;
  readonly engine: SqlEngine;
  close(): Promise<void>;
}

/**
 * Opens the store named by a URL — `sqlite:PATH` (WAL mode; `sqlite::memory:` for a throwaway
 * one) or `postgres://…` — and brings its schema up to date.
 */
export async function openStore(url: string = DEFAULT_DATABASE_URL, logger?: Logger): Promise<Store> {
  const { db, engine } = await connect(url, logger);
  const { error, results } = await new Migrator({
    db,
    provider: new StaticMigrationProvider(engine),
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
  return { db, engine, close: () => db.destroy() };
}

async function connect(url: string, logger: Logger | undefined): Promise<{ db: Kysely<Database>; engine: SqlEngine }> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // Postgres may end idle pooled connections (restart, failover, a proxy's idle timeout): the
    // pool replaces them; without this listener the error would crash the process.
    pool.on('error', (error) => logger?.warn({ err: error }, 'idle database connection lost'));
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), engine: 'postgres' };
  }
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    const { default: SQLite } = await import('better-sqlite3');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const database = new SQLite(path);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), engine: 'sqlite' };
  }
  throw new TypeError(`DABBA_DATABASE_URL must start with sqlite: or postgres://, got "${url.split(':')[0]}:…"`);
}
