import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { channels } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import { domainEvent, type OutgoingEvent } from '../events.js';
import type { Principal } from '../orders/order.js';
import { commit, isUniqueViolation, loadReadable, userNames, type ChatDeps } from './chat-context.js';
import { checkMessageText, type HistoryInput, type ListQuery, type ReadInput, type SendInput } from './chat-input.js';
import * as repo from './chat-repository.js';
import { activeMember, type ChatMessage, type ConversationWithMembers } from './conversation.js';
import { summaryOf, viewOf, type ConversationSummary, type ConversationView } from './conversation-view.js';
import { SupportDesk } from './support-desk.js';
import { TypingRelay, type TypingResult } from './typing.js';

/** Longest message excerpt a notification carries, characters. */
const NOTIFICATION_EXCERPT_LENGTH = 140;

export interface MessagePage {
  /** Oldest first. */
  messages: ChatMessage[];
  /** Pass as `before` for the older page; null when there is none. */
  nextCursor: string | null;
}

export interface ReadResult {
  conversationId: string;
  lastReadSeq: number;
  lastReadMessageId: string | null;
  unreadCount: number;
}

/**
 * Chat, whichever face a client uses: REST, the native rpc and the Socket.IO namespaces all call
 * these methods with a Principal and the same input objects (chat-input.ts), and get the same
 * errors. Messages and read markers are stored and announced in one transaction (outbox);
 * typing goes live only (TypingRelay); support queue and agents are in SupportDesk.
 */
export class ChatService {
  readonly support: SupportDesk;
  private readonly typingRelay: TypingRelay;

  constructor(private readonly deps: ChatDeps) {
    this.support = new SupportDesk(deps, (trx, principal, conversationId, input) =>
      this.storeMessage(trx, principal, conversationId, input, new Set()),
    );
    this.typingRelay = new TypingRelay(deps);
  }

  /** The caller's conversations, most recently active first, each with its unread count. */
  async list(
    principal: Principal,
    query: ListQuery,
  ): Promise<{ conversations: ConversationSummary[]; nextCursor: string | null }> {
    const rows = await repo.listForUser(this.deps.db, principal.id, query);
    const last = rows.at(-1);
    return {
      conversations: rows.map((r) => summaryOf(r.conversation, r.unreadCount, r.lastReadSeq)),
      nextCursor: rows.length === query.limit && last ? last.conversation.updatedAt : null,
    };
  }

  async get(principal: Principal, id: string): Promise<ConversationView> {
    return viewOf(this.deps.db, principal, await loadReadable(this.deps.db, principal, id));
  }

  /** One page of history, newest page first; within a page oldest first. */
  async history(principal: Principal, input: HistoryInput): Promise<MessagePage> {
    await loadReadable(this.deps.db, principal, input.conversationId);
    const newestFirst = await repo.listMessages(this.deps.db, input.conversationId, {
      beforeSeq: input.before,
      limit: input.limit + 1,
    });
    const more = newestFirst.length > input.limit;
    const page = newestFirst.slice(0, input.limit).reverse();
    return { messages: page, nextCursor: more && page[0] ? String(page[0].seq) : null };
  }

  /**
   * Stores and announces a message. A retry with the same `clientMessageId` returns the stored
   * message and publishes nothing (a different text under the same id is `idempotency_conflict`).
   * Participants who are not following the conversation's channel get a notification.
   */
  async send(principal: Principal, input: SendInput): Promise<ChatMessage> {
    const text = checkMessageText(input.text, this.deps.options.maxMessageLength);
    const conversation = await this.writable(principal, input.conversationId);
    const earlier = await this.earlier(principal, input);
    if (earlier) return earlier;
    // Read before the transaction: presence lives in the engine, and SQLite has one connection.
    const watching = await this.watchers(conversation.id);
    try {
      const message = await commit(this.deps, (trx) =>
        this.storeMessage(trx, principal, conversation.id, { clientMessageId: input.clientMessageId, text }, watching),
      );
      this.typingRelay.sent(conversation.id, principal.id);
      return message;
    } catch (error) {
      // The same send raced itself: the other one stored it.
      if (isUniqueViolation(error)) {
        const stored = await this.earlier(principal, input);
        if (stored) return stored;
      }
      throw error;
    }
  }

