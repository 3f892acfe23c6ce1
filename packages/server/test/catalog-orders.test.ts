import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { commerceWorld, expectStatus, Inbox, type CommerceWorld } from './support/commerce-world.js';

describe('placing an order against the catalog', () => {
  let t: TestServer;
  let w: CommerceWorld;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    w = await commerceWorld(t);
    await w.addProduct({ id: 'thali', name: 'Veg thali', priceMinor: 18000, stock: 5 });
    await w.addProduct({ id: 'chaas', name: 'Masala chaas', priceMinor: 4000 });
    await w.addProduct({ id: 'pasta', name: 'Pasta', priceMinor: 30000, stock: 9 }, w.otherStoreId);
  });
  afterEach(() => t.close());

  const thali = (quantity: number, unitPriceMinor = 18000) => ({
    productId: 'thali',
    name: 'Veg thali',
    quantity,
    unitPriceMinor,
  });
  const chaas = (quantity: number) => ({ productId: 'chaas', name: 'Masala chaas', quantity, unitPriceMinor: 4000 });
  const orderCount = async (): Promise<number> =>
    ((await t.rest('GET', '/orders', { as: w.tokens.customer })).body.orders as unknown[]).length;

  it('takes stock in the order’s transaction and announces the new stock', async () => {
    const shopper = await new Inbox(t.centrifuge({ token: w.tokens.otherCustomer })).connect();
    await shopper.follow(`store:${w.storeId}`);
    const placed = await t.rest('POST', '/orders', {
      as: w.tokens.customer,
      body: w.orderBody([thali(2), chaas(3), thali(1)]),
    });
    expectStatus(placed, 201, 'order');
    expect(placed.body).toMatchObject({ subtotalMinor: 3 * 18000 + 3 * 4000 });
    expect((await w.product('thali')).stock).toBe(2);
    // Untracked stock stays untracked.
    expect((await w.product('chaas')).stock).toBeNull();
    const update = await shopper.waitFor('product:stock_update', (d) => d.productId === 'thali');
    expect(update).toMatchObject({ previousStock: 5, stock: 2, product: { id: 'thali', stock: 2 } });
    expect(shopper.of('product:stock_update').filter((d) => d.productId === 'chaas')).toEqual([]);
  });

  it('refuses unknown, unavailable, foreign, sold-out and mispriced items and closed stores with 409, writing nothing', async () => {
    await t.rest('PATCH', '/products/chaas', { as: w.tokens.chef, body: { available: false } });
    const cases: Array<[string, ReturnType<typeof thali>[], string, string]> = [
      ['unknown product', [thali(1), { ...chaas(1), productId: 'nope' }], 'product_unavailable', 'nope'],
      ['switched off', [thali(1), chaas(1)], 'product_unavailable', 'chaas'],
      [
        'another store’s product',
        [{ productId: 'pasta', name: 'Pasta', quantity: 1, unitPriceMinor: 30000 }],
        'product_unavailable',
        'pasta',
      ],
      ['not enough stock', [thali(6)], 'out_of_stock', 'thali'],
      ['not enough stock over two lines', [thali(3), thali(3)], 'out_of_stock', 'thali'],
      ['an old price', [thali(1, 17000)], 'price_changed', 'thali'],
    ];
    for (const [what, items, code, productId] of cases) {
      const reply = await t.rest('POST', '/orders', { as: w.tokens.customer, body: w.orderBody(items) });
      expect(reply.status, what).toBe(409);
      expect(reply.body.error, what).toMatchObject({ code, details: { productId } });
    }
    const priced = await t.rest('POST', '/orders', { as: w.tokens.customer, body: w.orderBody([thali(1, 1)]) });
    expect(priced.body.error?.details).toMatchObject({ unitPriceMinor: 18000 });

    await t.rest('PATCH', `/stores/${w.storeId}`, { as: w.tokens.chef, body: { isActive: false } });
    const closed = await t.rest('POST', '/orders', { as: w.tokens.customer, body: w.orderBody([thali(1)]) });
    expect(closed.status).toBe(409);
    expect(closed.body.error?.code).toBe('store_closed');

    expect(await orderCount()).toBe(0);
    expect((await w.product('thali')).stock).toBe(5);
  });

  it('never oversells when 20 customers order the last units at once', async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, n) => w.customerToken(100 + n)));
    const replies = await Promise.all(
      tokens.map((as) => t.rest('POST', '/orders', { as, body: w.orderBody([thali(1)]) })),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(replies.filter((r) => r.status === 409).map((r) => r.body.error?.code)).toEqual(
      Array(15).fill('out_of_stock'),
    );
    expect((await w.product('thali')).stock).toBe(0);
  });
});
