import { afterEach, describe, expect, it } from 'vitest';
import type { CartView } from '@dabba/protocol';
import type { ServerOptions } from '../src/server.js';
import { startTestServer, type TestServer } from './support/fixture.js';
import { commerceWorld, expectStatus, Inbox, type CommerceWorld } from './support/commerce-world.js';
import { createTestDatabase } from './support/test-database.js';
import { waitUntil } from './support/wait.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serverWith(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const t = await startTestServer({ logLevel: 'warn', ...options });
  cleanup.push(() => t.close());
  return t;
}

const DELIVERY = { deliveryAddress: '5 Hill Road, Bandra', deliveryLatitude: 19.0544, deliveryLongitude: 72.8406 };
const cartOf = (reply: { body: unknown }): CartView => reply.body as CartView;

async function menu(w: CommerceWorld): Promise<void> {
  await w.addProduct({ id: 'thali', name: 'Veg thali', priceMinor: 18000, stock: 5 });
  await w.addProduct({ id: 'chaas', name: 'Masala chaas', priceMinor: 4000 });
}

describe('checkout holds stock', () => {
  it('reserves every line, and the order placed from the cart consumes the hold without taking stock twice', async () => {
    const t = await serverWith();
    const w = await commerceWorld(t);
    await menu(w);
    const phone = await new Inbox(t.centrifuge({ token: w.tokens.customer })).connect();
    await phone.follow(`store:${w.storeId}`);
    const add = (productId: string, quantity: number) =>
      t.rest('POST', '/cart/items', { as: w.tokens.customer, body: { productId, quantity } });
    await add('thali', 2);
    await add('chaas', 1);

    const checkedOut = cartOf(
      expectStatus(await t.rest('POST', '/cart/checkout', { as: w.tokens.customer }), 200, 'checkout'),
    );
    expect(checkedOut.items.map((i) => [i.productId, i.reservedQuantity])).toEqual([
      ['thali', 2],
      ['chaas', 1],
    ]);
    expect(Date.parse(checkedOut.reservedUntil ?? '')).toBeGreaterThan(Date.now() + 9 * 60_000);
    await waitUntil(() => phone.of('cart:item_reserved').length === 2);
    // Held in product-id order, as every transaction locks them.
    expect(phone.of('cart:item_reserved')).toEqual([
      expect.objectContaining({ productId: 'chaas', quantity: 1 }),
      expect.objectContaining({ productId: 'thali', quantity: 2, expiresAt: checkedOut.reservedUntil }),
    ]);
    expect((await w.product('thali')).stock).toBe(3);
    await phone.waitFor('product:stock_update', (d) => d.stock === 3);

    const order = expectStatus(
      await t.rest('POST', '/cart/order', { as: w.tokens.customer, body: DELIVERY }),
      201,
      'order',
    );
    expect(order.body).toMatchObject({ storeId: w.storeId, subtotalMinor: 2 * 18000 + 4000 });
    expect((await w.product('thali')).stock).toBe(3);
    const emptied = await phone.waitFor('cart:sync', (d) => d.cart.items.length === 0);
    expect(emptied.cart).toMatchObject({ reservedUntil: null, storeId: null });
    expect(phone.of('cart:item_released')).toEqual([]);
    // Consumed holds are gone: nothing expires later, and the stock stays where the order left it.
    await t.server.domain.commerce.carts.expireDue();
    expect((await w.product('thali')).stock).toBe(3);
  });

  it('never oversells when 20 customers check out at once', async () => {
    const t = await serverWith();
    const w = await commerceWorld(t);
    await menu(w);
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, n) => w.customerToken(200 + n)));
    for (const as of tokens) await t.rest('POST', '/cart/items', { as, body: { productId: 'thali', quantity: 1 } });
    const replies = await Promise.all(tokens.map((as) => t.rest('POST', '/cart/checkout', { as })));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    expect(replies.filter((r) => r.status === 409).map((r) => r.body.error?.code)).toEqual(
      Array(15).fill('out_of_stock'),
    );
    expect((await w.product('thali')).stock).toBe(0);

    // The five who hold stock all get their orders; nobody else does.
    const holders = tokens.filter((_, n) => replies[n]?.status === 200);
    const orders = await Promise.all(holders.map((as) => t.rest('POST', '/cart/order', { as, body: DELIVERY })));
    expect(orders.map((r) => r.status)).toEqual(Array(5).fill(201));
    const loser = tokens.find((_, n) => replies[n]?.status === 409) ?? '';
    expect((await t.rest('POST', '/cart/order', { as: loser, body: DELIVERY })).body.error?.code).toBe('out_of_stock');
    expect((await w.product('thali')).stock).toBe(0);
  });

  it('checkouts holding the same products, added in opposite orders, neither deadlock nor oversell', async () => {
    const t = await serverWith();
    const w = await commerceWorld(t);
    await menu(w);
    await w.addProduct({ id: 'kulfi', name: 'Kulfi', priceMinor: 6000, stock: 20 });
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, n) => w.customerToken(400 + n)));
    for (const [n, as] of tokens.entries()) {
      for (const productId of n % 2 === 0 ? ['thali', 'kulfi'] : ['kulfi', 'thali']) {
        expectStatus(await t.rest('POST', '/cart/items', { as, body: { productId } }), 200, 'add');
      }
    }
    const replies = await Promise.all(tokens.map((as) => t.rest('POST', '/cart/checkout', { as })));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    expect(new Set(replies.filter((r) => r.status !== 200).map((r) => r.body.error?.code))).toEqual(
      new Set(['out_of_stock']),
    );
    expect((await w.product('thali')).stock).toBe(0);
    expect((await w.product('kulfi')).stock).toBe(15);
  });

  it('releases a hold when it expires, and announces the stock coming back', async () => {
    const t = await serverWith({ cartReservationTtlMs: 300, cartReservationSweepIntervalMs: 50 });
    const w = await commerceWorld(t);
    await menu(w);
    const phone = await new Inbox(t.centrifuge({ token: w.tokens.customer })).connect();
    const shopper = await new Inbox(t.centrifuge({ token: w.tokens.otherCustomer })).connect();
    await shopper.follow('catalog');
    await t.rest('POST', '/cart/items', { as: w.tokens.customer, body: { productId: 'thali', quantity: 2 } });

    const held = cartOf(
      expectStatus(await t.rest('POST', '/cart/checkout', { as: w.tokens.customer }), 200, 'checkout'),
    );
    expect(held.items[0]?.reservedQuantity).toBe(2);
    const expired = await phone.waitFor('cart:item_released', (d) => d.reason === 'expired');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(held.reservedUntil ?? ''));
    expect(expired).toMatchObject({ productId: 'thali', quantity: 2, cartId: held.id });
    await waitUntil(() => shopper.of('product:stock_update').length === 2);
    expect(shopper.of('product:stock_update').map((d) => d.stock)).toEqual([3, 5]);
    expect((await w.product('thali')).stock).toBe(5);
    const synced = await phone.waitFor('cart:sync', (d) => d.cart.version > held.version);
    expect(synced.cart).toMatchObject({
      reservedUntil: null,
      items: [{ productId: 'thali', quantity: 2, reservedQuantity: 0 }],
    });
    // Released once: another sweep finds nothing.
    expect(await t.server.domain.commerce.carts.expireDue()).toBe(0);
    expect((await w.product('thali')).stock).toBe(5);
  });

  it('releases a hold when its line is removed or a later checkout fails', async () => {
    const t = await serverWith();
    const w = await commerceWorld(t);
    await menu(w);
    const phone = await new Inbox(t.centrifuge({ token: w.tokens.customer })).connect();
    await t.rest('POST', '/cart/items', { as: w.tokens.customer, body: { productId: 'thali', quantity: 2 } });
    expectStatus(await t.rest('POST', '/cart/checkout', { as: w.tokens.customer }), 200, 'checkout');
    expect((await w.product('thali')).stock).toBe(3);
    await t.rest('DELETE', '/cart/items/thali', { as: w.tokens.customer });
    expect(await phone.waitFor('cart:item_released', (d) => d.reason === 'removed')).toMatchObject({ quantity: 2 });
    expect((await w.product('thali')).stock).toBe(5);

    await t.rest('POST', '/cart/items', { as: w.tokens.customer, body: { productId: 'thali', quantity: 4 } });
    await t.rest('POST', '/cart/items', { as: w.tokens.customer, body: { productId: 'chaas', quantity: 1 } });
    expectStatus(await t.rest('POST', '/cart/checkout', { as: w.tokens.customer }), 200, 'checkout again');
    expect((await w.product('thali')).stock).toBe(1);
    await t.rest('PATCH', '/products/chaas', { as: w.tokens.chef, body: { available: false } });
    const failed = await t.rest('POST', '/cart/checkout', { as: w.tokens.customer });
    expect(failed.body.error).toMatchObject({ code: 'product_unavailable', details: { productId: 'chaas' } });
    await phone.waitFor('cart:item_released', (d) => d.reason === 'checkout_failed' && d.productId === 'thali');
    expect((await w.product('thali')).stock).toBe(5);
    const cart = cartOf(await t.rest('GET', '/cart', { as: w.tokens.customer }));
    expect(cart.items.map((i) => i.reservedQuantity)).toEqual([0, 0]);

    // An order that fails (the store closed) releases what the checkout held, too.
    await t.rest('PATCH', '/products/chaas', { as: w.tokens.chef, body: { available: true } });
    expectStatus(await t.rest('POST', '/cart/checkout', { as: w.tokens.customer }), 200, 'checkout a third time');
    await t.rest('PATCH', `/stores/${w.storeId}`, { as: w.tokens.chef, body: { isActive: false } });
    const closed = await t.rest('POST', '/cart/order', { as: w.tokens.customer, body: DELIVERY });
    expect(closed.body.error?.code).toBe('store_closed');
    expect((await w.product('thali')).stock).toBe(5);
    expect((await t.rest('GET', '/orders', { as: w.tokens.customer })).body.orders).toEqual([]);
    expect((await t.rest('POST', '/cart/checkout', { as: 'api' })).status).toBe(403);
  });

  it('a hold that expired while the server was down is released at the next start', async () => {
    const database = await createTestDatabase({ persistent: true });
    cleanup.push(() => database.drop());
    const first = await startTestServer({ databaseUrl: database.url, logLevel: 'warn', cartReservationTtlMs: 1500 });
    cleanup.push(() => first.close());
    const w = await commerceWorld(first);
    await menu(w);
    await first.rest('POST', '/cart/items', { as: w.tokens.customer, body: { productId: 'thali', quantity: 3 } });
    const held = cartOf(await first.rest('POST', '/cart/checkout', { as: w.tokens.customer }));
    await first.close();
    expect(Date.now()).toBeLessThan(Date.parse(held.reservedUntil ?? ''));
    await waitUntil(() => Date.now() > Date.parse(held.reservedUntil ?? '') + 50);

    const second = await serverWith({ databaseUrl: database.url });
    expect((await second.rest('GET', '/products/thali', { as: w.tokens.customer })).body).toMatchObject({ stock: 5 });
    const history = await second.api('history', { channel: `user:cust-1`, limit: -1 });
    const types = ((history.body.result?.publications ?? []) as Array<{ tags?: { type?: string } }>).map(
      (p) => p.tags?.type,
    );
    expect(types).toEqual(['cart:item_released', 'cart:sync']);
  });
});
