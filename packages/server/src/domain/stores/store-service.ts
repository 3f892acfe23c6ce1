import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { z } from 'zod';
import { DabbaError } from '../../errors.js';
import type { Database, StoresTable } from '../../store/schema.js';
import { storeChanged } from '../catalog/catalog-events.js';
import type { OutgoingEvent } from '../events.js';
import type { Principal } from '../orders/order.js';
import type { Outbox } from '../outbox.js';

export interface Kitchen {
  id: string;
  chefId: string;
  name: string;
  address: string;
  latitude: number;
  longitude: number;
  prepMinutes: number;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What a store is made of; no defaults here, so a partial update leaves unnamed fields alone. */
const storeFields = {
  name: z.string().min(1).max(200),
  address: z.string().min(1).max(500),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  prepMinutes: z.number().int().min(0).max(240),
  isActive: z.boolean(),
};

export const createStoreSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  ...storeFields,
  prepMinutes: storeFields.prepMinutes.default(20),
  isActive: storeFields.isActive.default(true),
  /** Only the API key and admins name the chef; a chef creates their own store. */
  chefId: z.string().min(1).max(128).optional(),
});

export const updateStoreSchema = z.object(storeFields).partial();

export const listStoresQuery = z.object({
  /** `true`: only stores taking orders. */
  active: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

function rowToKitchen(row: Selectable<StoresTable>): Kitchen {
  return {
    id: row.id,
    chefId: row.chef_id,
    name: row.name,
    address: row.address,
    latitude: Number(row.latitude),
    longitude: Number(row.longitude),
    prepMinutes: Number(row.prep_minutes),
    isActive: Number(row.is_active) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Kitchens (stores): where orders are cooked and picked up. A chef owns theirs. Every change is
 * announced on `store:{id}` and `catalog` (`store:updated`, and `store:availability_changed`
 * when `isActive` flips), written to the outbox in the change's transaction.
 */
export class StoreService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly outbox: Outbox,
  ) {}

  async create(principal: Principal, input: z.infer<typeof createStoreSchema>): Promise<Kitchen> {
    const chefId = principal.role === 'chef' ? principal.id : input.chefId;
    if (principal.role !== 'chef' && principal.role !== 'admin' && principal.role !== 'system') {
      throw new DabbaError('forbidden', 'only chefs, admins and the server API create stores');
    }
    if (!chefId)
      throw new DabbaError('bad_request', 'chefId: required when an admin or the server API creates a store');
    const now = new Date().toISOString();
    const kitchen: Kitchen = {
      id: input.id ?? randomUUID(),
      chefId,
      name: input.name,
      address: input.address,
      latitude: input.latitude,
      longitude: input.longitude,
      prepMinutes: input.prepMinutes,
      isActive: input.isActive,
      createdAt: now,
      updatedAt: now,
    };
    if (await this.find(kitchen.id)) throw new DabbaError('conflict', `store ${kitchen.id} exists already`);
    await this.commit(storeChanged(undefined, kitchen), (trx) =>
      trx
        .insertInto('stores')
        .values({
          id: kitchen.id,
          chef_id: kitchen.chefId,
          name: kitchen.name,
          address: kitchen.address,
          latitude: kitchen.latitude,
          longitude: kitchen.longitude,
          prep_minutes: kitchen.prepMinutes,
          is_active: kitchen.isActive ? 1 : 0,
          created_at: now,
          updated_at: now,
        })
        .execute(),
    );
    return kitchen;
  }

  async update(principal: Principal, id: string, input: z.infer<typeof updateStoreSchema>): Promise<Kitchen> {
    const kitchen = await this.get(id);
    const mayEdit =
      principal.role === 'admin' ||
      principal.role === 'system' ||
      (principal.role === 'chef' && principal.id === kitchen.chefId);
    if (!mayEdit) throw new DabbaError('forbidden', "only the store's chef, admins and the server API edit a store");
    const now = new Date().toISOString();
    const after: Kitchen = {
      ...kitchen,
      name: input.name ?? kitchen.name,
      address: input.address ?? kitchen.address,
      latitude: input.latitude ?? kitchen.latitude,
      longitude: input.longitude ?? kitchen.longitude,
      prepMinutes: input.prepMinutes ?? kitchen.prepMinutes,
      isActive: input.isActive ?? kitchen.isActive,
      updatedAt: now,
    };
    await this.commit(storeChanged(kitchen, after), (trx) =>
      trx
        .updateTable('stores')
        .set({
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(input.address === undefined ? {} : { address: input.address }),
          ...(input.latitude === undefined ? {} : { latitude: input.latitude }),
          ...(input.longitude === undefined ? {} : { longitude: input.longitude }),
          ...(input.prepMinutes === undefined ? {} : { prep_minutes: input.prepMinutes }),
          ...(input.isActive === undefined ? {} : { is_active: input.isActive ? 1 : 0 }),
          updated_at: now,
        })
        .where('id', '=', id)
        .execute(),
    );
    return after;
  }

  /** Stores by name, optionally only those taking orders. */
  async list(query: z.infer<typeof listStoresQuery>): Promise<Kitchen[]> {
    let select = this.db.selectFrom('stores').selectAll();
    if (query.active) select = select.where('is_active', '=', query.active === 'true' ? 1 : 0);
    const rows = await select.orderBy('name').orderBy('id').limit(query.limit).offset(query.offset).execute();
    return rows.map(rowToKitchen);
  }

  async find(id: string): Promise<Kitchen | undefined> {
    const row = await this.db.selectFrom('stores').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToKitchen(row) : undefined;
  }

  async get(id: string): Promise<Kitchen> {
    const kitchen = await this.find(id);
    if (!kitchen) throw new DabbaError('not_found', `no store ${id}`);
    return kitchen;
  }

  /** Writes the change and its envelopes in one transaction; publishes after commit. */
  private async commit(
    events: OutgoingEvent[],
    write: (trx: Transaction<Database>) => Promise<unknown>,
  ): Promise<void> {
    await this.outbox.transact(async (trx) => {
      await write(trx);
      return { result: undefined, events };
    });
  }
}
