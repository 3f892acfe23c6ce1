import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { channels, type EventData } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Database, NotificationsTable } from '../../store/schema.js';
import { domainEvent, type OutgoingEvent } from '../events.js';

export type Notification = EventData<'notification'>;

export interface NewNotification {
  type: string;
  title: string;
  body: string;
  data?: Record<string, unknown>;
}

function rowToNotification(row: Selectable<NotificationsTable>): Notification {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    body: row.body,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: row.created_at,
    read: row.read_at !== null,
  };
}

/** Each user's notifications inbox, and their push-device registrations (stored for later use). */
export class NotificationService {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a notification inside the caller's transaction and returns the envelope that announces it. */
  async create(trx: Transaction<Database>, userId: string, input: NewNotification): Promise<OutgoingEvent> {
    const notification: Notification = {
      id: randomUUID(),
      type: input.type,
      title: input.title,
      body: input.body,
      data: input.data ?? {},
      createdAt: new Date().toISOString(),
      read: false,
    };
    await trx
      .insertInto('notifications')
      .values({
        id: notification.id,
        user_id: userId,
        type: notification.type,
        title: notification.title,
        body: notification.body,
        data: JSON.stringify(notification.data),
        created_at: notification.createdAt,
        read_at: null,
      })
      .execute();
    return domainEvent(channels.user(userId), 'notification', notification);
  }

  async list(
    userId: string,
    query: { unreadOnly?: boolean; before?: string; limit: number },
  ): Promise<{ notifications: Notification[]; unreadCount: number; nextCursor: string | null }> {
    let q = this.db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (query.unreadOnly) q = q.where('read_at', 'is', null);
    if (query.before) q = q.where('created_at', '<', query.before);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    const unread = await this.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    const last = rows.at(-1);
    return {
      notifications: rows.map(rowToNotification),
      unreadCount: Number(unread?.count ?? 0),
      nextCursor: rows.length === query.limit && last ? last.created_at : null,
    };
  }

  async markRead(userId: string, id: string): Promise<Notification> {
    const row = await this.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.user_id !== userId) throw new DabbaError('not_found', `no notification ${id}`);
    const readAt = row.read_at ?? new Date().toISOString();
    await this.db.updateTable('notifications').set({ read_at: readAt }).where('id', '=', id).execute();
    return rowToNotification({ ...row, read_at: readAt });
  }

  async markAllRead(userId: string): Promise<{ updated: number }> {
    const result = await this.db
      .updateTable('notifications')
      .set({ read_at: new Date().toISOString() })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return { updated: Number(result.numUpdatedRows) };
  }

  async registerDevice(userId: string, device: { platform: string; token: string }): Promise<{ id: string }> {
    const existing = await this.db
      .selectFrom('device_registrations')
      .select('id')
      .where('user_id', '=', userId)
      .where('token', '=', device.token)
      .executeTakeFirst();
    if (existing) return existing;
    const id = randomUUID();
    await this.db
      .insertInto('device_registrations')
      .values({
        id,
        user_id: userId,
        platform: device.platform,
        token: device.token,
        created_at: new Date().toISOString(),
      })
      .execute();
    return { id };
  }
}
