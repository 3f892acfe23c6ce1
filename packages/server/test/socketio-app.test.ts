import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { CartView } from '@dabba/protocol';
import type { TestServer } from './support/fixture.js';
import { commerceWorld, expectStatus } from './support/commerce-world.js';
import { collect, connectSio, emitWithAck, nextEvent, sioClient, socketIoServers } from './support/socketio.js';
import { waitUntil } from './support/wait.js';

const server = socketIoServers();

async function appSocket(t: TestServer, token: string): Promise<Socket> {
  const socket = sioClient(t, '/app', { token });
  await connectSio(socket);
  return socket;
}

/** The fields of a positive acknowledgement (fails the test on a negative one). */
async function ok<T = Record<string, unknown>>(socket: Socket, event: string, payload?: unknown): Promise<T> {
  const reply = await emitWithAck(socket, event, payload);
  if (!reply.ok) throw new Error(`${event} refused: ${reply.error.code} ${reply.error.message}`);
  return reply as unknown as T;
}

describe('Socket.IO /app (seed 004): cart, catalog, feed, leaderboard and chat from the hub', () => {
  it('two devices of one user converge on cart events; a stale edit gets cart_version_conflict with the cart', async () => {
    const t = await server();
    const w = await commerceWorld(t);
    await w.addProduct({ id: 'thali', name: 'Veg thali', priceMinor: 18000, stock: 10 });
    await w.addProduct({ id: 'chaas', name: 'Masala chaas', priceMinor: 4000 });
    const phone = await appSocket(t, w.tokens.customer);
    const laptop = await appSocket(t, w.tokens.customer);
    const stranger = await appSocket(t, w.tokens.otherCustomer);
    const synced = [phone, laptop].map((s) => collect<{ cart: CartView }>(s, 'cart:sync'));
    const strangerSynced = collect(stranger, 'cart:sync');

    const subscribed = await ok<{ cart: CartView }>(phone, 'subscribe:cart', {});
    expect(subscribed.cart).toMatchObject({ version: 0, items: [] });
    const added = await ok<{ cart: CartView }>(phone, 'cart:add', {
      productId: 'thali',
      quantity: 2,
      expectedVersion: 0,
    });
    expect(added.cart).toMatchObject({ version: 1, items: [{ productId: 'thali', quantity: 2 }] });
    await ok(laptop, 'cart:add', { productId: 'chaas', expectedVersion: 1 });
    const stale = await emitWithAck(phone, 'cart:update', { productId: 'thali', quantity: 3, expectedVersion: 1 });
    expect(stale).toMatchObject({
      ok: false,
      error: { code: 'cart_version_conflict', details: { cart: { version: 2 } } },
    });
    const updated = await ok<{ cart: CartView }>(phone, 'cart:update', {
      productId: 'thali',
      quantity: 3,
      expectedVersion: 2,
    });
    expect((await ok<{ cart: CartView }>(laptop, 'cart:get')).cart).toEqual(updated.cart);

    for (const device of synced) {
      await waitUntil(() => device.length === 3);
      expect(device.map((d) => d.cart.version)).toEqual([1, 2, 3]);
      expect(device.at(-1)?.cart).toEqual(updated.cart);
    }

    // A checkout holds the stock of each line: both devices hear of it, and of a release.
    const reserved = [phone, laptop].map((s) =>
      collect<{ productId: string; quantity: number }>(s, 'cart:item_reserved'),
    );
    expectStatus(await t.rest('POST', '/cart/checkout', { as: w.tokens.customer }), 200, 'checkout');
    for (const device of reserved) {
      await waitUntil(() => device.length === 2);
      expect(device.map((r) => `${r.productId}×${r.quantity}`)).toEqual(['chaas×1', 'thali×3']);
    }
    const released = [phone, laptop].map((s) =>
      nextEvent<{ productId: string; reason: string }>(s, 'cart:item_released'),
    );
    await ok(laptop, 'cart:remove', { productId: 'thali' });
    for (const event of await Promise.all(released))
      expect(event).toMatchObject({ productId: 'thali', reason: 'removed' });
    expect(strangerSynced).toEqual([]);
  });

  it('refuses another user’s cart channel and someone else’s conversation', async () => {
    const t = await server();
    const w = await commerceWorld(t);
    const stranger = await appSocket(t, w.tokens.otherCustomer);
    expect(await emitWithAck(stranger, 'subscribe:cart', { userId: 'cust-1' })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
    const own = await ok<{ cart: CartView }>(await appSocket(t, w.tokens.customer), 'subscribe:cart');
    expect(await emitWithAck(stranger, 'subscribe:cart', { cartId: own.cart.id })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
    const opened = await t.rest('POST', '/support/conversations', { as: w.tokens.customer, body: { subject: 'Help' } });
    const chatId = expectStatus(opened, 201, 'open').body.id as string;
    expect(await emitWithAck(stranger, 'subscribe:chat', { chatId })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
    const refused = await emitWithAck(stranger, 'chat:send_message', { chatId, message: 'let me in' });
    expect(refused.ok).toBe(false);
    expect(await emitWithAck(stranger, 'subscribe:order', { orderId: 'no-such-order' })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
  });

  it('chat: chat:send_message reaches the conversation’s followers as chat:message; typing, read, agent status', async () => {
    const t = await server();
    const w = await commerceWorld(t);
    const agentToken = await t.token('sup-1', 'support', { name: 'Sam' });
    await t.rest('GET', '/notifications', { as: agentToken });
    await t.rest('GET', '/notifications', { as: w.tokens.customer });
    const opened = await t.rest('POST', '/support/conversations', { as: w.tokens.customer, body: { subject: 'Late' } });
    const chatId = expectStatus(opened, 201, 'open').body.id as string;
    expectStatus(await t.rest('POST', `/support/conversations/${chatId}/claim`, { as: agentToken }), 200, 'claim');
    const customer = await appSocket(t, w.tokens.customer);
    const agent = await appSocket(t, agentToken);
    await ok(customer, 'subscribe:chat', { chatId });
    await ok(agent, 'subscribe:chat', chatId);

    const message = nextEvent<{ id: string; text: string; senderId: string }>(agent, 'chat:message');
    // Seed 004 sends {chatId, message, timestamp}.
    const sent = await ok<{ message: { id: string } }>(customer, 'chat:send_message', {
      chatId,
      message: 'Where is my food?',
      timestamp: new Date().toISOString(),
    });
    expect(await message).toMatchObject({ id: sent.message.id, text: 'Where is my food?', senderId: 'cust-1' });

    const typing = nextEvent<{ userId: string; typing: boolean }>(customer, 'chat:typing');
    await ok(agent, 'chat:typing', { chatId, isTyping: true, timestamp: new Date().toISOString() });
    expect(await typing).toMatchObject({ conversationId: chatId, userId: 'sup-1', typing: true });

    const read = nextEvent<{ userId: string; lastReadMessageId: string }>(customer, 'chat:read');
    await ok(agent, 'chat:read', { chatId, messageIds: [sent.message.id] });
    expect(await read).toMatchObject({ userId: 'sup-1', lastReadMessageId: sent.message.id });

    const status = nextEvent<{ agentId: string; status: string }>(customer, 'chat:agent_status');
    await ok(agent, 'chat:agent_status', { status: 'online' });
    expect(await status).toMatchObject({ agentId: 'sup-1', status: 'online' });

    await ok(customer, 'unsubscribe:chat', { chatId });
    const agentGot = collect(agent, 'chat:message');
    const customerGot = collect(customer, 'chat:message');
    await ok(agent, 'chat:send_message', { chatId, text: 'On its way' });
    await waitUntil(() => agentGot.length === 1);
    expect(customerGot).toEqual([]);
  });

  it('two users see each other’s feed actions', async () => {
    const t = await server();
    const [ana, ben] = [
      await t.token('ana', 'customer', { name: 'Ana' }),
      await t.token('ben', 'customer', { name: 'Ben' }),
    ];
    const a = await appSocket(t, ana as string);
    const b = await appSocket(t, ben as string);
    await ok(a, 'subscribe:feed');
    await ok(b, 'subscribe:feed');

    const seen = nextEvent<{ id: string; authorId: string; text: string }>(b, 'feed:new_post');
    const posted = await ok<{ post: { id: string } }>(a, 'feed:post', { text: 'Best dosa in town' });
    expect(await seen).toMatchObject({ id: posted.post.id, authorId: 'ana', text: 'Best dosa in town' });

    const liked = nextEvent<{ postId: string; userId: string; likeCount: number }>(a, 'feed:like');
    await ok(b, 'feed:like', { postId: posted.post.id });
    expect(await liked).toMatchObject({ postId: posted.post.id, userId: 'ben', liked: true, likeCount: 1 });

    const commented = nextEvent<{ postId: string; comment: { text: string } }>(a, 'feed:comment');
    await ok(b, 'feed:comment', { postId: posted.post.id, text: 'Agreed!' });
    expect(await commented).toMatchObject({ postId: posted.post.id, comment: { authorId: 'ben', text: 'Agreed!' } });

    const followed = nextEvent<{ followerId: string; userId: string; following: boolean }>(a, 'feed:follow');
    await ok(b, 'feed:follow', { userId: 'ana' });
    expect(await followed).toMatchObject({ followerId: 'ben', userId: 'ana', following: true });

    expect(await emitWithAck(b, 'feed:like', { postId: 'no-such-post' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    await ok(b, 'unsubscribe:feed');
    const bPosts = collect(b, 'feed:new_post');
    const again = nextEvent(a, 'feed:new_post');
    await ok(a, 'feed:post', { text: 'Second' });
    await again;
    expect(bPosts).toEqual([]);
  });

  it('a store subscriber sees stock, price, availability and flash-sale events under seed 004’s names', async () => {
    const t = await server();
    const w = await commerceWorld(t);
    await w.addProduct({ id: 'thali', name: 'Veg thali', priceMinor: 18000, stock: 8 });
    await w.addProduct({ id: 'pasta', name: 'Pasta', priceMinor: 30000, stock: 2 }, w.otherStoreId);
    const shopper = await appSocket(t, w.tokens.customer);
    await ok(shopper, 'subscribe:store', { storeId: w.storeId });
    const other = await appSocket(t, w.tokens.otherCustomer);
    expect(await ok(other, 'subscribe:product', 'pasta')).toMatchObject({ storeId: w.otherStoreId });
    const otherStock = collect<{ productId: string }>(other, 'stock:updated');

    const stock = nextEvent(shopper, 'stock:updated');
    expectStatus(await t.rest('POST', '/products/thali/stock', { as: w.tokens.chef, body: { set: 3 } }), 200, 'stock');
    expect(await stock).toMatchObject({
      productId: 'thali',
      storeId: w.storeId,
      quantity: 3,
      previousQuantity: 8,
      status: 'LOW_STOCK',
      product: { id: 'thali', stock: 3 },
    });

    const price = nextEvent(shopper, 'price:updated');
    expectStatus(
      await t.rest('PATCH', '/products/thali', { as: w.tokens.chef, body: { priceMinor: 20000 } }),
      200,
      'price',
    );
    expect(await price).toMatchObject({ productId: 'thali', oldPrice: 18000, newPrice: 20000, currency: 'INR' });

    const availability = nextEvent(shopper, 'product:availability');
    expectStatus(
      await t.rest('PATCH', '/products/thali', { as: w.tokens.chef, body: { available: false } }),
      200,
      'off',
    );
    expect(await availability).toMatchObject({ productId: 'thali', isAvailable: false });

    const started = nextEvent(shopper, 'flashsale:started');
    const salePrice = nextEvent<{ newPrice: number }>(shopper, 'price:updated');
    const sale = {
      startsAt: new Date(Date.now() - 1000).toISOString(),
      endsAt: new Date(Date.now() + 60_000).toISOString(),
      discountPercent: 25,
    };
    expectStatus(await t.rest('POST', '/products/thali/flash-sale', { as: w.tokens.chef, body: sale }), 201, 'sale');
    expect(await started).toMatchObject({
      productId: 'thali',
      title: 'Veg thali',
      discountPercentage: 25,
      endTime: sale.endsAt,
    });
    expect(await salePrice).toMatchObject({ oldPrice: 20000, newPrice: 15000, discountPercentage: 25 });
    const ended = nextEvent(shopper, 'flashsale:ended');
    expectStatus(await t.rest('DELETE', '/products/thali/flash-sale', { as: w.tokens.chef }), 200, 'cancel');
    expect(await ended).toMatchObject({ productId: 'thali', reason: 'cancelled' });

    // The product subscriber hears of its own store's products, not of this store's.
    const pasta = nextEvent(other, 'stock:updated');
    expectStatus(
      await t.rest('POST', '/products/pasta/stock', { as: w.tokens.otherChef, body: { delta: -2 } }),
      200,
      'pasta',
    );
    expect(await pasta).toMatchObject({ productId: 'pasta', quantity: 0, status: 'OUT_OF_STOCK' });
    expect(otherStock.map((s) => s.productId)).toEqual(['pasta']);
    await ok(other, 'unsubscribe:product', { productId: 'pasta' });
    expect(await emitWithAck(other, 'subscribe:product', { productId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('leaderboard: updates to subscribers, rank changes and achievements to the user', async () => {
    const t = await server({ leaderboardUpdateIntervalMs: 20, achievements: [{ id: 'ten', name: 'Ten', points: 10 }] });
    const ana = await t.token('ana', 'customer', { name: 'Ana' });
    await t.rest('GET', '/leaderboard', { as: ana });
    const a = await appSocket(t, ana);
    const watcher = await appSocket(t, await t.token('watcher', 'customer'));
    await ok(watcher, 'subscribe:leaderboard', { period: 'monthly' });
    const rank = nextEvent(a, 'leaderboard:rank_change');
    const achievement = nextEvent(a, 'leaderboard:achievement');
    const update = nextEvent<{ entries: Array<{ userId: string; points: number }> }>(watcher, 'leaderboard:update');
    const watcherRanks = collect(watcher, 'leaderboard:rank_change');
    const award = await t.rest('POST', '/leaderboard/points', {
      as: 'api',
      body: { userId: 'ana', points: 15, reason: 'referral' },
    });
    expect(award.status).toBeLessThan(300);
    expect(await rank).toMatchObject({ userId: 'ana', previousRank: null, rank: 1, points: 15 });
    expect(await achievement).toMatchObject({ userId: 'ana', achievement: { id: 'ten' } });
    expect((await update).entries).toMatchObject([{ userId: 'ana', points: 15, rank: 1 }]);
    expect(watcherRanks).toEqual([]);
  });

  it('answers bad input with negative acks; unknown events get method_not_found', async () => {
    const t = await server();
    const w = await commerceWorld(t);
    const socket = await appSocket(t, w.tokens.customer);
    for (const [event, payload] of [
      ['cart:add', 'thali'],
      ['cart:add', { productId: 42 }],
      ['cart:update', { productId: 'thali', quantity: 0 }],
      ['subscribe:store', { storeId: '' }],
      ['subscribe:product', 7],
      ['chat:send_message', { message: 'no chat' }],
      ['chat:read', { chatId: 'c-1' }],
      ['chat:read', { chatId: 'c-1', messageIds: [] }],
      ['chat:typing', { chatId: 'c-1', isTyping: 'yes' }],
      ['feed:post', { text: '' }],
      ['feed:post', 'hello'],
      ['feed:follow', { userId: 5 }],
      ['subscribe:cart', { cartId: ['x'] }],
    ] as const) {
      expect(await emitWithAck(socket, event, payload), `${event} ${JSON.stringify(payload)}`).toMatchObject({
        ok: false,
        error: { code: 'validation_failed' },
      });
    }
    expect(await emitWithAck(socket, 'subscribe:store', { storeId: 'bad store!' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    expect(await emitWithAck(socket, 'message', { text: 'wrong namespace' })).toMatchObject({
      ok: false,
      error: { code: 'method_not_found' },
    });
    expect(await emitWithAck(socket, 'cart:get', undefined)).toMatchObject({ ok: true, cart: { version: 0 } });
  });
});
