import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AgentStatus, ConversationKind, ConversationStatus, OrderChatTopic } from '@dabba/protocol';
import type { ChatConversationsTable, ChatMessagesTable, ChatParticipantsTable, Database } from '../../store/schema.js';
import type { ChatMessage, Conversation, ConversationWithMembers, Membership } from './conversation.js';

type Db = Kysely<Database> | Transaction<Database>;

function rowToConversation(row: Selectable<ChatConversationsTable>): Conversation {
  return {
    id: row.id,
    kind: row.kind as ConversationKind,
    status: row.status as ConversationStatus,
    orderId: row.order_id,
    topic: row.topic as OrderChatTopic | null,
    subject: row.subject,
    createdBy: row.created_by,
    agentId: row.agent_id,
    lastSeq: Number(row.last_seq),
    lastMessageAt: row.last_message_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
  };
}

function rowToMembership(row: Selectable<ChatParticipantsTable>): Membership {
  return {
    userId: row.user_id,
    role: row.role as Membership['role'],
    joinedAt: row.joined_at,
    leftAt: row.left_at,
    lastReadSeq: Number(row.last_read_seq),
    lastReadMessageId: row.last_read_message_id,
  };
}

export function rowToMessage(row: Selectable<ChatMessagesTable>): ChatMessage {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    clientMessageId: row.client_message_id,
    senderId: row.sender_id,
    senderRole: row.sender_role as ChatMessage['senderRole'],
    senderName: row.sender_name,
    text: row.text,
    createdAt: row.created_at,
  };
}

async function withMembers(db: Db, conversation: Conversation): Promise<ConversationWithMembers> {
  const rows = await db
    .selectFrom('chat_participants')
    .selectAll()
    .where('conversation_id', '=', conversation.id)
    .orderBy('joined_at')
    .execute();
  return { ...conversation, members: rows.map(rowToMembership) };
}

export async function findConversation(db: Db, id: string): Promise<ConversationWithMembers | undefined> {
  const row = await db.selectFrom('chat_conversations').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? withMembers(db, rowToConversation(row)) : undefined;
}

export async function findOrderConversation(
  db: Db,
  orderId: string,
  topic: OrderChatTopic,
): Promise<ConversationWithMembers | undefined> {
  const row = await db
    .selectFrom('chat_conversations')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('topic', '=', topic)
    .executeTakeFirst();
  return row ? withMembers(db, rowToConversation(row)) : undefined;
}

export async function listOrderConversations(db: Db, orderId: string): Promise<Conversation[]> {
  const rows = await db.selectFrom('chat_conversations').selectAll().where('order_id', '=', orderId).execute();
  return rows.map(rowToConversation);
}

export async function insertConversation(trx: Transaction<Database>, conversation: Conversation): Promise<void> {
  await trx
    .insertInto('chat_conversations')
    .values({
      id: conversation.id,
      kind: conversation.kind,
      status: conversation.status,
      order_id: conversation.orderId,
      topic: conversation.topic,
      subject: conversation.subject,
      created_by: conversation.createdBy,
      agent_id: conversation.agentId,
      last_seq: conversation.lastSeq,
      last_message_at: conversation.lastMessageAt,
      created_at: conversation.createdAt,
      updated_at: conversation.updatedAt,
      closed_at: conversation.closedAt,
    })
    .execute();
}

/** Adds a participant, or brings back one who left (a driver reassigned back to the order). */
export async function join(
  trx: Transaction<Database>,
  conversationId: string,
  member: { userId: string; role: string },
  at: string,
): Promise<void> {
  await trx
    .insertInto('chat_participants')
    .values({
      conversation_id: conversationId,
      user_id: member.userId,
      role: member.role,
      joined_at: at,
      left_at: null,
      last_read_seq: 0,
      last_read_message_id: null,
    })
    .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doUpdateSet({ left_at: null, joined_at: at }))
    .execute();
}

export async function leave(trx: Transaction<Database>, conversationId: string, userId: string, at: string) {
  await trx
    .updateTable('chat_participants')
    .set({ left_at: at })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .where('left_at', 'is', null)
    .execute();
}

