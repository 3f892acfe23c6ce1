import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { listen, rpcError } from './support/social.js';
import { waitUntil } from './support/wait.js';

interface PostBody {
  id: string;
  authorId: string;
  authorName: string;
  text: string;
  imageUrl: string | null;
  likeCount: number;
  commentCount: number;
  likedByMe: boolean;
  createdAt: string;
}

describe('feed: two users, live', () => {
  let t: TestServer;
  let alice: string;
  let bob: string;
  let carol: string;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    alice = await t.token('alice', 'customer', { name: 'Alice' });
    bob = await t.token('bob', 'customer', { name: 'Bob' });
    carol = await t.token('carol', 'customer', { name: 'Carol' });
    // A first authenticated call registers each user with their name.
    for (const token of [alice, bob, carol]) expect((await t.rest('GET', '/feed', { as: token })).status).toBe(200);
  });
  afterEach(() => t.close());

  it("shows each user the other's posts, likes and comments as they happen, by REST and by rpc", async () => {
    const a = await listen(t, alice);
    const b = await listen(t, bob);
    await a.follow('feed');
    await b.follow('feed');

    const created = await t.rest('POST', '/feed/posts', {
      as: alice,
      body: { text: '  Best thali in Bandra  ', imageUrl: 'https://img.example.com/thali.jpg' },
    });
    expect(created.status).toBe(201);
    const post = created.body as unknown as PostBody;
    expect(post).toMatchObject({
      authorId: 'alice',
      authorName: 'Alice',
      text: 'Best thali in Bandra',
      imageUrl: 'https://img.example.com/thali.jpg',
      likeCount: 0,
      commentCount: 0,
      likedByMe: false,
    });
    await waitUntil(() => b.of('feed:new_post').length === 1);
    const { likedByMe: _mine, ...announced } = post;
    expect(b.of('feed:new_post')[0]?.data).toEqual(announced);

    // Bob acts over the socket.
    const liked = await b.client.rpc('feed.like', { postId: post.id });
    expect(liked.data).toEqual({ postId: post.id, liked: true, likeCount: 1, changed: true });
    await waitUntil(() => a.of('feed:like').length === 1);
    expect(a.of('feed:like')[0]?.data).toMatchObject({ postId: post.id, userId: 'bob', liked: true, likeCount: 1 });

    const commented = await b.client.rpc('feed.comment', { postId: post.id, text: 'Going tonight!' });
    expect(commented.data).toMatchObject({
      postId: post.id,
      authorId: 'bob',
      authorName: 'Bob',
      text: 'Going tonight!',
    });
    await waitUntil(() => a.of('feed:comment').length === 1);
    expect(a.of('feed:comment')[0]?.data).toMatchObject({
      postId: post.id,
      commentCount: 1,
      comment: { authorName: 'Bob', text: 'Going tonight!' },
    });

    const second = await a.client.rpc('feed.post', { text: 'Mango lassi season' });
    const secondId = (second.data as PostBody).id;
    await waitUntil(() => b.of('feed:new_post').length === 2);
    expect(b.of('feed:new_post')[1]?.data).toMatchObject({ id: secondId, authorName: 'Alice', imageUrl: null });

    // Liking again changes nothing and announces nothing; unliking does.
    expect((await t.rest('POST', `/feed/posts/${post.id}/like`, { as: bob })).body).toMatchObject({
      liked: true,
      likeCount: 1,
      changed: false,
    });
    const unliked = await t.rest('DELETE', `/feed/posts/${post.id}/like`, { as: bob });
    expect(unliked.body).toEqual({ postId: post.id, liked: false, likeCount: 0, changed: true });
    await waitUntil(() => a.of('feed:like').length === 2);
    expect(a.of('feed:like')[1]?.data).toMatchObject({ userId: 'bob', liked: false, likeCount: 0 });

    // Alice likes her own post: Bob sees it; her view says she likes it, Bob's says he does not.
    await t.rest('POST', `/feed/posts/${post.id}/like`, { as: alice });
    await waitUntil(() => b.of('feed:like').length === 3);
    expect((await t.rest('GET', `/feed/posts/${post.id}`, { as: alice })).body).toMatchObject({
      likeCount: 1,
      commentCount: 1,
      likedByMe: true,
    });
    expect((await t.rest('GET', `/feed/posts/${post.id}`, { as: bob })).body).toMatchObject({ likedByMe: false });

    // Deleting takes the post, its likes and comments away, and says so.
    expect((await t.rest('DELETE', `/feed/posts/${post.id}`, { as: alice })).status).toBe(200);
    await waitUntil(() => b.of('feed:post_deleted').length === 1);
    expect(b.of('feed:post_deleted')[0]?.data).toMatchObject({ postId: post.id, deletedBy: 'alice' });
    expect((await t.rest('GET', `/feed/posts/${post.id}`, { as: bob })).status).toBe(404);
    const rest = await t.rest('GET', '/feed', { as: bob });
    expect((rest.body.posts as PostBody[]).map((p) => p.id)).toEqual([secondId]);
  });

  it('sends a follow to the followed user only; repeating it sends nothing; unfollowing is announced', async () => {
    const a = await listen(t, alice);
    const b = await listen(t, bob);

    const followed = await t.rest('POST', '/users/bob/follow', { as: carol });
    expect(followed.body).toEqual({ userId: 'bob', following: true, changed: true });
    await waitUntil(() => b.of('feed:follow').length === 1);
    expect(b.of('feed:follow')[0]).toMatchObject({
      channel: 'user:bob',
      data: { followerId: 'carol', followerName: 'Carol', userId: 'bob', following: true },
    });
    expect((await t.rest('POST', '/users/bob/follow', { as: carol })).body).toMatchObject({ changed: false });

    // Alice's own follow arrives after Bob's two were handled: she never saw his.
    await t.rest('POST', '/users/alice/follow', { as: carol });
    await waitUntil(() => a.of('feed:follow').length === 1);
    expect(a.of('feed:follow').map((r) => r.data.userId)).toEqual(['alice']);

    expect((await t.rest('DELETE', '/users/bob/follow', { as: carol })).body).toMatchObject({ changed: true });
    await waitUntil(() => b.of('feed:follow').length === 2);
    expect(b.of('feed:follow')[1]?.data).toMatchObject({ followerId: 'carol', following: false });
    expect(b.of('feed:follow')).toHaveLength(2);

    expect((await t.rest('POST', '/users/carol/follow', { as: carol })).body.error?.code).toBe('bad_request');
    const unknown = await t.rest('POST', '/users/nobody/follow', { as: carol });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('not_found');
  });

  it('pages posts newest first and comments oldest first with cursors; following=true narrows the feed', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const author = i % 5 === 0 ? carol : alice;
      ids.push(
        ((await t.rest('POST', '/feed/posts', { as: author, body: { text: `post ${i}` } })).body as { id: string }).id,
      );
    }
    const seen: PostBody[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const query: string = cursor ? `?limit=10&before=${cursor}` : '?limit=10';
      const page = await t.rest('GET', `/feed${query}`, { as: bob });
      expect(page.status).toBe(200);
      const posts = page.body.posts as PostBody[];
      sizes.push(posts.length);
      seen.push(...posts);
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(sizes).toEqual([10, 10, 5]);
    expect(new Set(seen.map((p) => p.id)).size).toBe(25);
    expect(seen.map((p) => p.id).sort()).toEqual([...ids].sort());
    const times = seen.map((p) => p.createdAt);
    expect(times).toEqual([...times].sort().reverse());

    // Bob follows Alice: his following feed has her 20 posts and his own, not Carol's.
    await t.rest('POST', '/users/alice/follow', { as: bob });
    await t.rest('POST', '/feed/posts', { as: bob, body: { text: 'mine' } });
    const following = await t.rest('GET', '/feed?following=true&limit=100', { as: bob });
    const authors = (following.body.posts as PostBody[]).map((p) => p.authorId);
    expect(authors).toHaveLength(21);
    expect(new Set(authors)).toEqual(new Set(['alice', 'bob']));

    const postId = ids[0] as string;
    const texts: string[] = [];
    for (let i = 0; i < 5; i++)
      await t.rest('POST', `/feed/posts/${postId}/comments`, { as: bob, body: { text: `c${i}` } });
    let after: string | null = null;
    do {
      const query: string = after ? `?limit=2&after=${after}` : '?limit=2';
      const page = await t.rest('GET', `/feed/posts/${postId}/comments${query}`, { as: alice });
      texts.push(...(page.body.comments as Array<{ text: string }>).map((c) => c.text));
      after = page.body.nextCursor as string | null;
    } while (after);
    expect(texts).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect((await t.rest('GET', `/feed/posts/${postId}`, { as: alice })).body.commentCount).toBe(5);

    const bad = await t.rest('GET', '/feed?before=not-a-cursor', { as: bob });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('validation_failed');
  });

  it("refuses what is not yours to do: 403 on deleting another's post or posting with the API key, 404 on unknown posts, 401 without a token", async () => {
    const admin = await t.token('adm', 'admin');
    const post = (await t.rest('POST', '/feed/posts', { as: alice, body: { text: 'hello' } })).body as { id: string };

    const denied = await t.rest('DELETE', `/feed/posts/${post.id}`, { as: bob });
    expect(denied.status).toBe(403);
    expect(denied.body.error?.code).toBe('forbidden');
    expect((await t.rest('GET', `/feed/posts/${post.id}`, { as: bob })).status).toBe(200);
    expect((await t.rest('DELETE', `/feed/posts/${post.id}`, { as: admin })).status).toBe(200);

    for (const [method, path] of [
      ['GET', '/feed/posts/missing'],
      ['DELETE', '/feed/posts/missing'],
      ['POST', '/feed/posts/missing/like'],
      ['DELETE', '/feed/posts/missing/like'],
      ['GET', '/feed/posts/missing/comments'],
    ] as const) {
      const reply = await t.rest(method, path, { as: bob });
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error?.code).toBe('not_found');
    }
    const comment = await t.rest('POST', '/feed/posts/missing/comments', { as: bob, body: { text: 'hi' } });
    expect(comment.status).toBe(404);

    expect((await t.rest('POST', '/feed/posts', { as: 'api', body: { text: 'from the backend' } })).status).toBe(403);
    expect((await t.rest('POST', '/feed/posts', { body: { text: 'anonymous' } })).status).toBe(401);
  });

  it('rejects bad input with validation_failed, over REST and rpc', async () => {
    const post = (await t.rest('POST', '/feed/posts', { as: alice, body: { text: 'hello' } })).body as { id: string };
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/feed/posts', { text: '   ' }, 'body.text'],
      ['POST', '/feed/posts', { text: 'x'.repeat(2001) }, 'body.text'],
      ['POST', '/feed/posts', { text: 'ok', imageUrl: 'javascript:alert(1)' }, 'body.imageUrl'],
      ['POST', '/feed/posts', { text: 'ok', imageUrl: 'ftp://files.example.com/a.jpg' }, 'body.imageUrl'],
      ['POST', '/feed/posts', { text: 42 }, 'body.text'],
      ['POST', `/feed/posts/${post.id}/comments`, { text: 'y'.repeat(1001) }, 'body.text'],
      ['POST', `/feed/posts/${post.id}/comments`, {}, 'body.text'],
    ];
    for (const [method, path, body, field] of cases) {
      const reply = await t.rest(method, path, { as: bob, body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error?.code).toBe('validation_failed');
      expect(reply.body.error?.message).toContain(field);
    }
    expect((await t.rest('POST', '/feed/posts', { as: bob, body: { text: 'x'.repeat(2000) } })).status).toBe(201);
    expect((await t.rest('GET', '/feed?limit=101', { as: bob })).status).toBe(400);

    const b = await listen(t, bob);
    expect(await rpcError(b.client, 'feed.post', {})).toMatchObject({ code: 107 });
    expect(await rpcError(b.client, 'feed.like', { postId: '' })).toMatchObject({ code: 107 });
    expect(await rpcError(b.client, 'feed.comment', { postId: post.id, text: 'z'.repeat(1001) })).toMatchObject({
      code: 107,
    });
    expect(await rpcError(b.client, 'feed.like', { postId: 'missing' })).toMatchObject({ code: 108 });
  });

  it('stores a retried post or comment once when it carries the same clientKey', async () => {
    const a = await listen(t, alice);
    await a.follow('feed');
    const body = { text: 'retry me', clientKey: 'k-1' };
    const [first, second] = await Promise.all([
      t.rest('POST', '/feed/posts', { as: alice, body }),
      t.rest('POST', '/feed/posts', { as: alice, body }),
    ]);
    expect(first.body.id).toBe(second.body.id);
    const postId = first.body.id as string;
    const comment = { text: 'once', clientKey: 'c-1' };
    const c1 = await a.client.rpc('feed.comment', { postId, ...comment });
    const c2 = await a.client.rpc('feed.comment', { postId, ...comment });
    expect((c1.data as { id: string }).id).toBe((c2.data as { id: string }).id);
    await waitUntil(() => a.of('feed:comment').length === 1);
    expect((await t.rest('GET', `/feed/posts/${postId}`, { as: alice })).body.commentCount).toBe(1);
    expect(a.of('feed:new_post')).toHaveLength(1);
    expect((await t.rest('GET', '/feed', { as: alice })).body.posts).toHaveLength(1);
  });
});
