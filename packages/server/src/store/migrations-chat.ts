import type { Kysely, Migration } from 'kysely';

/**
 * Chat tables (`2026-11-24-002-chat`). Conversations carry a message counter (`last_seq`) that
 * each send bumps with one conditional UPDATE, so message order is the same on SQLite and
 * Postgres; unique keys make a retried send and a double-opened order chat impossible.
 */
export const chatMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('chat_conversations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text')
      .addColumn('topic', 'text')
      .addColumn('subject', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text')
      .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_message_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('closed_at', 'text')
      // One kitchen chat and one driver chat per order, even if two changes race.
      .addUniqueConstraint('chat_conversations_order_topic', ['order_id', 'topic'])
      .execute();
    await db.schema
      .createIndex('chat_conversations_queue')
      .on('chat_conversations')
      .columns(['kind', 'status', 'created_at'])
      .execute();

    await db.schema
      .createTable('chat_participants')
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('joined_at', 'text', (c) => c.notNull())
      .addColumn('left_at', 'text')
      .addColumn('last_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_read_message_id', 'text')
      .addPrimaryKeyConstraint('chat_participants_pk', ['conversation_id', 'user_id'])
      .execute();
    await db.schema.createIndex('chat_participants_user').on('chat_participants').columns(['user_id']).execute();

    await db.schema
      .createTable('chat_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('client_message_id', 'text', (c) => c.notNull())
      .addColumn('sender_id', 'text', (c) => c.notNull())
      .addColumn('sender_role', 'text', (c) => c.notNull())
      .addColumn('sender_name', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('chat_messages_seq', ['conversation_id', 'seq'])
      .addUniqueConstraint('chat_messages_client_id', ['conversation_id', 'sender_id', 'client_message_id'])
      .execute();

    await db.schema
      .createTable('chat_agent_status')
      .addColumn('agent_id', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};
