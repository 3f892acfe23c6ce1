import type { Hub } from '../../hub/hub.js';
import type { RpcContext } from '../../hub/rpc.js';
import type { Principal } from '../orders/order.js';
import type { UserDirectory } from '../users.js';
import { parseRpcData } from '../../hub/rpc.js';
import { commentRpcSchema, followRpcSchema, likeRpcSchema, postRpcSchema } from './feed-input.js';
import type { FeedService } from './feed-service.js';

/**
 * Native-protocol rpc for what a client does in the feed: `feed.post` ({text, imageUrl?,
 * clientKey?}), `feed.comment` ({postId, text, clientKey?}), `feed.like` ({postId, liked?}),
 * `feed.follow` ({userId, following?}). They answer what the matching REST routes answer.
 */
export function registerFeedRpc(hub: Hub, feed: FeedService, users: UserDirectory): void {
  const principalOf = async (context: RpcContext): Promise<Principal> => {
    // A client may act over the socket before it ever calls REST: its name comes from its token.
    await users.ensure(context.claims);
    return { id: context.claims.sub, role: context.claims.role };
  };
  hub.rpc.register('feed.post', async (context, data) =>
    feed.createPost(await principalOf(context), parseRpcData(postRpcSchema, data)),
  );
  hub.rpc.register('feed.comment', async (context, data) => {
    const { postId, ...comment } = parseRpcData(commentRpcSchema, data);
    return feed.addComment(await principalOf(context), postId, comment);
  });
  hub.rpc.register('feed.like', async (context, data) => {
    const { postId, liked } = parseRpcData(likeRpcSchema, data);
    return feed.setLiked(await principalOf(context), postId, liked);
  });
  hub.rpc.register('feed.follow', async (context, data) => {
    const { userId, following } = parseRpcData(followRpcSchema, data);
    return feed.setFollowing(await principalOf(context), userId, following);
  });
}
