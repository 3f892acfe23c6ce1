import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { LeaderboardEntry } from '@dabba/protocol';
import type { Database } from '../../store/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A user's standing: total points and when they reached it (the tie-breaker). */
export interface Standing {
  userId: string;
  points: number;
  reachedAt: string;
}

/**
 * The ranking order, one place: more points first; among equal totals, whoever reached the total
 * earlier; then the user id. Every user has a distinct rank.
 */
function ranksAbove(eb: ExpressionBuilder<Database, 'leaderboard_points'>, s: Standing) {
  return eb.or([
    eb('points', '>', s.points),
    eb.and([eb('points', '=', s.points), eb('reached_at', '<', s.reachedAt)]),
    eb.and([eb('points', '=', s.points), eb('reached_at', '=', s.reachedAt), eb('user_id', '<', s.userId)]),
  ]);
}

function ranksBelow(eb: ExpressionBuilder<Database, 'leaderboard_points'>, s: Standing) {
  return eb.or([
    eb('points', '<', s.points),
    eb.and([eb('points', '=', s.points), eb('reached_at', '>', s.reachedAt)]),
    eb.and([eb('points', '=', s.points), eb('reached_at', '=', s.reachedAt), eb('user_id', '>', s.userId)]),
  ]);
}

export async function standing(db: Db, userId: string): Promise<Standing | undefined> {
  const row = await db
    .selectFrom('leaderboard_points')
    .select(['user_id', 'points', 'reached_at'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? { userId: row.user_id, points: Number(row.points), reachedAt: row.reached_at } : undefined;
}

export async function rankOf(db: Db, s: Standing): Promise<number> {
  const row = await db
    .selectFrom('leaderboard_points')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('ahead'))
    .where((eb) => ranksAbove(eb, s))
    .executeTakeFirstOrThrow();
  return Number(row.ahead) + 1;
}

/** Adds points to a user's total (creating it) and returns the new standing. */
export async function addPoints(
  trx: Transaction<Database>,
  userId: string,
  points: number,
  at: string,
): Promise<Standing> {
  const row = await trx
    .insertInto('leaderboard_points')
    .values({ user_id: userId, points, reached_at: at })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet((eb) => ({
        points: eb('leaderboard_points.points', '+', eb.ref('excluded.points')),
        reached_at: eb.ref('excluded.reached_at'),
      })),
    )
    .returning(['points', 'reached_at'])
    .executeTakeFirstOrThrow();
  return { userId, points: Number(row.points), reachedAt: row.reached_at };
}

function entries(db: Db) {
  return db
    .selectFrom('leaderboard_points')
    .leftJoin('users', 'users.id', 'leaderboard_points.user_id')
    .select(['leaderboard_points.user_id', 'leaderboard_points.points', 'users.name']);
}

type EntryRow = { user_id: string; points: number; name: string | null };
const toEntry = (row: EntryRow, rank: number): LeaderboardEntry => ({
  rank,
  userId: row.user_id,
  name: row.name ?? row.user_id,
  points: Number(row.points),
});

export async function top(db: Db, limit: number): Promise<LeaderboardEntry[]> {
  const rows = await entries(db)
    .orderBy('leaderboard_points.points', 'desc')
    .orderBy('leaderboard_points.reached_at', 'asc')
    .orderBy('leaderboard_points.user_id', 'asc')
    .limit(limit)
    .execute();
  return rows.map((row, i) => toEntry(row, i + 1));
}

/** Up to `count` entries ranked right above and right below a user whose rank is `rank`. */
export async function neighbours(
  db: Db,
  s: Standing,
  rank: number,
  count: number,
): Promise<{ above: LeaderboardEntry[]; below: LeaderboardEntry[] }> {
  if (count === 0) return { above: [], below: [] };
  const around = db.selectFrom('leaderboard_points').select(['user_id', 'points']).limit(count);
  const aboveRows = await around
    .where((eb) => ranksAbove(eb, s))
    .orderBy('points', 'asc')
    .orderBy('reached_at', 'desc')
    .orderBy('user_id', 'desc')
    .execute();
  const belowRows = await around
    .where((eb) => ranksBelow(eb, s))
    .orderBy('points', 'desc')
    .orderBy('reached_at', 'asc')
    .orderBy('user_id', 'asc')
    .execute();
  const names = await namesOf(
    db,
    [...aboveRows, ...belowRows].map((row) => row.user_id),
  );
  const named = (row: { user_id: string; points: number }): EntryRow => ({
    ...row,
    name: names.get(row.user_id) ?? null,
  });
  return {
    above: aboveRows.reverse().map((row, i) => toEntry(named(row), rank - aboveRows.length + i)),
    below: belowRows.map((row, i) => toEntry(named(row), rank + 1 + i)),
  };
}

async function namesOf(db: Db, userIds: string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'name']).where('id', 'in', userIds).execute();
  return new Map(rows.map((row) => [row.id, row.name]));
}
