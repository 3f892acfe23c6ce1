import type { Kysely } from 'kysely';
import type { AgentStatus } from '@dabba/protocol';
import type { Database } from '../../store/schema.js';
import type { Principal } from '../orders/order.js';
import { participantsOf, userNames } from './chat-context.js';
import { agentStatus, unreadCount } from './chat-repository.js';
import { activeMember, type ChatParticipant, type Conversation, type ConversationWithMembers } from './conversation.js';

/** A conversation as a client sees it (REST `GET /conversations/:id`, rpc replies). */
export interface ConversationView {
  id: string;
  kind: Conversation['kind'];
  status: Conversation['status'];
  /** Closed: history stays readable, nothing can be sent. */
  readOnly: boolean;
  orderId: string | null;
  topic: Conversation['topic'];
  subject: string | null;
  participants: ChatParticipant[];
  /** The claiming agent of a support conversation, with their availability. */
  agent: { id: string; name: string; status: AgentStatus } | null;
  /** Every participant's read marker: what each has read. */
  readMarkers: Array<{ userId: string; lastReadSeq: number; lastReadMessageId: string | null }>;
  /** The caller's unread messages (from others, after their marker); 0 for non-participants. */
  unreadCount: number;
  lastSeq: number;
  lastMessageAt: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** A row of `GET /conversations`: the view's headline fields, and the caller's read marker. */
export type ConversationSummary = Pick<
  ConversationView,
  | 'id'
  | 'kind'
  | 'status'
  | 'readOnly'
  | 'orderId'
  | 'topic'
  | 'subject'
  | 'unreadCount'
  | 'lastSeq'
  | 'lastMessageAt'
  | 'updatedAt'
> & { lastReadSeq: number };

export function summaryOf(conversation: Conversation, unread: number, lastReadSeq: number): ConversationSummary {
  return {
    id: conversation.id,
    kind: conversation.kind,
    status: conversation.status,
    readOnly: conversation.status === 'closed',
    orderId: conversation.orderId,
    topic: conversation.topic,
    subject: conversation.subject,
    unreadCount: unread,
    lastReadSeq,
    lastSeq: conversation.lastSeq,
    lastMessageAt: conversation.lastMessageAt,
    updatedAt: conversation.updatedAt,
  };
}

export async function viewOf(
  db: Kysely<Database>,
  principal: Principal,
  conversation: ConversationWithMembers,
): Promise<ConversationView> {
  const me = activeMember(conversation, principal.id);
  const agentId = conversation.agentId;
  const [participants, unread, agent] = await Promise.all([
    participantsOf(db, conversation.members),
    me ? unreadCount(db, conversation.id, me.userId, me.lastReadSeq) : Promise.resolve(0),
    agentId
      ? Promise.all([userNames(db, [agentId]), agentStatus(db, agentId)]).then(([names, status]) => ({
          id: agentId,
          name: names.get(agentId) ?? agentId,
          status,
        }))
      : Promise.resolve(null),
  ]);
  return {
    id: conversation.id,
    kind: conversation.kind,
    status: conversation.status,
    readOnly: conversation.status === 'closed',
    orderId: conversation.orderId,
    topic: conversation.topic,
    subject: conversation.subject,
    participants,
    agent,
    readMarkers: conversation.members
      .filter((m) => m.leftAt === null)
      .map((m) => ({ userId: m.userId, lastReadSeq: m.lastReadSeq, lastReadMessageId: m.lastReadMessageId })),
    unreadCount: unread,
    lastSeq: conversation.lastSeq,
    lastMessageAt: conversation.lastMessageAt,
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
    closedAt: conversation.closedAt,
  };
}
