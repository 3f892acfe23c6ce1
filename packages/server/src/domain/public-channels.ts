import { PUBLIC_CHANNELS } from '@dabba/protocol';
import type { Hub } from '../hub/hub.js';

const MINUTE_MS = 60_000;

/**
 * `catalog`, `feed` and `leaderboard` live in the default namespace '': any authenticated user
 * may follow them; every other name without a namespace stays denied. Short history, enough to
 * recover a brief disconnect; a longer gap refetches over REST.
 */
export function registerPublicChannels(hub: Hub): void {
  hub.namespaces.define('', { historySize: 200, historyTtlMs: 10 * MINUTE_MS });
  hub.authorization.set('', (_claims, channel) => PUBLIC_CHANNELS.has(channel));
}
