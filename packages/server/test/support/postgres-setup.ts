import type { TestProject } from 'vitest/node';
import { dropStaleTestDatabases, isPostgresUrl } from './test-database.js';

/** Global setup of the Postgres pass: removes test databases that killed runs left behind. */
export default async function setup(project: TestProject): Promise<void> {
  const url = project.config.env.DABBA_TEST_DATABASE_URL;
  if (!isPostgresUrl(url)) throw new Error('the postgres project runs with DABBA_TEST_DATABASE_URL=postgres://…');
  const dropped = await dropStaleTestDatabases(url);
  if (dropped.length > 0) console.warn(`[dabba] dropped ${dropped.length} stale test database(s)`);
}
