import type { Kysely } from 'kysely';
import type { Claims, Role } from '@dabba/protocol';
import type { Database } from '../store/schema.js';

export interface User {
  id: string;
  role: Role;
  name: string;
  phone: string | null;
}

/**
 * Users as tokens describe them: a user row is created (or its name refreshed) the first time a
 * token's holder acts. A small cache keeps repeat requests from writing.
 */
export class UserDirectory {
  private readonly known = new Map<string, string>();

  constructor(private readonly db: Kysely<Database>) {}

  async ensure(claims: Pick<Claims, 'sub' | 'role' | 'name'>): Promise<void> {
    const name = claims.name ?? claims.sub;
    const signature = `${claims.role}\u0000${name}`;
    if (this.known.get(claims.sub) === signature) return;
    const now = new Date().toISOString();
    await this.db
      .insertInto('users')
      .values({ id: claims.sub, role: claims.role, name, phone: null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ role: claims.role, name, updated_at: now }))
      .execute();
    if (this.known.size > 100_000) this.known.clear();
    this.known.set(claims.sub, signature);
  }

  /** Creates or updates a user with full details (the demo seed and the server API use this). */
  async upsert(user: User): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('users')
      .values({ ...user, created_at: now, updated_at: now })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ role: user.role, name: user.name, phone: user.phone, updated_at: now }),
      )
      .execute();
    this.known.delete(user.id);
  }

  async get(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, role: row.role as Role, name: row.name, phone: row.phone } : undefined;
  }
}
