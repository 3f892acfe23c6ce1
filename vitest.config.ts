import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { isPostgresUrl, probePostgres } from './packages/server/test/support/test-database.js';

/**
 * Two passes. `sqlite`: every test, the store on SQLite. `postgres`: the domain's tests again,
 * each server on a fresh database of its own on a Postgres server (see
 * packages/server/test/support/test-database.ts). The Postgres pass runs whenever Postgres
 * answers; in CI (`CI=true`) it must, and the run fails if it does not; elsewhere it is skipped
 * with the reason printed.
 */

/** Postgres server for the second pass; trust auth on the CI machine. */
const POSTGRES_URL = process.env.DABBA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Domain test files, which touch the store: named after their domain (`orders-lifecycle.test.ts`,
 * `driver-location.test.ts`). A new domain's tests join the Postgres pass by being named so.
 */
const DOMAINS = [
  'orders',
  'order',
  'driver',
  'drivers',
  'eta',
  'notifications',
  'stores',
  'chat',
  'carts',
  'catalog',
  'feed',
  'leaderboard',
];
const DOMAIN_TESTS = [
  `packages/server/test/{${DOMAINS.join(',')}}.test.ts`,
  `packages/server/test/{${DOMAINS.join(',')}}-*.test.ts`,
];

/** Decided once per run: vitest evaluates this file again for projects that extend it. */
const decided = globalThis as typeof globalThis & { dabbaPostgresPass?: Promise<TestProjectInlineConfiguration[]> };

async function postgresProject(): Promise<TestProjectInlineConfiguration[]> {
  const skip = (reason: string): [] => {
    console.warn(`\n[dabba] Postgres pass skipped: ${reason}\n`);
    return [];
  };
  if (isPostgresUrl(process.env.DABBA_TEST_DATABASE_URL))
    return skip('DABBA_TEST_DATABASE_URL already runs every test against Postgres');
  const probe = await probePostgres(POSTGRES_URL);
  if (!probe.ok) {
    const reason = `${POSTGRES_URL} is unreachable (${probe.reason})`;
    if (process.env.CI === 'true') throw new Error(`CI runs the domain tests against Postgres, but ${reason}`);
    return skip(`${reason}; start it (bash .ci/services.sh) to run the domain tests against Postgres`);
  }
  return [
    {
      extends: true,
      test: {
        name: 'postgres',
        include: DOMAIN_TESTS,
        env: { DABBA_TEST_DATABASE_URL: POSTGRES_URL },
        globalSetup: ['packages/server/test/support/postgres-setup.ts'],
      },
    },
  ];
}

export default defineConfig(async () => ({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Servers in tests listen on real sockets; files run in parallel workers, tests in a file in order.
    pool: 'forks',
    // Memory tests call global.gc() to measure what is really retained.
    execArgv: ['--expose-gc'],
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['packages/*/test/**/*.test.{ts,tsx}'] } },
      ...(await (decided.dabbaPostgresPass ??= postgresProject())),
    ],
  },
}));
