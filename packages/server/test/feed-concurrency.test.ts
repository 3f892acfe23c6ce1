import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { listen } from './support/social.js';
import { waitUntil } from './support/wait.js';

const LIKERS = 30;

describe('feed counts under concurrency', () => {
  let t: TestServer;
  let postId: string;
  let tokens: string[];
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    const author = await t.token('author', 'customer');
    postId = ((await t.rest('POST', '/feed/posts', { as: author, body: { text: 'like me' } })).body as { id: string })
      .id;
    tokens = await Promise.all(Array.from({ length: LIKERS }, (_, i) => t.token(`liker-${i}`, 'customer')));
  });
  afterEach(() => t.close());

  it('counts 30 users liking at once exactly; every feed:like carries a distinct count', async () => {
    const watcher = await listen(t, await t.token('watcher', 'customer'));
    await watcher.follow('feed');

    const replies = await Promise.all(tokens.map((as) => t.rest('POST', `/feed/posts/${postId}/like`, { as })));
    expect(replies.map((r) => r.status)).toEqual(Array(LIKERS).fill(200));
    expect(replies.every((r) => r.body.changed === true)).toBe(true);
    // Each like saw the count its own increment made: 1…30, each once.
    expect(replies.map((r) => r.body.likeCount as number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: LIKERS }, (_, i) => i + 1),
    );
    expect((await t.rest('GET', `/feed/posts/${postId}`, { as: tokens[0] })).body.likeCount).toBe(LIKERS);

    await waitUntil(() => watcher.of('feed:like').length === LIKERS);
    const counts = watcher.of<{ likeCount: number }>('feed:like').map((r) => r.data.likeCount);
    expect(new Set(counts).size).toBe(LIKERS);
    expect(Math.max(...counts)).toBe(LIKERS);

    // And all at once again, the other way.
    const unliked = await Promise.all(tokens.map((as) => t.rest('DELETE', `/feed/posts/${postId}/like`, { as })));
    expect(unliked.every((r) => r.status === 200 && r.body.changed === true)).toBe(true);
    expect((await t.rest('GET', `/feed/posts/${postId}`, { as: tokens[0] })).body.likeCount).toBe(0);
  });

  it('counts one like when one user likes the same post five times at once, and one unlike likewise', async () => {
    const [as] = tokens as [string];
    const likes = await Promise.all(
      Array.from({ length: 5 }, () => t.rest('POST', `/feed/posts/${postId}/like`, { as })),
    );
    expect(likes.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(likes.filter((r) => r.body.changed === true)).toHaveLength(1);
    expect(likes.map((r) => r.body.likeCount)).toEqual([1, 1, 1, 1, 1]);
    expect((await t.rest('GET', `/feed/posts/${postId}`, { as })).body).toMatchObject({
      likeCount: 1,
      likedByMe: true,
    });

    const unlikes = await Promise.all(
      Array.from({ length: 5 }, () => t.rest('DELETE', `/feed/posts/${postId}/like`, { as })),
    );
    expect(unlikes.filter((r) => r.body.changed === true)).toHaveLength(1);
    expect((await t.rest('GET', `/feed/posts/${postId}`, { as })).body).toMatchObject({
      likeCount: 0,
      likedByMe: false,
    });
  });

  it('keeps likes and comments exact while the same users like, unlike and comment concurrently', async () => {
    // Even likers end liked, odd ones end unliked; everyone comments once on the way.
    const work = tokens.map(async (as, i) => {
      await t.rest('POST', `/feed/posts/${postId}/like`, { as });
      const comment = t.rest('POST', `/feed/posts/${postId}/comments`, { as, body: { text: `from ${i}` } });
      if (i % 2 === 1) await t.rest('DELETE', `/feed/posts/${postId}/like`, { as });
      expect((await comment).status).toBe(201);
    });
    await Promise.all(work);
    const post = await t.rest('GET', `/feed/posts/${postId}`, { as: tokens[0] });
    expect(post.body).toMatchObject({ likeCount: LIKERS / 2, commentCount: LIKERS });
    const comments = await t.rest('GET', `/feed/posts/${postId}/comments?limit=100`, { as: tokens[0] });
    expect(comments.body.comments).toHaveLength(LIKERS);
  });
});
