import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CartView } from '@dabba/protocol';
import { startTestServer, type TestServer } from './support/fixture.js';
import { commerceWorld, expectStatus, Inbox, type CommerceWorld } from './support/commerce-world.js';
import { waitUntil } from './support/wait.js';

describe('a cart synced across a user’s devices', () => {
  let t: TestServer;
  let w: CommerceWorld;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    w = await commerceWorld(t);
    await w.addProduct({ id: 'thali', name: 'Veg thali', priceMinor: 18000, stock: 10 });
    await w.addProduct({ id: 'chaas', name: 'Masala chaas', priceMinor: 4000 });
    await w.addProduct({ id: 'pasta', name: 'Pasta', priceMinor: 30000 }, w.otherStoreId);
  });
  afterEach(() => t.close());

  const cartOf = (reply: { body: unknown }): CartView => reply.body as CartView;

  it('two devices converge on every change, made over REST or rpc', async () => {
    const phone = await new Inbox(t.centrifuge({ token: w.tokens.customer })).connect();
    const laptop = await new Inbox(t.centrifuge({ token: w.tokens.customer })).connect();
    const stranger = await new Inbox(t.centrifuge({ token: w.tokens.otherCustomer })).connect();

    expectStatus(
      await t.rest('POST', '/cart/items', { as: w.tokens.customer, body: { productId: 'thali', quantity: 2 } }),
      200,
      'add',
    );
    await laptop.client.rpc('cart.add', { productId: 'chaas', quantity: 1, expectedVersion: 1 });
    await phone.client.rpc('cart.update', { productId: 'thali', quantity: 3 });
    const last = await t.rest('DELETE', '/cart/items/chaas?expectedVersion=3', { as: w.tokens.customer });
    expect(cartOf(last)).toMatchObject({
      version: 4,
      storeId: w.storeId,
      items: [{ productId: 'thali', quantity: 3, unitPriceMinor: 18000, name: 'Veg thali', reservedQuantity: 0 }],
      subtotalMinor: 54000,
      currency: 'INR',
    });

    for (const device of [phone, laptop]) {
      await waitUntil(() => device.of('cart:sync').length === 4);
      const synced = device.of('cart:sync').map((d) => d.cart);
      expect(synced.map((c) => c.version)).toEqual([1, 2, 3, 4]);
      expect(synced.map((c) => c.items.map((i) => `${i.productId}×${i.quantity}`).join(','))).toEqual([
        'thali×2',
        'thali×2,chaas×1',
        'thali×3,chaas×1',
        'thali×3',
      ]);
      expect(synced.at(-1)).toEqual(cartOf(last));
    }
    expect(cartOf(await t.rest('GET', '/cart', { as: w.tokens.customer }))).toEqual(cartOf(last));
    expect(stranger.of('cart:sync')).toEqual([]);
    expect(cartOf(await t.rest('GET', '/cart', { as: w.tokens.otherCustomer }))).toMatchObject({
      version: 0,
      items: [],
    });
  });

  it('refuses a change made against an old version with the current cart; of two racing, one wins', async () => {
    const phone = await new Inbox(t.centrifuge({ token: w.tokens.customer })).connect();
    const added = await t.rest('POST', '/cart/items', {
      as: w.tokens.customer,
      body: { productId: 'thali', expectedVersion: 0 },
    });
    expect(cartOf(added).version).toBe(1);

    const stale = await t.rest('POST', '/cart/items', {
      as: w.tokens.customer,
      body: { productId: 'chaas', expectedVersion: 0 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error?.code).toBe('cart_version_conflict');
    expect((stale.body.error?.details as { cart: CartView }).cart).toEqual(cartOf(added));
    await expect(phone.client.rpc('cart.remove', { productId: 'thali', expectedVersion: 0 })).rejects.toMatchObject({
      code: 108,
    });

    const racing = await Promise.all(
      [2, 3].map((quantity) =>
        t.rest('PATCH', '/cart/items/thali', { as: w.tokens.customer, body: { quantity, expectedVersion: 1 } }),
      ),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = cartOf(racing.find((r) => r.status === 200) ?? { body: {} });
    expect(cartOf(await t.rest('GET', '/cart', { as: w.tokens.customer }))).toEqual(winner);
    expect(winner.version).toBe(2);
  });

  it('bounds carts and checks what goes in', async () => {
    const add = (body: Record<string, unknown>, as = w.tokens.customer) => t.rest('POST', '/cart/items', { as, body });
    expect((await add({ productId: 'thali', quantity: 100 })).status).toBe(400);
    expect((await add({ productId: 'thali', quantity: 0 })).status).toBe(400);
    expectStatus(await add({ productId: 'thali', quantity: 99 }), 200, 'add 99');
    const over = await add({ productId: 'thali', quantity: 1 });
    expect(over.status).toBe(400);
    expect(over.body.error?.message).toMatch(/at most 99/);
    expect((await add({ productId: 'nope' })).body.error?.code).toBe('not_found');
    const foreign = await add({ productId: 'pasta' });
    expect(foreign.body.error).toMatchObject({ code: 'cart_store_mismatch', details: { cartStoreId: w.storeId } });
    await t.rest('PATCH', '/products/chaas', { as: w.tokens.chef, body: { available: false } });
    expect((await add({ productId: 'chaas' })).body.error?.code).toBe('product_unavailable');
    expect((await t.rest('PATCH', '/cart/items/chaas', { as: w.tokens.customer, body: { quantity: 1 } })).status).toBe(
      404,
    );
    expect((await t.rest('DELETE', '/cart/items/chaas', { as: w.tokens.customer })).status).toBe(404);
    expect((await add({ productId: 'thali' }, 'api')).status).toBe(403);
    expect((await t.rest('GET', '/cart')).status).toBe(401);
    expect(cartOf(await t.rest('GET', '/cart', { as: w.tokens.customer })).items).toEqual([
      expect.objectContaining({ productId: 'thali', quantity: 99 }),
    ]);

    // At most 50 lines.
    for (let n = 0; n < 49; n++) await w.addProduct({ id: `dish-${n}`, name: `Dish ${n}`, priceMinor: 100 });
    for (let n = 0; n < 49; n++) expectStatus(await add({ productId: `dish-${n}` }), 200, `line ${n + 2}`);
    await w.addProduct({ id: 'one-too-many', name: 'One too many', priceMinor: 100 });
    const full = await add({ productId: 'one-too-many' });
    expect(full.status).toBe(400);
    expect(full.body.error?.message).toMatch(/50 lines/);
    const cleared = await t.rest('DELETE', '/cart', { as: w.tokens.customer });
    expect(cartOf(cleared)).toMatchObject({ items: [], storeId: null, subtotalMinor: 0 });
  });
});
