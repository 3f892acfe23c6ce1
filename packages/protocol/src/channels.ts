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
} as const;
