import type { DabbaClient } from '@dabba/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  initialChatState,
  withMessages,
  withoutLapsedTyping,
  withPending,
  withRead,
  withTyping,
  type ChatMessage,
  type ChatState,
} from './chat-state.js';
import { useDabbaContext, useDabbaUserId, type DabbaContextValue } from './provider.js';
import { newId } from './ids.js';

export interface ChatOptions {
  /** Shortest gap between two `typing: true` sent while the user types, ms. Default 2000 (the server's indicator holds 5 s). */
  typingThrottleMs?: number;
  /** Messages per history page (1–100). Default 50. */
  historyPageSize?: number;
}

export interface Chat extends ChatState {
  /** User ids of the others typing now. */
  readonly typingUsers: readonly string[];
  /**
   * Sends a message through the outbox (kept while offline, applied once: its `clientMessageId`
   * makes a resend a no-op). Shown at once in `pending`; resolves with the stored message.
   */
  send(text: string): Promise<ChatMessage>;
  /** Call on every keystroke: sends `typing: true` at most once per `typingThrottleMs`. */
  typing(): void;
  /** The user stopped typing (input cleared, blurred): `typing: false` if a `true` went out. */
  stopTyping(): void;
  /** Moves the read marker to `messageId` (default: the newest message from someone else). */
  markRead(messageId?: string): void;
  /** Loads the page of messages before the oldest one shown. */
  loadOlder(): Promise<void>;
}

interface HistoryPage {
  messages: ChatMessage[];
  nextCursor: string | null;
}

interface ConversationInfo {
  readMarkers: Array<{ userId: string; lastReadSeq: number }>;
}

/**
 * One conversation, live: history (REST when the provider has it, else the `chat.history` rpc),
 * new messages, typing indicators, read markers. Follows `chat:{id}` while mounted; a resubscribe
 * that could not recover what it missed reloads the newest page.
 */
