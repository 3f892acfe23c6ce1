import type { EventName } from '@dabba/protocol';

/** One channel kind of the hub, as the AsyncAPI document lists it. */
export interface ChannelDoc {
  /** The channel name, with `{parameters}`. */
  readonly address: string;
  readonly description: string;
  readonly parameters?: Readonly<Record<string, string>>;
  /** The catalog events published on it. */
  readonly events: readonly EventName[];
}

const STORE_EVENTS = [
  'store:updated',
  'store:availability_changed',
  'product:updated',
  'product:availability_changed',
  'product:stock_update',
  'product:price_update',
  'store:flash_sale',
] as const satisfies readonly EventName[];

/**
 * Where the domain publishes each catalog event (DESIGN.md "Channels", docs/orders.md, chat.md,
 * commerce.md, social.md). A test checks every catalog event is listed somewhere.
 */
export const CHANNEL_DOCS: Readonly<Record<string, ChannelDoc>> = {
  user: {
    address: 'user:{userId}',
    description:
      'One user (all their connections): notifications, new orders for chefs, assignments for drivers, cart sync, follows and ranks. Only that user may subscribe; durable history.',
    parameters: { userId: 'the token subject' },
    events: [
      'notification',
      'order:new',
      'driver:new_assignment',
      'driver:unassigned',
      'chat:opened',
      'cart:sync',
      'cart:item_reserved',
      'cart:item_released',
      'feed:follow',
      'leaderboard:rank_change',
      'leaderboard:achievement',
    ],
  },
  role: {
    address: 'role:{role}',
    description:
      'Everyone with a role: the support desk (queued and claimed conversations, agent status). Users with that role.',
    parameters: { role: 'customer, chef, driver, support or admin' },
    events: ['chat:queued', 'chat:claimed', 'chat:agent_status'],
  },
  order: {
    address: 'order:{orderId}',
    description:
      "One order: status updates, ETA, driver assignment, chat opened. The order's customer, chef, assigned driver, support and admin; history for the order's life.",
    parameters: { orderId: 'the order id' },
    events: ['order:status_update', 'order:driver_assigned', 'order:eta_update', 'chat:opened'],
  },
  tracking: {
    address: 'tracking:{orderId}',
    description:
      'The driver position of one order, latest value only (a snapshot on subscribe). Like the order, a driver only while assigned and the order is live.',
    parameters: { orderId: 'the order id' },
    events: ['driver:location_update'],
  },
  store: {
    address: 'store:{storeId}',
    description:
      "One store's availability, products, stock, prices and flash sales. Any authenticated user; short history.",
    parameters: { storeId: 'the store id' },
    events: STORE_EVENTS,
  },
  catalog: {
    address: 'catalog',
    description: 'The same envelopes as store:{storeId}, for every store. Any authenticated user; short history.',
    events: STORE_EVENTS,
  },
  chat: {
    address: 'chat:{conversationId}',
    description:
      'One conversation (order chat or support): messages, typing (not kept), read receipts, participants, agent status. Its participants; durable history.',
    parameters: { conversationId: 'the conversation id' },
    events: [
      'chat:message',
      'chat:typing',
      'chat:read',
      'chat:participant_joined',
      'chat:participant_left',
      'chat:closed',
      'chat:claimed',
      'chat:agent_status',
    ],
  },
  feed: {
    address: 'feed',
    description: 'Posts, likes, comments. Any authenticated user; short history.',
    events: ['feed:new_post', 'feed:like', 'feed:comment', 'feed:post_deleted'],
  },
  leaderboard: {
    address: 'leaderboard',
    description: 'The top of the leaderboard whenever it changes (coalesced). Any authenticated user; short history.',
    events: ['leaderboard:update'],
  },
};