/** Makes a conversation read-only; false when it already was. */
export async function close(trx: Transaction<Database>, id: string, at: string): Promise<boolean> {
  const result = await trx
    .updateTable('chat_conversations')
    .set({ status: 'closed', closed_at: at, updated_at: at })
    .where('id', '=', id)
    .where('status', '<>', 'closed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Takes a queued support conversation for an agent. One conditional UPDATE: of any number of
 * concurrent claims, on either engine, exactly one changes the row.
 */
export async function claim(trx: Transaction<Database>, id: string, agentId: string, at: string): Promise<boolean> {
  const result = await trx
    .updateTable('chat_conversations')
    .set({ status: 'open', agent_id: agentId, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Reserves the next message seq of a conversation that is not closed; undefined when it is.
 * The row update also serialises concurrent sends to one conversation on Postgres.
 */
export async function nextSeq(trx: Transaction<Database>, id: string, at: string): Promise<number | undefined> {
  const row = await trx
    .updateTable('chat_conversations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_message_at: at, updated_at: at }))
    .where('id', '=', id)
    .where('status', '<>', 'closed')
    .returning('last_seq')
    .executeTakeFirst();
  return row ? Number(row.last_seq) : undefined;
}

export async function insertMessage(trx: Transaction<Database>, message: ChatMessage): Promise<void> {
  await trx
    .insertInto('chat_messages')
    .values({
      id: message.id,
      conversation_id: message.conversationId,
      seq: message.seq,
      client_message_id: message.clientMessageId,
      sender_id: message.senderId,
      sender_role: message.senderRole,
      sender_name: message.senderName,
      text: message.text,
      created_at: message.createdAt,
    })
    .execute();
}

export async function findMessageByClientId(
  db: Db,
  conversationId: string,
  senderId: string,
  clientMessageId: string,
): Promise<ChatMessage | undefined> {
  const row = await db
    .selectFrom('chat_messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('sender_id', '=', senderId)
    .where('client_message_id', '=', clientMessageId)
    .executeTakeFirst();
  return row ? rowToMessage(row) : undefined;
}

export async function findMessage(db: Db, conversationId: string, id: string): Promise<ChatMessage | undefined> {
  const row = await db
    .selectFrom('chat_messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? rowToMessage(row) : undefined;
}

/** Newest first, before `beforeSeq` when given. */
export async function listMessages(
  db: Db,
  conversationId: string,
  query: { beforeSeq?: number | undefined; limit: number },
): Promise<ChatMessage[]> {
  let q = db.selectFrom('chat_messages').selectAll().where('conversation_id', '=', conversationId);
  if (query.beforeSeq !== undefined) q = q.where('seq', '<', query.beforeSeq);
  const rows = await q.orderBy('seq', 'desc').limit(query.limit).execute();
  return rows.map(rowToMessage);
}

/** Moves a read marker forward only; false when it was already there or further. */
export async function moveReadMarker(
  trx: Transaction<Database>,
  conversationId: string,
  userId: string,
  message: { seq: number; id: string },
): Promise<boolean> {
  const result = await trx
    .updateTable('chat_participants')
    .set({ last_read_seq: message.seq, last_read_message_id: message.id })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .where('left_at', 'is', null)
    .where('last_read_seq', '<', message.seq)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Messages from others after a participant's read marker. */
export async function unreadCount(db: Db, conversationId: string, userId: string, afterSeq: number): Promise<number> {
  const row = await db
    .selectFrom('chat_messages')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('conversation_id', '=', conversationId)
    .where('seq', '>', afterSeq)
    .where('sender_id', '<>', userId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export interface ConversationSummaryRow {
  conversation: Conversation;
  unreadCount: number;
  lastReadSeq: number;
}

/** The conversations a user is in, most recently active first, each with its unread count. */
export async function listForUser(
  db: Db,
  userId: string,
  query: { before?: string | undefined; limit: number },
): Promise<ConversationSummaryRow[]> {
  let q = db
    .selectFrom('chat_conversations as c')
    .innerJoin('chat_participants as p', 'p.conversation_id', 'c.id')
    .selectAll('c')
    .select('p.last_read_seq as read_seq')
    .select((eb) =>
      eb
        .selectFrom('chat_messages as m')
        .select((inner) => inner.fn.countAll().as('n'))
        .whereRef('m.conversation_id', '=', 'c.id')
        .whereRef('m.seq', '>', 'p.last_read_seq')
        .where('m.sender_id', '<>', userId)
        .as('unread'),
    )
    .where('p.user_id', '=', userId)
    .where('p.left_at', 'is', null);
  if (query.before) q = q.where('c.updated_at', '<', query.before);
  const rows = await q.orderBy('c.updated_at', 'desc').orderBy('c.id').limit(query.limit).execute();
  return rows.map((row) => {
    const { read_seq, unread, ...conversation } = row;
    return {
      conversation: rowToConversation(conversation),
      unreadCount: Number(unread ?? 0),
      lastReadSeq: Number(read_seq),
    };
  });
}

/** Support conversations waiting for an agent, oldest first. */
export async function listQueue(db: Db, limit: number): Promise<ConversationWithMembers[]> {
  const rows = await db
    .selectFrom('chat_conversations')
    .selectAll()
    .where('kind', '=', 'support')
    .where('status', '=', 'queued')
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return Promise.all(rows.map((row) => withMembers(db, rowToConversation(row))));
}

/** Ids of the open support conversations an agent holds. */
export async function agentConversationIds(db: Db, agentId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('chat_conversations')
    .select('id')
    .where('kind', '=', 'support')
    .where('agent_id', '=', agentId)
    .where('status', '=', 'open')
    .execute();
  return rows.map((r) => r.id);
}

export async function setAgentStatus(trx: Transaction<Database>, agentId: string, status: AgentStatus, at: string) {
  await trx
    .insertInto('chat_agent_status')
    .values({ agent_id: agentId, status, updated_at: at })
    .onConflict((oc) => oc.column('agent_id').doUpdateSet({ status, updated_at: at }))
    .execute();
}

export async function agentStatuses(db: Db): Promise<Array<{ agentId: string; status: AgentStatus; at: string }>> {
  const rows = await db.selectFrom('chat_agent_status').selectAll().orderBy('agent_id').execute();
  return rows.map((r) => ({ agentId: r.agent_id, status: r.status as AgentStatus, at: r.updated_at }));
}

export async function agentStatus(db: Db, agentId: string): Promise<AgentStatus> {
  const row = await db
    .selectFrom('chat_agent_status')
    .select('status')
    .where('agent_id', '=', agentId)
    .executeTakeFirst();
  // An agent who never said otherwise is offline.
  return (row?.status as AgentStatus | undefined) ?? 'offline';
}
