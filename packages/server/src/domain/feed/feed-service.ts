import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { channels, type FeedComment } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import { domainEvent, type OutgoingEvent } from '../events.js';
import type { Principal } from '../orders/order.js';
import type { Outbox } from '../outbox.js';
import type { UserDirectory } from '../users.js';
import {
  decodeCursor,
  encodeCursor,
  type CreateCommentInput,
  type CreatePostInput,
  type FeedCursor,
} from './feed-input.js';
import * as repo from './feed-repository.js';
import type { ViewedPost } from './feed-repository.js';

interface Deps {
  db: Kysely<Database>;
  outbox: Outbox;
  users: UserDirectory;
}

export interface Page<T> {
  items: T[];
  /** Pass it back (`before` for posts, `after` for comments) for the next page; null at the end. */
  nextCursor: string | null;
}

/** What a like or unlike did; `changed: false` when it was already so (no event is published). */
export interface LikeState {
  postId: string;
  liked: boolean;
  likeCount: number;
  changed: boolean;
}

export interface FollowState {
  userId: string;
  following: boolean;
  changed: boolean;
}

/**
 * Posts, likes, comments and follows. Every change writes its rows, the post's counts and the
 * envelopes that announce it in one transaction, and publishes after commit. A like row is unique
 * per (post, user) and the count moves with it, so counts stay exact under any concurrency.
 */
export class FeedService {
  constructor(private readonly deps: Deps) {}

  async createPost(principal: Principal, input: CreatePostInput): Promise<ViewedPost> {
    const authorId = requireUser(principal, 'posts');
    if (input.clientKey) {
      const existing = await repo.findPostByClientKey(this.deps.db, authorId, input.clientKey);
      if (existing) return existing;
    }
    const authorName = await this.nameOf(authorId);
    const post: ViewedPost = {
      id: randomUUID(),
      authorId,
      authorName,
      text: input.text,
      imageUrl: input.imageUrl ?? null,
      likeCount: 0,
      commentCount: 0,
      createdAt: new Date().toISOString(),
      likedByMe: false,
    };
    const stored = await this.commit(async (trx) => {
      const result = await trx
        .insertInto('feed_posts')
        .values({
          id: post.id,
          author_id: authorId,
          text: post.text,
          image_url: post.imageUrl,
          like_count: 0,
          comment_count: 0,
          client_key: input.clientKey ?? null,
          created_at: post.createdAt,
        })
        .onConflict((oc) => oc.columns(['author_id', 'client_key']).doNothing())
        .executeTakeFirst();
      if (!repo.inserted(result)) {
        // The same clientKey raced in from a retry: the first one stands.
        return { result: await repo.findPostByClientKey(trx, authorId, input.clientKey ?? ''), events: [] };
      }
      const { likedByMe: _viewerOnly, ...announced } = post;
      return { result: post, events: [domainEvent(channels.feed, 'feed:new_post', announced)] };
    });
    if (!stored) throw new DabbaError('internal', 'a post with this clientKey vanished while it was created');
    return stored;
  }

  async getPost(principal: Principal, postId: string): Promise<ViewedPost> {
    const post = await repo.findPost(this.deps.db, postId, principal.id);
    if (!post) throw new DabbaError('not_found', `no post ${postId}`);
    return post;
  }

  async listPosts(
    principal: Principal,
    query: { before?: string | undefined; limit: number; following?: boolean | undefined },
  ): Promise<Page<ViewedPost>> {
    const posts = await repo.listPosts(this.deps.db, {
      viewerId: principal.id,
      before: decodeCursor(query.before, 'before'),
      limit: query.limit,
      following: query.following ?? false,
    });
    return page(posts, query.limit);
  }

  /** Deletes a post with its likes and comments: its author, an admin or the server API. */
  async deletePost(principal: Principal, postId: string): Promise<{ deleted: true; postId: string }> {
    const post = await this.getPost(principal, postId);
    const mayDelete = post.authorId === principal.id || principal.role === 'admin' || principal.role === 'system';
    if (!mayDelete) throw new DabbaError('forbidden', 'only its author or an admin may delete a post');
    await this.commit(async (trx) => {
      // The post row first: a concurrent like or comment then finds no post to count on and rolls back.
      const result = await trx.deleteFrom('feed_posts').where('id', '=', postId).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new DabbaError('not_found', `no post ${postId}`);
      await trx.deleteFrom('feed_likes').where('post_id', '=', postId).execute();
      await trx.deleteFrom('feed_comments').where('post_id', '=', postId).execute();
      const at = new Date().toISOString();
      return {
        result: undefined,
        events: [domainEvent(channels.feed, 'feed:post_deleted', { postId, deletedBy: principal.id, at })],
      };
    });
    return { deleted: true, postId };
  }

