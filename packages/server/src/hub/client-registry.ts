import { DabbaError } from '../errors.js';
import type { HubClient } from './client.js';
import { CompactSet } from './compact-set.js';

/** The clients connected to this node, by id and by user, with the per-user connection limit. */
export class ClientRegistry {
  private readonly byId = new Map<string, HubClient>();
  private readonly byUser = new Map<string, CompactSet<HubClient>>();

  /** @param maxConnectionsPerUser 0 for no limit. */
  constructor(private readonly maxConnectionsPerUser: number) {}

  get size(): number {
    return this.byId.size;
  }

  get userCount(): number {
    return this.byUser.size;
  }

  /** Throws `limit_exceeded` when the user already holds the most connections allowed. */
  add(client: HubClient): void {
    const user = client.claims.sub;
    let clients = this.byUser.get(user);
    const limit = this.maxConnectionsPerUser;
    if (limit > 0 && clients && clients.size >= limit) {
      throw new DabbaError('limit_exceeded', `user has ${limit} connections already`);
    }
    if (!clients) this.byUser.set(user, (clients = new CompactSet()));
    clients.add(client);
    this.byId.set(client.id, client);
  }

  /** Returns false when the client was not registered (already removed). */
  remove(client: HubClient): boolean {
    if (!this.byId.delete(client.id)) return false;
    const clients = this.byUser.get(client.claims.sub);
    clients?.delete(client);
    if (clients?.size === 0) this.byUser.delete(client.claims.sub);
    return true;
  }

  has(clientId: string): boolean {
    return this.byId.has(clientId);
  }

  ofUser(user: string): Iterable<HubClient> {
    return this.byUser.get(user) ?? [];
  }

  values(): IterableIterator<HubClient> {
    return this.byId.values();
  }
}
