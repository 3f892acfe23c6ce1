import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ACHIEVEMENTS,
  DEFAULT_LEADERBOARD_OPTIONS,
  resolveLeaderboardOptions,
} from '../src/domain/leaderboard/leaderboard-options.js';

describe('leaderboard options', () => {
  it('fills in the documented defaults', () => {
    expect(resolveLeaderboardOptions({})).toEqual({
      leaderboardUpdateIntervalMs: 1000,
      leaderboardTopSize: 10,
      deliveredOrderCustomerPoints: 10,
      deliveredOrderDriverPoints: 5,
      achievements: DEFAULT_ACHIEVEMENTS,
    });
    expect(DEFAULT_LEADERBOARD_OPTIONS.achievements.map((a) => `${a.id}:${a.points}`)).toEqual([
      'first_bite:10',
      'regular:100',
      'foodie:500',
      'gourmet:1000',
      'legend:5000',
    ]);
    // 0 is a value, not "unset".
    expect(resolveLeaderboardOptions({ deliveredOrderDriverPoints: 0 }).deliveredOrderDriverPoints).toBe(0);
  });

  it('refuses values that make no sense', () => {
    expect(() => resolveLeaderboardOptions({ leaderboardTopSize: 0 })).toThrow(/leaderboardTopSize/);
    expect(() => resolveLeaderboardOptions({ leaderboardTopSize: 101 })).toThrow(/leaderboardTopSize/);
    expect(() => resolveLeaderboardOptions({ leaderboardUpdateIntervalMs: -1 })).toThrow(/leaderboardUpdateIntervalMs/);
    expect(() => resolveLeaderboardOptions({ deliveredOrderCustomerPoints: 1.5 })).toThrow(
      /deliveredOrderCustomerPoints/,
    );
    expect(() =>
      resolveLeaderboardOptions({
        achievements: [
          { id: 'a', name: 'A', points: 1 },
          { id: 'a', name: 'Again', points: 2 },
        ],
      }),
    ).toThrow(/listed twice/);
    expect(() => resolveLeaderboardOptions({ achievements: [{ id: 'z', name: 'Zero', points: 0 }] })).toThrow(
      /positive integer/,
    );
  });
});
