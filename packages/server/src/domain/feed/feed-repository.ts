import type { Kysely, Transaction } from 'kysely';
import type { FeedComment, FeedPost } from '@dabba/protocol';
import type { Database } from '../../store/schema.js';
import type { FeedCursor } from './feed-input.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A post as one viewer sees it: `likedByMe` says whether they like it. */
export interface ViewedPost extends FeedPost {
  likedByMe: boolean;
}

interface PostRow {
  id: string;
  author_id: string;
  author_name: string | null;
  text: string;
  image_url: string | null;
  like_count: number;
  comment_count: number;
  created_at: string;
  liker: string | null;
}

function toPost(row: PostRow): ViewedPost {
  return {
    id: row.id,
    authorId: row.author_id,
    authorName: row.author_name ?? row.author_id,
    text: row.text,
    imageUrl: row.image_url,
    likeCount: Number(row.like_count),
    commentCount: Number(row.comment_count),
    createdAt: row.created_at,
    likedByMe: row.liker !== null,
  };
}

function selectPosts(db: Db, viewerId: string) {
  return db
    .selectFrom('feed_posts as p')
    .leftJoin('users as u', 'u.id', 'p.author_id')
    .leftJoin('feed_likes as l', (join) => join.onRef('l.post_id', '=', 'p.id').on('l.user_id', '=', viewerId))
    .select([
      'p.id',
      'p.author_id',
      'u.name as author_name',
      'p.text',
      'p.image_url',
      'p.like_count',
      'p.comment_count',
      'p.created_at',
      'l.user_id as liker',
    ]);
}

export async function findPost(db: Db, id: string, viewerId: string): Promise<ViewedPost | undefined> {
  const row = await selectPosts(db, viewerId).where('p.id', '=', id).executeTakeFirst();
  return row ? toPost(row) : undefined;
}

export async function findPostByClientKey(
  db: Db,
  authorId: string,
  clientKey: string,
): Promise<ViewedPost | undefined> {
  const row = await selectPosts(db, authorId)
    .where('p.author_id', '=', authorId)
    .where('p.client_key', '=', clientKey)
    .executeTakeFirst();
  return row ? toPost(row) : undefined;
}

/** Newest first, strictly before the cursor; `following` keeps the viewer's followees and the viewer. */
export async function listPosts(
  db: Db,
  query: { viewerId: string; before: FeedCursor | undefined; limit: number; following: boolean },
): Promise<ViewedPost[]> {
  let select = selectPosts(db, query.viewerId);
  const { before } = query;
  if (before) {
    select = select.where((eb) =>
      eb.or([
        eb('p.created_at', '<', before.createdAt),
        eb.and([eb('p.created_at', '=', before.createdAt), eb('p.id', '<', before.id)]),
      ]),
    );
  }
  if (query.following) {
    select = select.where((eb) =>
      eb.or([
        eb('p.author_id', '=', query.viewerId),
        eb(
          'p.author_id',
          'in',
          eb.selectFrom('feed_follows').select('followee_id').where('follower_id', '=', query.viewerId),
        ),
      ]),
    );
  }
  const rows = await select.orderBy('p.created_at', 'desc').orderBy('p.id', 'desc').limit(query.limit).execute();
  return rows.map(toPost);
}

interface CommentRow {
  id: string;
  post_id: string;
  author_id: string;
  author_name: string | null;
  text: string;
  created_at: string;
}

function toComment(row: CommentRow): FeedComment {
  return {
    id: row.id,
    postId: row.post_id,
    authorId: row.author_id,
    authorName: row.author_name ?? row.author_id,
    text: row.text,
    createdAt: row.created_at,
  };
}

function selectComments(db: Db) {
  return db
    .selectFrom('feed_comments as c')
    .leftJoin('users as u', 'u.id', 'c.author_id')
    .select(['c.id', 'c.post_id', 'c.author_id', 'u.name as author_name', 'c.text', 'c.created_at']);
}

export async function findCommentByClientKey(
  db: Db,
  authorId: string,
  clientKey: string,
): Promise<FeedComment | undefined> {
  const row = await selectComments(db)
    .where('c.author_id', '=', authorId)
    .where('c.client_key', '=', clientKey)
    .executeTakeFirst();
  return row ? toComment(row) : undefined;
}

/** Oldest first, strictly after the cursor. */
export async function listComments(
  db: Db,
  query: { postId: string; after: FeedCursor | undefined; limit: number },
): Promise<FeedComment[]> {
  let select = selectComments(db).where('c.post_id', '=', query.postId);
  const { after } = query;
  if (after) {
    select = select.where((eb) =>
      eb.or([
        eb('c.created_at', '>', after.createdAt),
        eb.and([eb('c.created_at', '=', after.createdAt), eb('c.id', '>', after.id)]),
      ]),
    );
  }
  const rows = await select.orderBy('c.created_at', 'asc').orderBy('c.id', 'asc').limit(query.limit).execute();
  return rows.map(toComment);
}

/** Adds `delta` to a post's like or comment count; undefined when the post is gone. */
export async function bumpCount(
  trx: Transaction<Database>,
  postId: string,
  column: 'like_count' | 'comment_count',
  delta: 1 | -1,
): Promise<number | undefined> {
  const row = await trx
    .updateTable('feed_posts')
    .set((eb) => ({ [column]: eb(column, '+', delta) }))
    .where('id', '=', postId)
    .returning(column)
    .executeTakeFirst();
  return row ? Number(row[column]) : undefined;
}

export async function likeCount(db: Db, postId: string): Promise<number | undefined> {
  const row = await db.selectFrom('feed_posts').select('like_count').where('id', '=', postId).executeTakeFirst();
  return row ? Number(row.like_count) : undefined;
}

export function inserted(result: { numInsertedOrUpdatedRows?: bigint | undefined }): boolean {
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
