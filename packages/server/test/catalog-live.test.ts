import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { commerceWorld, expectStatus, Inbox, type CommerceWorld } from './support/commerce-world.js';

describe('the live catalog, watched by real clients', () => {
  let t: TestServer;
  let w: CommerceWorld;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    w = await commerceWorld(t);
  });
  afterEach(() => t.close());

  it('announces product, stock, price and availability changes on store:{id} and catalog, each with the whole product', async () => {
    const shopper = await new Inbox(t.centrifuge({ token: w.tokens.customer })).connect();
    const storeChannel = `store:${w.storeId}`;
    await shopper.follow(storeChannel);
    await shopper.follow('catalog');

    const created = await w.addProduct({ id: 'thali', name: 'Veg thali', priceMinor: 18000, stock: 10 });
    expect(created).toMatchObject({
      id: 'thali',
      storeId: w.storeId,
      available: true,
      stock: 10,
      effectivePriceMinor: 18000,
      flashSale: null,
    });
    for (const channel of [storeChannel, 'catalog']) {
      const updated = await shopper.waitFor('product:updated', () => true, channel);
      expect(updated).toEqual({ storeId: w.storeId, productId: 'thali', product: created });
    }

    const repriced = await t.rest('PATCH', '/products/thali', { as: w.tokens.chef, body: { priceMinor: 19000 } });
    expect(repriced.body).toMatchObject({
      priceMinor: 19000,
      effectivePriceMinor: 19000,
      name: 'Veg thali',
      stock: 10,
    });
    const price = await shopper.waitFor('product:price_update', (d) => d.priceMinor === 19000, storeChannel);
    expect(price).toMatchObject({ previousEffectivePriceMinor: 18000, effectivePriceMinor: 19000, currency: 'INR' });
    expect(price.product).toEqual(repriced.body);

    const off = await t.rest('PATCH', '/products/thali', { as: w.tokens.chef, body: { available: false } });
    expect(off.body).toMatchObject({ available: false, priceMinor: 19000 });
    const availability = await shopper.waitFor('product:availability_changed', (d) => !d.available, 'catalog');
    expect(availability).toMatchObject({ storeId: w.storeId, productId: 'thali', available: false });

    const restocked = await t.rest('POST', '/products/thali/stock', { as: w.tokens.chef, body: { delta: 5 } });
    expect(restocked.body).toMatchObject({ stock: 15 });
    const stock = await shopper.waitFor('product:stock_update', (d) => d.stock === 15, storeChannel);
    expect(stock).toMatchObject({ previousStock: 10, stock: 15, product: { id: 'thali', stock: 15 } });
    const set = await t.rest('POST', '/products/thali/stock', { as: 'api', body: { set: 3 } });
    expect(set.body).toMatchObject({ stock: 3 });
    const tooMany = await t.rest('POST', '/products/thali/stock', { as: w.tokens.chef, body: { delta: -4 } });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error).toMatchObject({ code: 'out_of_stock', details: { productId: 'thali', stock: 3 } });
    expect((await w.product('thali')).stock).toBe(3);

    // Nothing for another store's channel reached this store's followers.
    await w.addProduct({ id: 'pasta', name: 'Pasta', priceMinor: 30000 }, w.otherStoreId);
    await shopper.waitFor('product:updated', (d) => d.productId === 'pasta', 'catalog');
    expect(shopper.of('product:updated', storeChannel).map((d) => d.productId)).not.toContain('pasta');

    const menu = await t.rest('GET', `/stores/${w.storeId}/products`, { as: w.tokens.otherCustomer });
    expect((menu.body.products as Array<{ id: string }>).map((p) => p.id)).toEqual(['thali']);
    const orderable = await t.rest('GET', `/stores/${w.storeId}/products?available=true`, { as: w.tokens.customer });
    expect(orderable.body.products).toEqual([]);
  });

  it('announces store changes and isActive flips; lists stores', async () => {
    const shopper = await new Inbox(t.centrifuge({ token: w.tokens.customer })).connect();
    await shopper.follow(`store:${w.storeId}`);
    await shopper.follow('catalog');
    const renamed = await t.rest('PATCH', `/stores/${w.storeId}`, { as: w.tokens.chef, body: { name: 'Ravi & Sons' } });
    expect(renamed.body).toMatchObject({ name: 'Ravi & Sons', isActive: true, prepMinutes: 20 });
    const updated = await shopper.waitFor('store:updated', (d) => d.store.name === 'Ravi & Sons', 'catalog');
    expect(updated.store).toEqual(renamed.body);
    expect(shopper.of('store:availability_changed')).toEqual([]);

    const closed = await t.rest('PATCH', `/stores/${w.storeId}`, { as: 'api', body: { isActive: false } });
    expect(closed.body).toMatchObject({ name: 'Ravi & Sons', isActive: false });
    for (const channel of [`store:${w.storeId}`, 'catalog']) {
      const flip = await shopper.waitFor('store:availability_changed', () => true, channel);
      expect(flip).toEqual({ storeId: w.storeId, isActive: false, store: closed.body });
    }

    const all = await t.rest('GET', '/stores', { as: w.tokens.customer });
    expect((all.body.stores as Array<{ id: string }>).map((s) => s.id).sort()).toEqual(
      [w.storeId, w.otherStoreId].sort(),
    );
    const open = await t.rest('GET', '/stores?active=true', { as: w.tokens.customer });
    expect((open.body.stores as Array<{ id: string }>).map((s) => s.id)).toEqual([w.otherStoreId]);
  });

  it('lets only the store’s chef, admins and the API key change its catalog; unknown ids are 404', async () => {
    await w.addProduct({ id: 'thali', name: 'Veg thali', priceMinor: 18000 });
    const body = { name: 'Sneaky', priceMinor: 1 };
    const sale = {
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 60_000).toISOString(),
      discountPercent: 10,
    };
    for (const as of [w.tokens.otherChef, w.tokens.customer]) {
      expect((await t.rest('POST', `/stores/${w.storeId}/products`, { as, body })).status).toBe(403);
      expect((await t.rest('PATCH', '/products/thali', { as, body: { priceMinor: 1 } })).status).toBe(403);
      expect((await t.rest('POST', '/products/thali/stock', { as, body: { set: 1 } })).status).toBe(403);
      expect((await t.rest('POST', '/products/thali/flash-sale', { as, body: sale })).status).toBe(403);
    }
    expect(await w.product('thali')).toMatchObject({ priceMinor: 18000, stock: null, flashSale: null });
    expectStatus(
      await t.rest('PATCH', '/products/thali', { as: w.tokens.admin, body: { priceMinor: 17000 } }),
      200,
      'admin',
    );
    expectStatus(await t.rest('POST', `/stores/${w.storeId}/products`, { as: 'api', body }), 201, 'api key');

    const missing = [
      t.rest('GET', '/products/nope', { as: w.tokens.customer }),
      t.rest('PATCH', '/products/nope', { as: w.tokens.chef, body: { priceMinor: 1 } }),
      t.rest('POST', '/products/nope/stock', { as: w.tokens.chef, body: { delta: 1 } }),
      t.rest('POST', '/products/nope/flash-sale', { as: w.tokens.chef, body: sale }),
      t.rest('DELETE', '/products/thali/flash-sale', { as: w.tokens.chef }),
      t.rest('GET', '/stores/nope/products', { as: w.tokens.customer }),
      t.rest('POST', '/stores/nope/products', { as: w.tokens.chef, body }),
    ];
    for (const reply of await Promise.all(missing)) expect(reply.body.error?.code).toBe('not_found');
    const duplicate = await t.rest('POST', `/stores/${w.storeId}/products`, {
      as: w.tokens.chef,
      body: { ...body, id: 'thali' },
    });
    expect(duplicate.body.error?.code).toBe('conflict');
    const bad = await t.rest('POST', `/stores/${w.storeId}/products`, {
      as: w.tokens.chef,
      body: { name: '', priceMinor: -1 },
    });
    expect(bad.status).toBe(400);
    const both = await t.rest('POST', '/products/thali/stock', { as: w.tokens.chef, body: { delta: 1, set: 2 } });
    expect(both.status).toBe(400);
    expect((await t.rest('GET', '/products/thali')).status).toBe(401);
  });

  it("lets any authenticated user follow a store's channel", async () => {
    const driver = await new Inbox(t.centrifuge({ token: await t.token('drv-9', 'driver') })).connect();
    await driver.follow(`store:${w.otherStoreId}`);
    await w.addProduct({ id: 'pasta', name: 'Pasta', priceMinor: 30000 }, w.otherStoreId);
    await driver.waitFor('product:updated', (d) => d.productId === 'pasta', `store:${w.otherStoreId}`);
  });
});
