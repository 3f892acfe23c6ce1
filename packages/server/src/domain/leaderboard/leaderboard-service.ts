import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { channels, type Achievement, type LeaderboardEntry } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import { domainEvent, type OutgoingEvent } from '../events.js';
import type { OrderChange } from '../orders/order-service.js';
import type { Principal } from '../orders/order.js';
import type { Outbox } from '../outbox.js';
import type { UserDirectory } from '../users.js';
import type { ResolvedLeaderboardOptions } from './leaderboard-options.js';
import * as repo from './leaderboard-repository.js';

/** Most points one award may carry. */
export const MAX_AWARD_POINTS = 1_000_000;

export const awardPointsSchema = z.object({
  userId: z.string().min(1).max(128),
  points: z.number().int().min(1).max(MAX_AWARD_POINTS),
  /** Why, for the ledger: `referral`, `review`… */
  reason: z.string().trim().min(1).max(200),
});
export type AwardPointsInput = z.infer<typeof awardPointsSchema>;

/** What an award did. `applied: false`: its key was used before, and nothing changed. */
export interface AwardResult {
  userId: string;
  applied: boolean;
  points: number;
  rank: number | null;
  previousRank: number | null;
}

export interface EarnedAchievement extends Achievement {
  awardedAt: string;
}

/** A user's place: rank (null without points), total, achievements, and who is around them. */
export interface UserStanding {
  userId: string;
  name: string;
  rank: number | null;
  points: number;
  achievements: EarnedAchievement[];
  above: LeaderboardEntry[];
  below: LeaderboardEntry[];
}

interface Deps {
  db: Kysely<Database>;
  outbox: Outbox;
  users: UserDirectory;
  options: ResolvedLeaderboardOptions;
  /** Told after every commit that changed points (see LeaderboardUpdates). */
  pointsChanged: () => void;
}

/**
 * Points per user, their ranks and achievements. Every award is a ledger row, the user's new
 * total, and the envelopes to that user (`leaderboard:rank_change` when their rank moved,
 * `leaderboard:achievement` for each threshold first reached), in one transaction: the caller's
 * (an order's) or its own. An award key (unique) makes an award happen once.
 */
export class LeaderboardService {
  constructor(private readonly deps: Deps) {}

  /** Awards points from the server API (`system` only); `key` (its Idempotency-Key) makes it happen once. */
  async awardPoints(principal: Principal, input: AwardPointsInput, key?: string): Promise<AwardResult> {
    if (principal.role !== 'system') throw new DabbaError('forbidden', 'points are awarded by the server API');
    const result = await this.deps.outbox.transact((trx) =>
      this.award(trx, { ...input, key: key === undefined ? null : `api:${key}` }),
    );
    if (result.applied) this.deps.pointsChanged();
    return result;
  }

  /**
   * The in-transaction hook for orders: a delivered order earns its customer and its driver
   * their configured points, keyed by order so each is awarded once.
   */
  readonly onOrderChanged = async (trx: Transaction<Database>, change: OrderChange): Promise<OutgoingEvent[]> => {
    if (!change.steps.some((step) => step.status === 'delivered')) return [];
    const order = change.after;
    const { deliveredOrderCustomerPoints, deliveredOrderDriverPoints } = this.deps.options;
    const events: OutgoingEvent[] = [];
    const awards = [
      { userId: order.customerId, points: deliveredOrderCustomerPoints, as: 'customer' },
      { userId: order.driverId, points: deliveredOrderDriverPoints, as: 'driver' },
    ];
    for (const { userId, points, as } of awards) {
      if (!userId || points === 0) continue;
      const reason = `order ${order.orderNumber} delivered (${as})`;
      const outcome = await this.award(trx, { userId, points, reason, key: `order:${order.id}:${as}` });
      events.push(...outcome.events);
    }
    return events;
  };

  /** Tells the top-N publisher after a delivered order committed (orders' onOrderClosed). */
  readonly onOrderClosed = (order: { status: string }): void => {
    if (order.status === 'delivered') this.deps.pointsChanged();
  };

