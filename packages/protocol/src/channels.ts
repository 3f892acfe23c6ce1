/**
 * Channel names: `namespace:rest`. A name without `:` belongs to the default namespace ''.
 */

/** Longest channel name accepted anywhere, in characters. */
export const MAX_CHANNEL_LENGTH = 255;

const CHANNEL_PATTERN = /^[A-Za-z0-9_\-.:@=/]+$/;

export interface ParsedChannel {
  readonly namespace: string;
  readonly rest: string;
}

/** Whether a string is a syntactically valid channel name. */
export function isValidChannel(channel: string): boolean {
  return channel.length > 0 && channel.length <= MAX_CHANNEL_LENGTH && CHANNEL_PATTERN.test(channel);
}

export function parseChannel(channel: string): ParsedChannel {
  const colon = channel.indexOf(':');
  if (colon === -1) return { namespace: '', rest: channel };
  return { namespace: channel.slice(0, colon), rest: channel.slice(colon + 1) };
}

/** Builders for the channels every Dabba deployment has. */
export const channels = {
  user: (userId: string): string => `user:${userId}`,
  role: (role: string): string => `role:${role}`,
  order: (orderId: string): string => `order:${orderId}`,
  tracking: (orderId: string): string => `tracking:${orderId}`,
  store: (storeId: string): string => `store:${storeId}`,
  chat: (conversationId: string): string => `chat:${conversationId}`,
  /** Every store's availability, stock, price and flash sales. */
  catalog: 'catalog',
  feed: 'feed',
  leaderboard: 'leaderboard',
} as const;

/** Top-level channels (namespace '') that any authenticated user may follow. */
export const PUBLIC_CHANNELS: ReadonlySet<string> = new Set([channels.catalog, channels.feed, channels.leaderboard]);
