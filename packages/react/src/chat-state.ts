import type { EventData } from '@dabba/protocol';

export type ChatMessage = EventData<'chat:message'>;

/** A message of ours on its way: shown at once, replaced by the stored message when it arrives. */
export interface PendingMessage {
  readonly clientMessageId: string;
  readonly text: string;
  /** ISO time it was written. */
  readonly createdAt: string;
  /** `sending`: in the outbox (kept while offline); `failed`: the server refused it. */
  readonly status: 'sending' | 'failed';
  readonly error?: Error | undefined;
}

export interface ChatState {
  readonly conversationId: string;
  /** Stored messages, oldest first, each once. */
  readonly messages: readonly ChatMessage[];
  /** Ours, not stored yet, in the order written. */
  readonly pending: readonly PendingMessage[];
  /** Who else is typing now: user id → when the indicator lapses (ms since the epoch). */
  readonly typingUntil: Readonly<Record<string, number>>;
  /** Each participant's read marker: user id → the last `seq` they read. */
  readonly readSeqs: Readonly<Record<string, number>>;
  /** The latest history page: `loading` until it arrived. */
  readonly history: 'loading' | 'loaded' | 'error';
  /** `before` cursor for older messages; null when the oldest is loaded. */
  readonly olderCursor: string | null;
  readonly error: Error | undefined;
}

export function initialChatState(conversationId: string): ChatState {
  return {
    conversationId,
    messages: [],
    pending: [],
    typingUntil: {},
    readSeqs: {},
    history: 'loading',
    olderCursor: null,
    error: undefined,
  };
}

/** Adds stored messages (live or from history): sorted by `seq`, each once, their pending copies dropped. */
export function withMessages(state: ChatState, incoming: readonly ChatMessage[]): ChatState {
  if (incoming.length === 0) return state;
  const byId = new Map(state.messages.map((m) => [m.id, m]));
  for (const message of incoming) byId.set(message.id, message);
  const messages = [...byId.values()].sort((a, b) => a.seq - b.seq);
  const stored = new Set(incoming.map((m) => m.clientMessageId));
  const pending = state.pending.filter((p) => !stored.has(p.clientMessageId));
  // A message from someone ends their typing indicator.
  const typingUntil = { ...state.typingUntil };
  for (const message of incoming) delete typingUntil[message.senderId];
  return { ...state, messages, pending, typingUntil };
}

export function withPending(state: ChatState, pending: PendingMessage): ChatState {
  const others = state.pending.filter((p) => p.clientMessageId !== pending.clientMessageId);
  // Stored already (its event came before the reply): nothing pending.
  if (state.messages.some((m) => m.clientMessageId === pending.clientMessageId)) return state;
  return { ...state, pending: [...others, pending] };
}

export function withTyping(state: ChatState, event: EventData<'chat:typing'>, now: number): ChatState {
  const typingUntil = { ...state.typingUntil };
  if (event.typing && event.expiresInMs > 0) typingUntil[event.userId] = now + event.expiresInMs;
  else delete typingUntil[event.userId];
  return { ...state, typingUntil };
}

/** Drops typing indicators that lapsed by `now`. */
export function withoutLapsedTyping(state: ChatState, now: number): ChatState {
  const entries = Object.entries(state.typingUntil);
  const kept = entries.filter(([, until]) => until > now);
  return kept.length === entries.length ? state : { ...state, typingUntil: Object.fromEntries(kept) };
}

export function withRead(state: ChatState, userId: string, seq: number): ChatState {
  if ((state.readSeqs[userId] ?? 0) >= seq) return state;
  return { ...state, readSeqs: { ...state.readSeqs, [userId]: seq } };
}