  top(limit: number): Promise<LeaderboardEntry[]> {
    return repo.top(this.deps.db, limit);
  }

  async standing(userId: string, neighbourCount: number): Promise<UserStanding> {
    const [user, current] = await Promise.all([this.deps.users.get(userId), repo.standing(this.deps.db, userId)]);
    if (!user && !current) throw new DabbaError('not_found', `no user ${userId}`);
    const achievements = await this.achievementsOf(userId);
    const name = user?.name ?? userId;
    if (!current) return { userId, name, rank: null, points: 0, achievements, above: [], below: [] };
    const rank = await repo.rankOf(this.deps.db, current);
    const around = await repo.neighbours(this.deps.db, current, rank, neighbourCount);
    return { userId, name, rank, points: current.points, achievements, ...around };
  }

  private async achievementsOf(userId: string): Promise<EarnedAchievement[]> {
    const rows = await this.deps.db
      .selectFrom('leaderboard_achievements')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('points', 'asc')
      .execute();
    return rows.map((r) => ({ id: r.achievement_id, name: r.name, points: Number(r.points), awardedAt: r.awarded_at }));
  }

  private async award(
    trx: Transaction<Database>,
    input: { userId: string; points: number; reason: string; key: string | null },
  ): Promise<{ result: AwardResult; events: OutgoingEvent[] }> {
    const at = new Date().toISOString();
    const ledger = await trx
      .insertInto('leaderboard_awards')
      .values({
        id: randomUUID(),
        user_id: input.userId,
        points: input.points,
        reason: input.reason,
        award_key: input.key,
        created_at: at,
      })
      .onConflict((oc) => oc.column('award_key').doNothing())
      .executeTakeFirst();
    const before = await repo.standing(trx, input.userId);
    const previousRank = before ? await repo.rankOf(trx, before) : null;
    if (Number(ledger.numInsertedOrUpdatedRows ?? 0) === 0) {
      const result = {
        userId: input.userId,
        applied: false,
        points: before?.points ?? 0,
        rank: previousRank,
        previousRank,
      };
      return { result, events: [] };
    }
    const after = await repo.addPoints(trx, input.userId, input.points, at);
    const rank = await repo.rankOf(trx, after);
    const events: OutgoingEvent[] = [];
    const userChannel = channels.user(input.userId);
    if (rank !== previousRank) {
      events.push(
        domainEvent(userChannel, 'leaderboard:rank_change', {
          userId: input.userId,
          previousRank,
          rank,
          points: after.points,
          at,
        }),
      );
    }
    for (const achievement of await this.newAchievements(trx, input.userId, after.points, at)) {
      events.push(
        domainEvent(userChannel, 'leaderboard:achievement', {
          userId: input.userId,
          achievement,
          points: after.points,
          at,
        }),
      );
    }
    return { result: { userId: input.userId, applied: true, points: after.points, rank, previousRank }, events };
  }

  /** Stores (once) every configured achievement the total reaches; returns those stored now. */
  private async newAchievements(
    trx: Transaction<Database>,
    userId: string,
    total: number,
    at: string,
  ): Promise<Achievement[]> {
    const reached = this.deps.options.achievements.filter((a) => a.points <= total);
    if (reached.length === 0) return [];
    const held = await trx
      .selectFrom('leaderboard_achievements')
      .select('achievement_id')
      .where('user_id', '=', userId)
      .execute();
    const heldIds = new Set(held.map((row) => row.achievement_id));
    const earned: Achievement[] = [];
    for (const achievement of reached) {
      if (heldIds.has(achievement.id)) continue;
      const result = await trx
        .insertInto('leaderboard_achievements')
        .values({
          user_id: userId,
          achievement_id: achievement.id,
          name: achievement.name,
          points: achievement.points,
          awarded_at: at,
        })
        .onConflict((oc) => oc.columns(['user_id', 'achievement_id']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) earned.push({ ...achievement });
    }
    return earned;
  }
}