export function useChat(conversationId: string, options: ChatOptions = {}): Chat {
  const context = useDabbaContext();
  const { client } = context;
  const userId = useDabbaUserId();
  const typingThrottleMs = options.typingThrottleMs ?? 2000;
  const pageSize = options.historyPageSize ?? 50;
  const [state, setState] = useState<ChatState>(() => initialChatState(conversationId));
  const current = state.conversationId === conversationId ? state : initialChatState(conversationId);
  const stateRef = useRef(current);
  stateRef.current = current;

  const update = useCallback(
    (change: (state: ChatState) => ChatState): void =>
      setState((previous) =>
        change(previous.conversationId === conversationId ? previous : initialChatState(conversationId)),
      ),
    [conversationId],
  );

  useEffect(() => {
    let active = true;
    const abort = new AbortController();
    const guarded = (change: (state: ChatState) => ChatState): void => {
      if (active) update(change);
    };
    update(() => initialChatState(conversationId));
    const sub = client.subscribe(`chat:${conversationId}`);
    sub.on('chat:message', (message) => guarded((s) => withMessages(s, [message])));
    sub.on('chat:typing', (event) => guarded((s) => withTyping(s, event, Date.now())));
    sub.on('chat:read', (event) => guarded((s) => withRead(s, event.userId, event.lastReadSeq)));
    const load = async (): Promise<void> => {
      try {
        const [page, info] = await Promise.all([
          fetchHistory(context, conversationId, undefined, pageSize, abort.signal),
          fetchConversation(context, conversationId, abort.signal),
        ]);
        guarded((s) => {
          let next = withMessages(s, page.messages);
          for (const marker of info.readMarkers) next = withRead(next, marker.userId, marker.lastReadSeq);
          const olderCursor = s.history === 'loaded' ? s.olderCursor : page.nextCursor;
          return { ...next, history: 'loaded', olderCursor, error: undefined };
        });
      } catch (error) {
        guarded((s) => ({ ...s, history: s.history === 'loaded' ? 'loaded' : 'error', error: asError(error) }));
      }
    };
    // First subscribe, and every resubscribe that could not recover the gap: load the newest page.
    sub.onSubscribed((info) => {
      if (!info.recovered) void load();
    });
    return () => {
      active = false;
      abort.abort();
      sub.unsubscribe();
    };
  }, [client, context, conversationId, pageSize, update]);

  // Typing indicators lapse by themselves: clear each at its time.
  const nextLapse = Math.min(...Object.values(current.typingUntil));
  useEffect(() => {
    if (!Number.isFinite(nextLapse)) return;
    const timer = setTimeout(() => update((s) => withoutLapsedTyping(s, Date.now())), nextLapse - Date.now() + 1);
    return () => clearTimeout(timer);
  }, [nextLapse, update]);

  const lastTypingSent = useRef(0);
  const actions = useMemo(() => {
    const callQuietly = (method: string, data: Record<string, unknown>): void => {
      // Typing is ephemeral: not worth queueing while offline, and a lost one does no harm.
      if (client.state.status === 'connected') client.call(method, data).catch(() => undefined);
    };
    return {
      send: async (text: string): Promise<ChatMessage> => {
        const clientMessageId = newId();
        lastTypingSent.current = 0;
        update((s) =>
          withPending(s, { clientMessageId, text, createdAt: new Date().toISOString(), status: 'sending' }),
        );
        try {
          const message = (await client.send('chat.send', { conversationId, clientMessageId, text })) as ChatMessage;
          update((s) => withMessages(s, [message]));
          return message;
        } catch (error) {
          update((s) => ({
            ...s,
            pending: s.pending.map((p) =>
              p.clientMessageId === clientMessageId ? { ...p, status: 'failed', error: asError(error) } : p,
            ),
          }));
          throw error;
        }
      },
      typing: (): void => {
        const now = Date.now();
        if (now - lastTypingSent.current < typingThrottleMs) return;
        lastTypingSent.current = now;
        callQuietly('chat.typing', { conversationId, typing: true });
      },
      stopTyping: (): void => {
        if (lastTypingSent.current === 0) return;
        lastTypingSent.current = 0;
        callQuietly('chat.typing', { conversationId, typing: false });
      },
      markRead: (messageId?: string): void => {
        const s = stateRef.current;
        const target = messageId
          ? s.messages.find((m) => m.id === messageId)
          : s.messages.findLast((m) => m.senderId !== userId);
        if (!target || !userId || (s.readSeqs[userId] ?? 0) >= target.seq) return;
        update((next) => withRead(next, userId, target.seq));
        client.send('chat.read', { conversationId, messageId: target.id }).catch(() => undefined);
      },
      loadOlder: async (): Promise<void> => {
        const cursor = stateRef.current.olderCursor;
        if (cursor === null) return;
        const page = await fetchHistory(context, conversationId, cursor, pageSize);
        update((s) => ({ ...withMessages(s, page.messages), olderCursor: page.nextCursor }));
      },
    };
  }, [client, context, conversationId, pageSize, typingThrottleMs, update, userId]);

  const typingUsers = useMemo(
    () => Object.keys(current.typingUntil).filter((id) => id !== userId),
    [current.typingUntil, userId],
  );
  return { ...current, typingUsers, ...actions };
}

async function fetchHistory(
  context: DabbaContextValue,
  conversationId: string,
  before: string | undefined,
  limit: number,
  signal?: AbortSignal,
): Promise<HistoryPage> {
  if (context.rest) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) query.set('before', before);
    return context.rest.request<HistoryPage>(
      'GET',
      `/conversations/${encodeURIComponent(conversationId)}/messages?${query}`,
    );
  }
  const data: Record<string, unknown> = { conversationId, limit };
  if (before !== undefined) data.before = Number(before);
  return (await whenConnected(context.client, () => context.client.call('chat.history', data), signal)) as HistoryPage;
}

async function fetchConversation(
  context: DabbaContextValue,
  conversationId: string,
  signal?: AbortSignal,
): Promise<ConversationInfo> {
  if (context.rest) {
    return context.rest.request<ConversationInfo>('GET', `/conversations/${encodeURIComponent(conversationId)}`);
  }
  return (await whenConnected(
    context.client,
    () => context.client.call('chat.get', { conversationId }),
    signal,
  )) as ConversationInfo;
}

/** Runs `call` once the client is connected (rpc needs the connection); gives up when `signal` aborts. */
export async function whenConnected<T>(client: DabbaClient, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (client.state.status !== 'connected') {
    await new Promise<void>((resolve, reject) => {
      const stop = client.onState((next) => {
        if (next.status !== 'connected') return;
        finish();
        resolve();
      });
      const onAbort = (): void => {
        finish();
        reject(new Error('no longer needed'));
      };
      const finish = (): void => {
        stop();
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
    });
  }
  return call();
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
