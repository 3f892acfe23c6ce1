import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { createSocialTables } from './migrations-social.js';
import { chatMigration } from './migrations-chat.js';
import { commerceUp } from './migrations-commerce.js';

/** Which SQL engine a migration runs on: a few column types differ. */
export type SqlEngine = 'sqlite' | 'postgres';

const DOUBLE = 'double precision';

/** Migrations in code, so the compiled package carries them; never edit one that has shipped. */
export function migrations(engine: SqlEngine): Record<string, Migration> {
  return {
    '2026-11-24-001-orders': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('phone', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('stores')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('chef_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('latitude', DOUBLE, (c) => c.notNull())
          .addColumn('longitude', DOUBLE, (c) => c.notNull())
          .addColumn('prep_minutes', 'integer', (c) => c.notNull())
          .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('stores_chef').on('stores').column('chef_id').execute();

        await db.schema
          .createTable('orders')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('order_number', 'text', (c) => c.notNull().unique())
          .addColumn('customer_id', 'text', (c) => c.notNull())
          .addColumn('store_id', 'text', (c) => c.notNull())
          .addColumn('chef_id', 'text', (c) => c.notNull())
          .addColumn('driver_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('status_changed_at', 'text', (c) => c.notNull())
          .addColumn('items', 'text', (c) => c.notNull())
          .addColumn('subtotal_minor', 'integer', (c) => c.notNull())
          .addColumn('delivery_fee_minor', 'integer', (c) => c.notNull())
          .addColumn('total_minor', 'integer', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('delivery_address', 'text', (c) => c.notNull())
          .addColumn('delivery_latitude', DOUBLE, (c) => c.notNull())
          .addColumn('delivery_longitude', DOUBLE, (c) => c.notNull())
          .addColumn('eta_minutes', 'integer')
          .addColumn('estimated_delivery_at', 'text')
          .addColumn('timestamps', 'text', (c) => c.notNull())
          .addColumn('cancel_reason', 'text')
          .addColumn('cancelled_by', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('orders_customer').on('orders').columns(['customer_id', 'created_at']).execute();
        await db.schema.createIndex('orders_chef').on('orders').columns(['chef_id', 'created_at']).execute();
        await db.schema.createIndex('orders_driver').on('orders').columns(['driver_id', 'status']).execute();
        await db.schema.createIndex('orders_status').on('orders').columns(['status', 'status_changed_at']).execute();

        await db.schema
          .createTable('order_status_history')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('order_id', 'text', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('changed_by', 'text', (c) => c.notNull())
          .addColumn('changed_by_role', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addUniqueConstraint('order_status_history_position', ['order_id', 'position'])
          .execute();

        await db.schema
          .createTable('order_counters')
          .addColumn('day', 'text', (c) => c.primaryKey())
          .addColumn('last', 'integer', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('driver_locations')
          .addColumn('driver_id', 'text', (c) => c.primaryKey())
          .addColumn('latitude', DOUBLE, (c) => c.notNull())
          .addColumn('longitude', DOUBLE, (c) => c.notNull())
          .addColumn('accuracy', DOUBLE)
          .addColumn('heading', DOUBLE)
          .addColumn('speed', DOUBLE)
          .addColumn('recorded_at', 'text', (c) => c.notNull())
          .addColumn('received_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('driver_location_trail')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('driver_id', 'text', (c) => c.notNull())
          .addColumn('latitude', DOUBLE, (c) => c.notNull())
          .addColumn('longitude', DOUBLE, (c) => c.notNull())
          .addColumn('recorded_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('driver_trail')
          .on('driver_location_trail')
          .columns(['driver_id', 'recorded_at'])
          .execute();

        await db.schema
          .createTable('notifications')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('read_at', 'text')
          .execute();
        await db.schema
          .createIndex('notifications_user')
          .on('notifications')
          .columns(['user_id', 'created_at'])
          .execute();

        await db.schema
          .createTable('device_registrations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('platform', 'text', (c) => c.notNull())
          .addColumn('token', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('device_registrations_user_token', ['user_id', 'token'])
          .execute();

        await db.schema
          .createTable('idempotency_keys')
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('status_code', 'integer', (c) => c.notNull())
          .addColumn('response', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
          .execute();

        await db.schema
          .createTable('outbox')
          .addColumn('seq', engine === 'postgres' ? 'serial' : 'integer', (c) =>
            engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('published_at', 'text')
          .execute();
        await db.schema.createIndex('outbox_unpublished').on('outbox').columns(['published_at', 'seq']).execute();
      },
    },
    '2026-11-24-004-social': { up: createSocialTables },
    '2026-11-24-002-chat': chatMigration,
    '2026-11-24-003-commerce': { up: commerceUp },
  };
}

export class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly engine: SqlEngine) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.engine);
  }
}
