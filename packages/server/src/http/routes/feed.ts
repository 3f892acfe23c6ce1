import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Domain } from '../../domain/domain.js';
import {
  commentsQuerySchema,
  createCommentSchema,
  createPostSchema,
  postsQuerySchema,
} from '../../domain/feed/feed-input.js';
import { route, type RestContext } from '../rest.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const userParams = z.object({ id: z.string().min(1).max(128) });

export function registerFeedRoutes(app: FastifyInstance, context: RestContext, domain: Domain): void {
  const tags = ['feed'];
  const { feed } = domain;

  route(app, context, {
    method: 'GET',
    url: '/feed',
    summary: 'Posts, newest first (`following=true`: people you follow, and yours); cursor pagination',
    tags,
    query: postsQuerySchema,
    handler: async ({ principal, query }) => {
      const page = await feed.listPosts(principal, query);
      return { posts: page.items, nextCursor: page.nextCursor };
    },
  });
  route(app, context, {
    method: 'POST',
    url: '/feed/posts',
    summary: 'Post to the feed (text, optional image URL); announced as feed:new_post',
    tags,
    body: createPostSchema,
    status: 201,
    handler: ({ principal, body }) => feed.createPost(principal, body),
  });
  route(app, context, {
    method: 'GET',
    url: '/feed/posts/:id',
    summary: 'One post, with its counts and whether you like it',
    tags,
    params: idParams,
    handler: ({ principal, params }) => feed.getPost(principal, params.id),
  });
  route(app, context, {
    method: 'DELETE',
    url: '/feed/posts/:id',
    summary: 'Delete a post with its likes and comments (its author, an admin or the server API)',
    tags,
    params: idParams,
    handler: ({ principal, params }) => feed.deletePost(principal, params.id),
  });
  route(app, context, {
    method: 'POST',
    url: '/feed/posts/:id/like',
    summary: 'Like a post (again: no change); announced as feed:like with the new count',
    tags,
    params: idParams,
    handler: ({ principal, params }) => feed.setLiked(principal, params.id, true),
  });
  route(app, context, {
    method: 'DELETE',
    url: '/feed/posts/:id/like',
    summary: 'Unlike a post; announced as feed:like (liked: false) with the new count',
    tags,
    params: idParams,
    handler: ({ principal, params }) => feed.setLiked(principal, params.id, false),
  });
  route(app, context, {
    method: 'GET',
    url: '/feed/posts/:id/comments',
    summary: "A post's comments, oldest first; cursor pagination",
    tags,
    params: idParams,
    query: commentsQuerySchema,
    handler: async ({ principal, params, query }) => {
      const page = await feed.listComments(principal, params.id, query);
      return { comments: page.items, nextCursor: page.nextCursor };
    },
  });
  route(app, context, {
    method: 'POST',
    url: '/feed/posts/:id/comments',
    summary: 'Comment on a post; announced as feed:comment with the new count',
    tags,
    params: idParams,
    body: createCommentSchema,
    status: 201,
    handler: ({ principal, params, body }) => feed.addComment(principal, params.id, body),
  });
  route(app, context, {
    method: 'POST',
    url: '/users/:id/follow',
    summary: 'Follow a user; they get feed:follow on their user channel',
    tags,
    params: userParams,
    handler: ({ principal, params }) => feed.setFollowing(principal, params.id, true),
  });
  route(app, context, {
    method: 'DELETE',
    url: '/users/:id/follow',
    summary: 'Unfollow a user; they get feed:follow (following: false)',
    tags,
    params: userParams,
    handler: ({ principal, params }) => feed.setFollowing(principal, params.id, false),
  });
}
