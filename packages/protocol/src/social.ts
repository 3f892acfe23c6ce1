import { z } from 'zod';

/**
 * Feed and leaderboard: the shapes clients read over REST and the events the server publishes.
 * `feed:*` events go to the `feed` channel (except `feed:follow`, which goes to the followed
 * user's `user:{id}`); `leaderboard:update` goes to `leaderboard`; `leaderboard:rank_change` and
 * `leaderboard:achievement` go to the user concerned.
 */

const isoTime = z.string().datetime({ offset: true });
const count = z.number().int().nonnegative();

/** Longest post text, characters. */
export const MAX_POST_TEXT_LENGTH = 2000;
/** Longest comment text, characters. */
export const MAX_COMMENT_TEXT_LENGTH = 1000;
/** Longest image URL, characters. */
export const MAX_IMAGE_URL_LENGTH = 2048;

export const feedPostSchema = z.object({
  id: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  text: z.string(),
  imageUrl: z.string().nullable(),
  likeCount: count,
  commentCount: count,
  createdAt: isoTime,
});
export type FeedPost = z.infer<typeof feedPostSchema>;

export const feedCommentSchema = z.object({
  id: z.string(),
  postId: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  text: z.string(),
  createdAt: isoTime,
});
export type FeedComment = z.infer<typeof feedCommentSchema>;

/** One row of the ranked view. Ties: see docs/social.md (earlier to reach the total ranks higher, then user id). */
export const leaderboardEntrySchema = z.object({
  rank: z.number().int().positive(),
  userId: z.string(),
  name: z.string(),
  points: z.number().int(),
});
export type LeaderboardEntry = z.infer<typeof leaderboardEntrySchema>;

export const achievementSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The total that earns it. */
  points: z.number().int().positive(),
});
export type Achievement = z.infer<typeof achievementSchema>;

export const feedEvents = {
  'feed:new_post': feedPostSchema,
  'feed:post_deleted': z.object({ postId: z.string(), deletedBy: z.string(), at: isoTime }),
  /** A like (`liked: true`) or an unlike (`liked: false`), with the post's count after it. */
  'feed:like': z.object({ postId: z.string(), userId: z.string(), liked: z.boolean(), likeCount: count, at: isoTime }),
  'feed:comment': z.object({ postId: z.string(), comment: feedCommentSchema, commentCount: count }),
  /** To the followed user: someone followed (`following: true`) or unfollowed them. */
  'feed:follow': z.object({
    followerId: z.string(),
    followerName: z.string(),
    userId: z.string(),
    following: z.boolean(),
    at: isoTime,
  }),
} as const;

export const leaderboardEvents = {
  /** The top N, whenever it changes; coalesced (at most one per `leaderboardUpdateIntervalMs`). */
  'leaderboard:update': z.object({ entries: z.array(leaderboardEntrySchema), at: isoTime }),
  /** To the user whose points changed their rank; `previousRank` is null on their first points. */
  'leaderboard:rank_change': z.object({
    userId: z.string(),
    previousRank: z.number().int().positive().nullable(),
    rank: z.number().int().positive(),
    points: z.number().int(),
    at: isoTime,
  }),
  /** To the user who crossed an achievement's threshold; sent once per user and achievement. */
  'leaderboard:achievement': z.object({
    userId: z.string(),
    achievement: achievementSchema,
    points: z.number().int(),
    at: isoTime,
  }),
} as const;
