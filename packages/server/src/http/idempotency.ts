import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { DabbaError } from '../errors.js';
import type { Principal } from '../domain/orders/order.js';
import type { Database } from '../store/schema.js';

export interface StoredResponse {
  status: number;
  body: unknown;
  replayed?: boolean;
}

/** Marks a key whose first request is still running. */
const IN_PROGRESS = 0;
const MAX_KEY_LENGTH = 200;

/**
 * `Idempotency-Key` for POSTs: the first request's response is stored, and a retry with the
 * same key (from the same caller) gets it back without running again. A retry while the first
 * is still running gets 409, so two concurrent retries cannot both take effect.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Kysely<Database>,
    /** How long keys are kept, ms. Default 24 h. */
    private readonly ttlMs = 24 * 60 * 60 * 1000,
  ) {}

  async run(
    principal: Principal,
    request: FastifyRequest,
    execute: () => Promise<StoredResponse>,
  ): Promise<StoredResponse> {
    const header = request.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined) return execute();
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new DabbaError('validation_failed', `Idempotency-Key: 1 to ${MAX_KEY_LENGTH} characters`);
    }
    const scope = principal.role === 'system' ? 'api' : `user:${principal.id}`;
    const path = request.url.split('?')[0] ?? request.url;
    const claimed = await this.claim(scope, key, request.method, path);
    if (!claimed) return this.replay(scope, key, request.method, path);
    let response: StoredResponse;
    try {
      response = await execute();
    } catch (error) {
      // A failure that changed nothing may be retried with the same key.
      await this.db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
      throw error;
    }
    await this.db
      .updateTable('idempotency_keys')
      .set({ status_code: response.status, response: JSON.stringify(response.body ?? null) })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
    return response;
  }

  /** Deletes keys older than the TTL. */
  async prune(): Promise<void> {
    const cutoff = new Date(Date.now() - this.ttlMs).toISOString();
    await this.db.deleteFrom('idempotency_keys').where('created_at', '<', cutoff).execute();
  }

  private async claim(scope: string, key: string, method: string, path: string): Promise<boolean> {
    const result = await this.db
      .insertInto('idempotency_keys')
      .values({
        scope,
        key,
        method,
        path,
        status_code: IN_PROGRESS,
        response: 'null',
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  private async replay(scope: string, key: string, method: string, path: string): Promise<StoredResponse> {
    const row = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) throw new DabbaError('idempotency_conflict', 'Idempotency-Key was just released: retry');
    if (row.method !== method || row.path !== path) {
      throw new DabbaError('idempotency_conflict', `Idempotency-Key was used for ${row.method} ${row.path}`);
    }
    if (Number(row.status_code) === IN_PROGRESS) {
      throw new DabbaError('idempotency_conflict', 'a request with this Idempotency-Key is still running');
    }
    return { status: Number(row.status_code), body: JSON.parse(row.response) as unknown, replayed: true };
  }
}
