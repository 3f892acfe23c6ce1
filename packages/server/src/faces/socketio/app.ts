import { channels } from '@dabba/protocol';
import { appChatHandlers } from './app-chat.js';
import { appCommerceHandlers } from './app-commerce.js';
import { appSocialHandlers } from './app-social.js';
import { appVocabulary } from './app-vocabulary.js';
import type { NamespaceSpec } from './namespace-spec.js';
import { realtimeNamespace } from './realtime.js';

/**
 * `/app`, seed 004's SocketContext: chat, feed, leaderboard, cart sync, store and product
 * subscriptions, and order tracking, in one namespace. A socket follows `user:{sub}` (cart,
 * rank changes, achievements, follows, chats opened, notifications, its orders' events) and
 * `role:{role}`; everything else is asked for with `subscribe:*`. Orders are subscribed as on
 * `/realtime` (the same handlers).
 */
export const appNamespace: NamespaceSpec = {
  name: '/app',
  vocabulary: appVocabulary,
  initialChannels: (claims) => [channels.user(claims.sub), channels.role(claims.role)],
  handlers: {
    'subscribe:order': realtimeNamespace.handlers['subscribe:order'] as NamespaceSpec['handlers'][string],
    'unsubscribe:order': realtimeNamespace.handlers['unsubscribe:order'] as NamespaceSpec['handlers'][string],
    ...appChatHandlers,
    ...appSocialHandlers,
    ...appCommerceHandlers,
  },
};
