import { z } from 'zod';
import { channels } from '@dabba/protocol';
import { inbound, type InboundHandler } from './inbound.js';
import { ackFields, callRpc, ensureFollowing } from './rpc-call.js';

/** The rpc method validates the fields (the same messages as REST); here only "an object". */
const fields = z.record(z.string(), z.unknown());
/** Seed 004 sends `subscribe:feed` bare and `subscribe:leaderboard` with `{period}`: one board here. */
const anything = z.unknown();

/**
 * Seed 004's feed and leaderboard on `/app`. `subscribe:feed` follows `feed` (`feed:new_post`,
 * `feed:like`, `feed:comment`, `feed:post_deleted`); `subscribe:leaderboard` follows
 * `leaderboard` (`leaderboard:update`). `feed:follow`, `leaderboard:rank_change` and
 * `leaderboard:achievement` come on the user's own channel, which every `/app` socket follows.
 * Feed actions go through the feed service's rpc methods and answer what REST answers.
 */
export const appSocialHandlers: Readonly<Record<string, InboundHandler>> = {
  'subscribe:feed': inbound(anything, async (bridge) => {
    await ensureFollowing(bridge, channels.feed);
  }),
  'unsubscribe:feed': inbound(anything, async (bridge) => {
    await bridge.unfollow(channels.feed);
  }),
  'feed:post': inbound(fields, async (bridge, post) => ({ post: await callRpc(bridge, 'feed.post', post) })),
  'feed:like': inbound(fields, async (bridge, like) => ackFields(await callRpc(bridge, 'feed.like', like))),
  'feed:comment': inbound(fields, async (bridge, comment) => ({
    comment: await callRpc(bridge, 'feed.comment', comment),
  })),
  'feed:follow': inbound(fields, async (bridge, follow) => ackFields(await callRpc(bridge, 'feed.follow', follow))),
  'subscribe:leaderboard': inbound(anything, async (bridge) => {
    await ensureFollowing(bridge, channels.leaderboard);
  }),
  'unsubscribe:leaderboard': inbound(anything, async (bridge) => {
    await bridge.unfollow(channels.leaderboard);
  }),
};
