import { createHash } from 'node:crypto';
import { z } from 'zod';
import { claimsSchema } from '@dabba/protocol';
import type { Hub } from '../../hub/hub.js';
import type { Logger } from '../../logger.js';
import { journalStateSchema } from './journal.js';

/**
 * Hub namespace whose channels hold one saved session each. It has no authorizer, so no client
 * can follow or read it; only this face publishes to it.
 */
export const SESSION_NAMESPACE = 'socketio-session';

const SESSION_EVENT_TYPE = 'socketio:session';

export const savedSessionSchema = z.object({
  /** The socket's public id, which the recovered socket keeps. */
  sid: z.string().min(1).max(64),
  /**
   * Whose session it is, as the token said when it was saved: replayed channels are authorized
   * again with these claims, and a reconnect with another user's token is refused.
   */
  claims: claimsSchema,
  journal: journalStateSchema,
  savedAtMs: z.number().int().nonnegative(),
});

export type SavedSession = z.infer<typeof savedSessionSchema>;

/**
 * Saved Socket.IO sessions (a socket's channels and stream positions), kept in the engine as
 * the one publication of a private hub channel whose history lives as long as the recovery
 * window. With the Redis engine a client therefore recovers on any node.
 */
export class SessionStore {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly hub: Hub,
    private readonly windowMs: number,
    private readonly logger: Logger,
  ) {
    hub.namespaces.define(SESSION_NAMESPACE, { historySize: 1, historyTtlMs: windowMs });
  }

  /** Starts saving; `load` of the same session waits for it. */
  save(namespace: string, pid: string, session: SavedSession): void {
    const channel = sessionChannel(namespace, pid);
    const write = this.hub
      .publish(channel, { type: SESSION_EVENT_TYPE, data: session })
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error({ err: error }, 'saving a socket.io session failed'))
      .finally(() => {
        if (this.pending.get(channel) === write) this.pending.delete(channel);
      });
    this.pending.set(channel, write);
  }

  /** The session saved under `pid` within the window, if any. */
  async load(namespace: string, pid: string): Promise<SavedSession | undefined> {
    const channel = sessionChannel(namespace, pid);
    await this.pending.get(channel);
    const history = await this.hub.history(channel, { limit: 1, reverse: true });
    const parsed = savedSessionSchema.safeParse(history.publications[0]?.envelope.data);
    if (!parsed.success || Date.now() - parsed.data.savedAtMs > this.windowMs) return undefined;
    return parsed.data;
  }

  /** Resolves once every save started so far is written (before the engine closes). */
  async flush(): Promise<void> {
    await Promise.all(this.pending.values());
  }
}

/** The private session id never appears in a channel name, only its hash. */
function sessionChannel(namespace: string, pid: string): string {
  const digest = createHash('sha256').update(`${namespace}\n${pid}`).digest('base64url');
  return `${SESSION_NAMESPACE}:${digest}`;
}
