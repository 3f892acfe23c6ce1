import type { Achievement } from '@dabba/protocol';

export interface LeaderboardOptions {
  /** Shortest time between two `leaderboard:update` publications, ms. Default 1 000. */
  leaderboardUpdateIntervalMs?: number;
  /** How many entries `leaderboard:update` carries (the top N). Default 10. */
  leaderboardTopSize?: number;
  /** Points the customer earns when their order is delivered; 0 awards none. Default 10. */
  deliveredOrderCustomerPoints?: number;
  /** Points the driver earns for delivering an order; 0 awards none. Default 5. */
  deliveredOrderDriverPoints?: number;
  /** Thresholds that earn an achievement, once per user. Default DEFAULT_ACHIEVEMENTS. */
  achievements?: readonly Achievement[];
}

/** The default achievements: a user earns each when their total first reaches its points. */
export const DEFAULT_ACHIEVEMENTS: readonly Achievement[] = [
  { id: 'first_bite', name: 'First bite', points: 10 },
  { id: 'regular', name: 'Regular', points: 100 },
  { id: 'foodie', name: 'Foodie', points: 500 },
  { id: 'gourmet', name: 'Gourmet', points: 1_000 },
  { id: 'legend', name: 'Legend', points: 5_000 },
];

export const DEFAULT_LEADERBOARD_OPTIONS = {
  leaderboardUpdateIntervalMs: 1_000,
  leaderboardTopSize: 10,
  deliveredOrderCustomerPoints: 10,
  deliveredOrderDriverPoints: 5,
  achievements: DEFAULT_ACHIEVEMENTS,
} as const;

/** Most achievements a deployment may configure. */
const MAX_ACHIEVEMENTS = 100;
/** Largest top N. */
export const MAX_LEADERBOARD_TOP_SIZE = 100;

export type ResolvedLeaderboardOptions = Required<LeaderboardOptions>;

/** Fills in defaults; throws a TypeError for values that make no sense. */
export function resolveLeaderboardOptions(options: LeaderboardOptions): ResolvedLeaderboardOptions {
  const resolved: ResolvedLeaderboardOptions = {
    leaderboardUpdateIntervalMs:
      options.leaderboardUpdateIntervalMs ?? DEFAULT_LEADERBOARD_OPTIONS.leaderboardUpdateIntervalMs,
    leaderboardTopSize: options.leaderboardTopSize ?? DEFAULT_LEADERBOARD_OPTIONS.leaderboardTopSize,
    deliveredOrderCustomerPoints:
      options.deliveredOrderCustomerPoints ?? DEFAULT_LEADERBOARD_OPTIONS.deliveredOrderCustomerPoints,
    deliveredOrderDriverPoints:
      options.deliveredOrderDriverPoints ?? DEFAULT_LEADERBOARD_OPTIONS.deliveredOrderDriverPoints,
    achievements: options.achievements ?? DEFAULT_LEADERBOARD_OPTIONS.achievements,
  };
  const nonNegativeInteger = (key: keyof ResolvedLeaderboardOptions, value: number): void => {
    if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${key} must be a non-negative integer`);
  };
  nonNegativeInteger('leaderboardUpdateIntervalMs', resolved.leaderboardUpdateIntervalMs);
  nonNegativeInteger('deliveredOrderCustomerPoints', resolved.deliveredOrderCustomerPoints);
  nonNegativeInteger('deliveredOrderDriverPoints', resolved.deliveredOrderDriverPoints);
  const top = resolved.leaderboardTopSize;
  if (!Number.isSafeInteger(top) || top < 1 || top > MAX_LEADERBOARD_TOP_SIZE)
    throw new TypeError(`leaderboardTopSize must be an integer from 1 to ${MAX_LEADERBOARD_TOP_SIZE}`);
  if (resolved.achievements.length > MAX_ACHIEVEMENTS) throw new TypeError(`at most ${MAX_ACHIEVEMENTS} achievements`);
  const ids = new Set<string>();
  for (const achievement of resolved.achievements) {
    if (ids.has(achievement.id)) throw new TypeError(`achievement id ${achievement.id} is listed twice`);
    ids.add(achievement.id);
    if (!Number.isSafeInteger(achievement.points) || achievement.points < 1)
      throw new TypeError(`achievement ${achievement.id}: points must be a positive integer`);
  }
  return resolved;
}