  /** Moves the caller's read marker forward to a message (never back) and announces it. */
  async markRead(principal: Principal, input: ReadInput): Promise<ReadResult> {
    const conversation = await loadReadable(this.deps.db, principal, input.conversationId);
    const me = activeMember(conversation, principal.id);
    if (!me) throw new DabbaError('forbidden', 'only participants keep a read marker');
    const message = await repo.findMessage(this.deps.db, conversation.id, input.messageId);
    if (!message) throw new DabbaError('not_found', `no message ${input.messageId} in this conversation`);
    const at = new Date().toISOString();
    await commit(this.deps, async (trx) => {
      const moved = await repo.moveReadMarker(trx, conversation.id, principal.id, message);
      const events = moved
        ? [
            domainEvent(channels.chat(conversation.id), 'chat:read', {
              conversationId: conversation.id,
              userId: principal.id,
              lastReadMessageId: message.id,
              lastReadSeq: message.seq,
              at,
            }),
          ]
        : [];
      return { result: moved, events };
    });
    const after = await repo.findConversation(this.deps.db, conversation.id);
    const marker = after && activeMember(after, principal.id);
    const lastReadSeq = marker?.lastReadSeq ?? message.seq;
    return {
      conversationId: conversation.id,
      lastReadSeq,
      lastReadMessageId: marker?.lastReadMessageId ?? message.id,
      unreadCount: await repo.unreadCount(this.deps.db, conversation.id, principal.id, lastReadSeq),
    };
  }

  /** Relays a typing indicator (ephemeral, throttled): see TypingRelay. */
  async typing(principal: Principal, input: { conversationId: string; typing: boolean }): Promise<TypingResult> {
    const conversation = await this.writable(principal, input.conversationId);
    return this.typingRelay.relay(principal, conversation.id, input.typing);
  }

  close(): void {
    this.typingRelay.close();
  }

  /** A conversation the principal may write to: a participant's, and not closed. */
  private async writable(principal: Principal, id: string): Promise<ConversationWithMembers> {
    const conversation = await loadReadable(this.deps.db, principal, id);
    if (!activeMember(conversation, principal.id)) {
      throw new DabbaError('forbidden', 'only the conversation’s participants may write to it');
    }
    if (conversation.status === 'closed') throw new DabbaError('chat_closed', 'this conversation is read-only now');
    return conversation;
  }

  private async earlier(principal: Principal, input: SendInput): Promise<ChatMessage | undefined> {
    const stored = await repo.findMessageByClientId(
      this.deps.db,
      input.conversationId,
      principal.id,
      input.clientMessageId,
    );
    if (stored && stored.text !== input.text) {
      throw new DabbaError('idempotency_conflict', 'clientMessageId was already used for a different message', {
        details: { messageId: stored.id },
      });
    }
    return stored;
  }

  /** Users following the conversation's channel right now, on any node (the engine's presence). */
  private async watchers(conversationId: string): Promise<Set<string>> {
    try {
      const present = await this.deps.hub.presence(channels.chat(conversationId));
      return new Set(Object.values(present).map((info) => info.user));
    } catch (error) {
      // Without presence everyone is notified: a duplicate nudge beats a missed message.
      this.deps.logger.warn({ err: error }, 'chat presence unavailable; notifying every participant');
      return new Set();
    }
  }

  /** Inside a transaction: the next seq, the message row, and its envelopes. */
  private async storeMessage(
    trx: Transaction<Database>,
    principal: Principal,
    conversationId: string,
    input: { clientMessageId: string; text: string },
    watching: ReadonlySet<string>,
  ): Promise<{ result: ChatMessage; events: OutgoingEvent[] }> {
    const at = new Date().toISOString();
    const seq = await repo.nextSeq(trx, conversationId, at);
    if (seq === undefined) throw new DabbaError('chat_closed', 'this conversation is read-only now');
    const conversation = await repo.findConversation(trx, conversationId);
    const names = await userNames(trx, [principal.id]);
    const message: ChatMessage = {
      id: randomUUID(),
      conversationId,
      seq,
      clientMessageId: input.clientMessageId,
      senderId: principal.id,
      senderRole: principal.role,
      senderName: names.get(principal.id) ?? principal.id,
      text: input.text,
      createdAt: at,
    };
    await repo.insertMessage(trx, message);
    const events: OutgoingEvent[] = [domainEvent(channels.chat(conversationId), 'chat:message', message)];
    for (const member of conversation?.members ?? []) {
      if (member.leftAt !== null || member.userId === principal.id || watching.has(member.userId)) continue;
      events.push(
        await this.deps.notifications.create(trx, member.userId, {
          type: 'chat_message',
          title: `New message from ${message.senderName}`,
          body: excerpt(message.text),
          data: {
            conversationId,
            messageId: message.id,
            ...(conversation?.orderId ? { orderId: conversation.orderId } : {}),
          },
        }),
      );
    }
    return { result: message, events };
  }
}

function excerpt(text: string): string {
  const points = [...text];
  return points.length <= NOTIFICATION_EXCERPT_LENGTH
    ? text
    : `${points.slice(0, NOTIFICATION_EXCERPT_LENGTH - 1).join('')}…`;
}