  /** Likes (`liked: true`) or unlikes a post. Repeating either is harmless and publishes nothing. */
  setLiked(principal: Principal, postId: string, liked: boolean): Promise<LikeState> {
    const userId = requireUser(principal, 'likes');
    return this.commit(async (trx) => {
      const changed = liked ? await addLike(trx, postId, userId) : await removeLike(trx, postId, userId);
      const likeCount = changed
        ? await repo.bumpCount(trx, postId, 'like_count', liked ? 1 : -1)
        : await repo.likeCount(trx, postId);
      // Throwing rolls back the like row written for a post that is gone.
      if (likeCount === undefined) throw new DabbaError('not_found', `no post ${postId}`);
      const state: LikeState = { postId, liked, likeCount, changed };
      if (!changed) return { result: state, events: [] };
      const at = new Date().toISOString();
      return {
        result: state,
        events: [domainEvent(channels.feed, 'feed:like', { postId, userId, liked, likeCount, at })],
      };
    });
  }

  async addComment(principal: Principal, postId: string, input: CreateCommentInput): Promise<FeedComment> {
    const authorId = requireUser(principal, 'comments');
    if (input.clientKey) {
      const existing = await repo.findCommentByClientKey(this.deps.db, authorId, input.clientKey);
      if (existing) return existing;
    }
    const comment: FeedComment = {
      id: randomUUID(),
      postId,
      authorId,
      authorName: await this.nameOf(authorId),
      text: input.text,
      createdAt: new Date().toISOString(),
    };
    return this.commit(async (trx) => {
      const result = await trx
        .insertInto('feed_comments')
        .values({
          id: comment.id,
          post_id: postId,
          author_id: authorId,
          text: comment.text,
          client_key: input.clientKey ?? null,
          created_at: comment.createdAt,
        })
        .onConflict((oc) => oc.columns(['author_id', 'client_key']).doNothing())
        .executeTakeFirst();
      if (!repo.inserted(result)) {
        const first = await repo.findCommentByClientKey(trx, authorId, input.clientKey ?? '');
        if (!first) throw new DabbaError('internal', 'a comment with this clientKey vanished while it was created');
        return { result: first, events: [] };
      }
      const commentCount = await repo.bumpCount(trx, postId, 'comment_count', 1);
      if (commentCount === undefined) throw new DabbaError('not_found', `no post ${postId}`);
      return {
        result: comment,
        events: [domainEvent(channels.feed, 'feed:comment', { postId, comment, commentCount })],
      };
    });
  }

  async listComments(
    principal: Principal,
    postId: string,
    query: { after?: string | undefined; limit: number },
  ): Promise<Page<FeedComment>> {
    await this.getPost(principal, postId);
    const comments = await repo.listComments(this.deps.db, {
      postId,
      after: decodeCursor(query.after, 'after'),
      limit: query.limit,
    });
    return page(comments, query.limit);
  }

  /** Follows (`following: true`) or unfollows a user; the followed user hears of it on `user:{id}`. */
  async setFollowing(principal: Principal, userId: string, following: boolean): Promise<FollowState> {
    const followerId = requireUser(principal, 'follows');
    if (userId === followerId) throw new DabbaError('bad_request', 'you cannot follow yourself');
    const [followee, followerName] = await Promise.all([this.deps.users.get(userId), this.nameOf(followerId)]);
    if (!followee) throw new DabbaError('not_found', `no user ${userId}`);
    return this.commit(async (trx) => {
      const changed = following
        ? await addFollow(trx, followerId, userId)
        : await removeFollow(trx, followerId, userId);
      const state: FollowState = { userId, following, changed };
      if (!changed) return { result: state, events: [] };
      const at = new Date().toISOString();
      const event = domainEvent(channels.user(userId), 'feed:follow', {
        followerId,
        followerName,
        userId,
        following,
        at,
      });
      return { result: state, events: [event] };
    });
  }

  private async nameOf(userId: string): Promise<string> {
    return (await this.deps.users.get(userId))?.name ?? userId;
  }

  private commit<T>(work: (trx: Transaction<Database>) => Promise<{ result: T; events: OutgoingEvent[] }>): Promise<T> {
    return this.deps.outbox.transact(work);
  }
}

/** Feed actions belong to a person: the server API (`system`) has no feed of its own. */
function requireUser(principal: Principal, what: string): string {
  if (principal.role === 'system') throw new DabbaError('forbidden', `${what} are made by users, with their token`);
  return principal.id;
}

async function addLike(trx: Transaction<Database>, postId: string, userId: string): Promise<boolean> {
  const result = await trx
    .insertInto('feed_likes')
    .values({ post_id: postId, user_id: userId, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.columns(['post_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return repo.inserted(result);
}

async function removeLike(trx: Transaction<Database>, postId: string, userId: string): Promise<boolean> {
  const result = await trx
    .deleteFrom('feed_likes')
    .where('post_id', '=', postId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

async function addFollow(trx: Transaction<Database>, followerId: string, followeeId: string): Promise<boolean> {
  const result = await trx
    .insertInto('feed_follows')
    .values({ follower_id: followerId, followee_id: followeeId, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.columns(['follower_id', 'followee_id']).doNothing())
    .executeTakeFirst();
  return repo.inserted(result);
}

async function removeFollow(trx: Transaction<Database>, followerId: string, followeeId: string): Promise<boolean> {
  const result = await trx
    .deleteFrom('feed_follows')
    .where('follower_id', '=', followerId)
    .where('followee_id', '=', followeeId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

function page<T extends FeedCursor>(items: T[], limit: number): Page<T> {
  const last = items.at(-1);
  return { items, nextCursor: items.length === limit && last ? encodeCursor(last) : null };
}
