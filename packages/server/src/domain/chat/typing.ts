import { channels } from '@dabba/protocol';
import { domainEvent } from '../events.js';
import type { Principal } from '../orders/order.js';
import type { ChatDeps } from './chat-context.js';

export interface TypingResult {
  /** False when the indicator was throttled or repeated a state already announced. */
  forwarded: boolean;
  /** How long a forwarded `typing: true` holds unless refreshed, ms. */
  expiresInMs: number;
}

interface TypingState {
  /** When a `typing: true` was last forwarded, ms. */
  startedAtMs: number;
  /** Whether the last forwarded indicator said typing. */
  typing: boolean;
}

/**
 * Typing indicators: published live to `chat:{id}` and nowhere else (not stored, not in the
 * channel's history: `ephemeral`). Per user per conversation, at most one `typing: true` is
 * forwarded per `typingThrottleMs`; a `typing: false` is forwarded only after a forwarded
 * `true`. An indicator expires by itself: `typing: true` carries `expiresInMs`, after which
 * clients clear it unless it was refreshed — so a client that vanishes mid-sentence leaves no
 * indicator stuck, on any node, without a server timer per typist. A sent message ends the
 * sender's indicator too (clients clear it on their `chat:message`).
 *
 * The throttle state is per node: a user typing through two nodes at once could get two
 * indicators a second forwarded.
 */
export class TypingRelay {
  private readonly states = new Map<string, TypingState>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(private readonly deps: ChatDeps) {
    // Forget typists whose indicator has long expired; keeps the map as small as the live typists.
    this.sweepTimer = setInterval(() => this.sweep(Date.now()), Math.max(1_000, deps.options.typingExpiresInMs));
    this.sweepTimer.unref();
  }

  async relay(principal: Principal, conversationId: string, typing: boolean): Promise<TypingResult> {
    const { typingThrottleMs, typingExpiresInMs } = this.deps.options;
    const key = stateKey(conversationId, principal.id);
    const now = Date.now();
    const state = this.states.get(key);
    const result = (forwarded: boolean): TypingResult => ({ forwarded, expiresInMs: typingExpiresInMs });
    if (typing && state && now - state.startedAtMs < typingThrottleMs) return result(false);
    if (!typing && !state?.typing) return result(false);
    this.states.set(key, { startedAtMs: typing ? now : (state?.startedAtMs ?? 0), typing });
    const event = domainEvent(channels.chat(conversationId), 'chat:typing', {
      conversationId,
      userId: principal.id,
      typing,
      expiresInMs: typing ? typingExpiresInMs : 0,
      at: new Date(now).toISOString(),
    });
    await this.deps.hub.publish(
      event.channel,
      { id: event.id, type: event.type, data: event.data },
      { ephemeral: true },
    );
    return result(true);
  }

  /** The user's message ended their indicator; the throttle window still holds. */
  sent(conversationId: string, userId: string): void {
    const state = this.states.get(stateKey(conversationId, userId));
    if (state) state.typing = false;
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }

  private sweep(now: number): void {
    const horizon = Math.max(this.deps.options.typingExpiresInMs, this.deps.options.typingThrottleMs);
    for (const [key, state] of this.states) if (now - state.startedAtMs > horizon) this.states.delete(key);
  }
}

function stateKey(conversationId: string, userId: string): string {
  return `${conversationId}\u0000${userId}`;
}
