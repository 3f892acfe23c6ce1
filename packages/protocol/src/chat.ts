import { z } from 'zod';
import { ROLES } from './roles.js';

/**
 * Chat: order conversations (customer ↔ kitchen, customer ↔ driver) and support conversations
 * (any user ↔ the support team). Every event below is published to `chat:{conversationId}`
 * unless its comment names another channel.
 */

const isoTime = z.string().datetime({ offset: true });

/** `order`: opened by the order's lifecycle; `support`: opened by a user, claimed by an agent. */
export const CONVERSATION_KINDS = ['order', 'support'] as const;
export type ConversationKind = (typeof CONVERSATION_KINDS)[number];

/** Which side of an order a conversation connects the customer with. */
export const ORDER_CHAT_TOPICS = ['kitchen', 'driver'] as const;
export type OrderChatTopic = (typeof ORDER_CHAT_TOPICS)[number];

/**
 * `queued`: a support conversation no agent has claimed yet; `open`: messages flow;
 * `closed`: read-only (the order ended, or the support case was resolved).
 */
export const CONVERSATION_STATUSES = ['queued', 'open', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** A support agent's availability, set by the agent. */
export const AGENT_STATUSES = ['online', 'away', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const chatParticipantSchema = z.object({
  userId: z.string(),
  role: z.enum([...ROLES, 'system']),
  name: z.string(),
});

export const chatMessageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  /** 1, 2, 3… within the conversation: the order of messages and the pagination cursor. */
  seq: z.number().int().positive(),
  /** The sender's own id for the message: a retried send with the same id is stored once. */
  clientMessageId: z.string(),
  senderId: z.string(),
  senderRole: z.enum([...ROLES, 'system']),
  senderName: z.string(),
  text: z.string(),
  createdAt: isoTime,
});

export const chatEvents = {
  /**
   * A conversation opened. Also published to `order:{orderId}` for order chats and to each
   * participant's `user:{id}` channel, so apps can show the chat button without polling.
   */
  'chat:opened': z.object({
    conversationId: z.string(),
    kind: z.enum(CONVERSATION_KINDS),
    topic: z.enum(ORDER_CHAT_TOPICS).nullable(),
    orderId: z.string().nullable(),
    subject: z.string().nullable(),
    participants: z.array(chatParticipantSchema),
    openedAt: isoTime,
  }),
  'chat:message': chatMessageSchema,
  /**
   * Someone is typing (or stopped). Ephemeral: never stored, never in the channel's history.
   * A `typing: true` holds for `expiresInMs` unless refreshed; clients clear it after that, or
   * on a `typing: false`, or on a `chat:message` from the same user.
   */
  'chat:typing': z.object({
    conversationId: z.string(),
    userId: z.string(),
    typing: z.boolean(),
    expiresInMs: z.number().int().nonnegative(),
    at: isoTime,
  }),
  /** A participant's read marker moved forward: everything up to `lastReadSeq` is read. */
  'chat:read': z.object({
    conversationId: z.string(),
    userId: z.string(),
    lastReadMessageId: z.string(),
    lastReadSeq: z.number().int().positive(),
    at: isoTime,
  }),
  /** Someone joined an order chat (a newly assigned driver) or a support chat (the claiming agent). */
  'chat:participant_joined': z.object({
    conversationId: z.string(),
    participant: chatParticipantSchema,
    at: isoTime,
  }),
  /** Someone left (a driver taken off the order); they no longer see the conversation. */
  'chat:participant_left': z.object({
    conversationId: z.string(),
    userId: z.string(),
    at: isoTime,
  }),
  /** The conversation became read-only. */
  'chat:closed': z.object({
    conversationId: z.string(),
    reason: z.enum(['order_ended', 'resolved']),
    closedBy: z.string().nullable(),
    at: isoTime,
  }),
  /** To `role:support`: a new support conversation waits for an agent. */
  'chat:queued': z.object({
    conversationId: z.string(),
    requester: chatParticipantSchema,
    subject: z.string(),
    queuedAt: isoTime,
  }),
  /** To `role:support` and `chat:{id}`: an agent took the conversation out of the queue. */
  'chat:claimed': z.object({
    conversationId: z.string(),
    agent: chatParticipantSchema,
    claimedAt: isoTime,
  }),
  /**
   * An agent's availability changed. To `role:support` (the team's view) and to `chat:{id}`
   * of every open conversation the agent holds (what the customer sees).
   */
  'chat:agent_status': z.object({
    agentId: z.string(),
    agentName: z.string(),
    status: z.enum(AGENT_STATUSES),
    at: isoTime,
  }),
} as const;
