import { z } from 'zod';
import { MAX_COMMENT_TEXT_LENGTH, MAX_IMAGE_URL_LENGTH, MAX_POST_TEXT_LENGTH } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';

/** Longest client key (a client's own id for a post or comment, so a retried send stores once). */
const MAX_CLIENT_KEY_LENGTH = 64;
/** Largest page of posts or comments. */
export const MAX_FEED_PAGE_SIZE = 100;

const id = z.string().min(1).max(64);
const clientKey = z.string().min(1).max(MAX_CLIENT_KEY_LENGTH).optional();
/** Text that is not only whitespace; stored trimmed. */
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

export const createPostSchema = z.object({
  text: text(MAX_POST_TEXT_LENGTH),
  /** An http(s) URL of an image the app has already uploaded. */
  imageUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(MAX_IMAGE_URL_LENGTH)
    .optional(),
  clientKey,
});
export type CreatePostInput = z.infer<typeof createPostSchema>;

export const createCommentSchema = z.object({ text: text(MAX_COMMENT_TEXT_LENGTH), clientKey });
export type CreateCommentInput = z.infer<typeof createCommentSchema>;

/** rpc `feed.post`: the same as `POST /feed/posts`. */
export const postRpcSchema = createPostSchema;
/** rpc `feed.comment`: a post id plus the comment. */
export const commentRpcSchema = createCommentSchema.extend({ postId: id });
/** rpc `feed.like`: `liked: false` unlikes. */
export const likeRpcSchema = z.object({ postId: id, liked: z.boolean().default(true) });
/** rpc `feed.follow`: `following: false` unfollows. */
export const followRpcSchema = z.object({ userId: id, following: z.boolean().default(true) });

const cursorParam = z.string().min(1).max(300).optional();
const pageSize = z.coerce.number().int().min(1).max(MAX_FEED_PAGE_SIZE).default(20);

/** `GET /feed`: newest first; `before` is the previous page's `nextCursor`. */
export const postsQuerySchema = z.object({
  before: cursorParam,
  limit: pageSize,
  /** Only posts by people the caller follows, and their own. */
  following: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

/** `GET /feed/posts/:id/comments`: oldest first; `after` is the previous page's `nextCursor`. */
export const commentsQuerySchema = z.object({ after: cursorParam, limit: pageSize });

/** Where a page starts: after (or before) this row in (created_at, id) order. */
export interface FeedCursor {
  readonly createdAt: string;
  readonly id: string;
}

const cursorSchema = z.tuple([z.string().datetime({ offset: true }), id]);

export function encodeCursor(cursor: FeedCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

/** Reads a cursor this server made; anything else is `validation_failed`. */
export function decodeCursor(value: string | undefined, field: string): FeedCursor | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const checked = cursorSchema.safeParse(parsed);
  if (!checked.success) throw new DabbaError('validation_failed', `${field}: not a cursor this server returned`);
  return { createdAt: checked.data[0], id: checked.data[1] };
}
