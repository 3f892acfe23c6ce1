import type { z } from 'zod';
import type {
  chatMessageSchema,
  chatParticipantSchema,
  ConversationKind,
  ConversationStatus,
  OrderChatTopic,
} from '@dabba/protocol';
import type { Principal } from '../orders/order.js';

export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatParticipant = z.infer<typeof chatParticipantSchema>;

/** A participant as stored, with their read marker. */
export interface Membership {
  readonly userId: string;
  readonly role: ChatParticipant['role'];
  readonly joinedAt: string;
  readonly leftAt: string | null;
  readonly lastReadSeq: number;
  readonly lastReadMessageId: string | null;
}

export interface Conversation {
  readonly id: string;
  readonly kind: ConversationKind;
  readonly status: ConversationStatus;
  readonly orderId: string | null;
  readonly topic: OrderChatTopic | null;
  readonly subject: string | null;
  readonly createdBy: string;
  readonly agentId: string | null;
  readonly lastSeq: number;
  readonly lastMessageAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
}

/** A conversation with everyone who is or was in it. */
export interface ConversationWithMembers extends Conversation {
  readonly members: readonly Membership[];
}

/** Someone currently in the conversation (a driver taken off the order is not). */
export function activeMember(conversation: ConversationWithMembers, userId: string): Membership | undefined {
  return conversation.members.find((m) => m.userId === userId && m.leftAt === null);
}

/**
 * Who may read a conversation and follow its channel: its current participants; support staff
 * for support conversations (the queue and colleagues' cases); admins and the server API.
 */
export function canRead(principal: Principal, conversation: ConversationWithMembers): boolean {
  if (principal.role === 'admin' || principal.role === 'system') return true;
  if (principal.role === 'support' && conversation.kind === 'support') return true;
  return activeMember(conversation, principal.id) !== undefined;
}

/** Who may write (send, type, mark read): current participants only. Status is checked separately. */
export function isParticipant(principal: Principal, conversation: ConversationWithMembers): boolean {
  return activeMember(conversation, principal.id) !== undefined;
}
