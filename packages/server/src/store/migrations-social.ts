import type { Kysely } from 'kysely';

/**
 * Feed (posts, likes, comments, follows) and leaderboard (points, the awards ledger,
 * achievements). Counts live on the post row and change in the same transaction as the like or
 * comment row, so they stay exact; unique keys make a repeated like, award or achievement a no-op.
 */
export async function createSocialTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feed_posts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('image_url', 'text')
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('comment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('client_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('feed_posts_author_client_key', ['author_id', 'client_key'])
    .execute();
  await db.schema.createIndex('feed_posts_created').on('feed_posts').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('feed_posts_author').on('feed_posts').columns(['author_id', 'created_at']).execute();

  await db.schema
    .createTable('feed_likes')
    .addColumn('post_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('feed_likes_pk', ['post_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('feed_comments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('post_id', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('client_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('feed_comments_author_client_key', ['author_id', 'client_key'])
    .execute();
  await db.schema
    .createIndex('feed_comments_post')
    .on('feed_comments')
    .columns(['post_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('feed_follows')
    .addColumn('follower_id', 'text', (c) => c.notNull())
    .addColumn('followee_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('feed_follows_pk', ['follower_id', 'followee_id'])
    .execute();
  await db.schema.createIndex('feed_follows_followee').on('feed_follows').column('followee_id').execute();

  await db.schema
    .createTable('leaderboard_points')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('reached_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('leaderboard_points_rank')
    .on('leaderboard_points')
    .columns(['points', 'reached_at', 'user_id'])
    .execute();

  await db.schema
    .createTable('leaderboard_awards')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('award_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('leaderboard_awards_user')
    .on('leaderboard_awards')
    .columns(['user_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('leaderboard_achievements')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('achievement_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('awarded_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('leaderboard_achievements_pk', ['user_id', 'achievement_id'])
    .execute();
}
