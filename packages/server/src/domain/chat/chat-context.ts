import type { Kysely, Transaction } from 'kysely';
import type { Hub } from '../../hub/hub.js';
import type { Logger } from '../../logger.js';
import type { Database } from '../../store/schema.js';
import { DabbaError } from '../../errors.js';
import type { OutgoingEvent } from '../events.js';
import type { NotificationService } from '../notifications/notification-service.js';
import type { Outbox } from '../outbox.js';
import type { Principal } from '../orders/order.js';
import type { ResolvedChatOptions } from './chat-options.js';
import { findConversation } from './chat-repository.js';
import { canRead, type ChatParticipant, type ConversationWithMembers, type Membership } from './conversation.js';

/** What the chat's parts share. */
export interface ChatDeps {
  readonly db: Kysely<Database>;
  readonly hub: Hub;
  readonly outbox: Outbox;
  readonly notifications: NotificationService;
  readonly logger: Logger;
  readonly options: ResolvedChatOptions;
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Runs `work` in one transaction with the envelopes it returns written to the outbox, then
 * publishes them after commit: a change and its announcement happen together or not at all.
 */
export function commit<T>(
  deps: ChatDeps,
  work: (trx: Transaction<Database>) => Promise<{ result: T; events: OutgoingEvent[] }>,
): Promise<T> {
  return deps.outbox.transact(work);
}

/** Display names of users, by id; an unknown user is named by their id. Pass the `trx` inside a transaction. */
export async function userNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  const rows = await db
    .selectFrom('users')
    .select(['id', 'name'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
  for (const row of rows) names.set(row.id, row.name);
  for (const id of ids) if (!names.has(id)) names.set(id, id);
  return names;
}

/** Current participants with their names. */
export async function participantsOf(db: Db, members: readonly Membership[]): Promise<ChatParticipant[]> {
  const active = members.filter((m) => m.leftAt === null);
  const names = await userNames(
    db,
    active.map((m) => m.userId),
  );
  return active.map((m) => ({ userId: m.userId, role: m.role, name: names.get(m.userId) ?? m.userId }));
}

/** A conversation the principal may read: `not_found` when it does not exist, `forbidden` when not theirs. */
export async function loadReadable(db: Db, principal: Principal, id: string): Promise<ConversationWithMembers> {
  const conversation = await findConversation(db, id);
  if (!conversation) throw new DabbaError('not_found', `no conversation ${id}`);
  if (!canRead(principal, conversation)) {
    throw new DabbaError('forbidden', 'only the conversation’s participants may see it');
  }
  return conversation;
}

/** Whether an error is a unique-key violation, on SQLite or Postgres. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
