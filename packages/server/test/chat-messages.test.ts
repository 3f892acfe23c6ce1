import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { connect, follow, orderWithChats, say } from './support/chat-world.js';
import { waitUntil } from './support/wait.js';

const TYPING_THROTTLE_MS = 300;

describe('chat messages: idempotent sends, limits, typing, notifications, unread counts, pagination', () => {
  let t: TestServer;
  let w: OrdersWorld;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn', maxMessageLength: 50, typingThrottleMs: TYPING_THROTTLE_MS });
    w = await ordersWorld(t);
  });
  afterEach(() => t.close());

  const chatNotices = async (token: string) => {
    const inbox = await t.rest('GET', '/notifications', { as: token });
    return (inbox.body.notifications as Array<{ type: string; body: string; data: Record<string, unknown> }>).filter(
      (n) => n.type === 'chat_message',
    );
  };

  it('a retried send (REST, rpc, or both at once) stores and publishes the message once', async () => {
    const { driverChat } = await orderWithChats(t, w);
    const driver = await connect(t, w.tokens.driver);
    const { inbox } = await follow(driver.client, driverChat);
    const first = await say(t, w.tokens.customer, driverChat, 'Leave it at the door', 'retry-1');
    const retried = await say(t, w.tokens.customer, driverChat, 'Leave it at the door', 'retry-1');
    expect(retried).toEqual(first);
    const customer = await connect(t, w.tokens.customer);
    const viaRpc = await customer.client.rpc('chat.send', {
      conversationId: driverChat,
      clientMessageId: 'retry-1',
      text: 'Leave it at the door',
    });
    expect(viaRpc.data).toEqual(first);
    // Concurrent duplicates: one stores, the others return it.
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.rest('POST', `/conversations/${driverChat}/messages`, {
          as: w.tokens.customer,
          body: { clientMessageId: 'race-1', text: 'Same one' },
        }),
      ),
    );
    expect(racing.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);

    // The same, straight at the service: every call passes the "already stored?" check before any
    // commits, so all but one meet the unique key and return the stored message.
    const principal = { id: w.ids.customer, role: 'customer' as const };
    const direct = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.server.domain.chat.send(principal, { conversationId: driverChat, clientMessageId: 'race-2', text: 'Again' }),
      ),
    );
    expect(new Set(direct.map((m) => m.id)).size).toBe(1);

    const reused = await t.rest('POST', `/conversations/${driverChat}/messages`, {
      as: w.tokens.customer,
      body: { clientMessageId: 'retry-1', text: 'Something else' },
    });
    expect(reused.status).toBe(409);
    expect(reused.body.error?.code).toBe('idempotency_conflict');

    const history = await t.rest('GET', `/conversations/${driverChat}/messages`, { as: w.tokens.driver });
    expect((history.body.messages as Array<{ text: string }>).map((m) => m.text)).toEqual([
      'Leave it at the door',
      'Same one',
      'Again',
    ]);
    await waitUntil(() => inbox.of('chat:message').length === 3);
    // A marker message proves nothing else is still on its way.
    await say(t, w.tokens.customer, driverChat, 'marker');
    await inbox.next('chat:message', (d) => d.text === 'marker');
    expect(inbox.of('chat:message').map((d) => d.text)).toEqual([
      'Leave it at the door',
      'Same one',
      'Again',
      'marker',
    ]);
  });

  it('refuses bad input with a clear error and stores nothing', async () => {
    const { driverChat } = await orderWithChats(t, w);
    const post = (body: unknown) =>
      t.rest('POST', `/conversations/${driverChat}/messages`, { as: w.tokens.customer, body });
    const tooLong = await post({ clientMessageId: 'long', text: 'x'.repeat(51) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({ code: 'message_too_long', details: { maxLength: 50, length: 51 } });
    // Characters, not UTF-16 units: 50 emoji fit.
    expect((await post({ clientMessageId: 'emoji', text: '🍛'.repeat(50) })).status).toBe(201);
    const empty = await post({ clientMessageId: 'empty', text: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error?.code).toBe('validation_failed');
    const unknownField = await post({ clientMessageId: 'u', text: 'hi', priority: 'high' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error?.code).toBe('validation_failed');
    const noId = await post({ text: 'hi' });
    expect(noId.body.error?.message).toMatch(/clientMessageId/);
    const customer = await connect(t, w.tokens.customer);
    await expect(customer.client.rpc('chat.send', { conversationId: driverChat, text: 'hi' })).rejects.toMatchObject({
      code: 107,
    });
    await expect(
      customer.client.rpc('chat.send', { conversationId: driverChat, clientMessageId: 'r', text: 'y'.repeat(51) }),
    ).rejects.toMatchObject({ code: 107, message: expect.stringMatching(/at most 50/) });
    const badRead = await t.rest('POST', `/conversations/${driverChat}/read`, {
      as: w.tokens.customer,
      body: { messageId: 'nope' },
    });
    expect(badRead.status).toBe(404);

    const history = await t.rest('GET', `/conversations/${driverChat}/messages`, { as: w.tokens.customer });
    expect((history.body.messages as unknown[]).length).toBe(1);
  });

  it('typing is forwarded at most once per throttle window, never stored, and absent from the channel history', async () => {
    const { driverChat } = await orderWithChats(t, w);
    const customer = await connect(t, w.tokens.customer);
    const { inbox } = await follow(customer.client, driverChat);
    const driver = await connect(t, w.tokens.driver);
    const results: Array<{ forwarded: boolean }> = [];
    for (let i = 0; i < 5; i++) {
      results.push(
        (await driver.client.rpc('chat.typing', { conversationId: driverChat })).data as { forwarded: boolean },
      );
    }
    expect(results.map((r) => r.forwarded)).toEqual([true, false, false, false, false]);
    await inbox.next('chat:typing');
    // A stop after a forwarded start goes through; a second stop does not.
    const stop = await t.rest('POST', `/conversations/${driverChat}/typing`, {
      as: w.tokens.driver,
      body: { typing: false },
    });
    expect(stop.body).toMatchObject({ forwarded: true });
    const again = await t.rest('POST', `/conversations/${driverChat}/typing`, {
      as: w.tokens.driver,
      body: { typing: false },
    });
    expect(again.body).toMatchObject({ forwarded: false });
    await inbox.next('chat:typing', (d) => d.typing === false);

    // After the window, the next one is forwarded again.
    await new Promise((resolve) => setTimeout(resolve, TYPING_THROTTLE_MS + 50));
    const later = await t.rest('POST', `/conversations/${driverChat}/typing`, { as: w.tokens.driver, body: {} });
    expect(later.body).toMatchObject({ forwarded: true });
    await waitUntil(() => inbox.of('chat:typing').length === 3);
    await say(t, w.tokens.driver, driverChat, 'marker');
    await inbox.next('chat:message');
    expect(inbox.of('chat:typing').map((d) => d.typing)).toEqual([true, false, true]);

    const history = await t.server.hub.history(`chat:${driverChat}`, { limit: -1 });
    const types = history.publications.map((p) => p.envelope.type);
    expect(types).toContain('chat:message');
    expect(types).not.toContain('chat:typing');
    const stored = await t.rest('GET', `/conversations/${driverChat}/messages`, { as: w.tokens.driver });
    expect((stored.body.messages as unknown[]).length).toBe(1);
    // A recovering client is not replayed stale typing either.
    expect(history.publications.every((p) => p.offset > 0)).toBe(true);
  });

  it('notifies a participant who is not following the conversation, and not one who is', async () => {
    const { driverChat } = await orderWithChats(t, w);
    const driver = await connect(t, w.tokens.driver);
    await say(t, w.tokens.customer, driverChat, 'Are you close? '.repeat(2));
    const notices = await chatNotices(w.tokens.driver);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ data: { conversationId: driverChat }, body: 'Are you close? Are you close? ' });
    // Delivered live to the driver's user channel, too.
    await driver.inbox.next('notification', (d) => d.type === 'chat_message');

    await follow(driver.client, driverChat);
    await say(t, w.tokens.customer, driverChat, 'Never mind, I see you');
    expect(await chatNotices(w.tokens.driver)).toHaveLength(1);
    // The sender is never notified of their own message.
    expect(await chatNotices(w.tokens.customer)).toHaveLength(0);

    // Gone again: notified again.
    driver.client.disconnect();
    await waitUntil(() => Object.keys(t.server.hub.channels(`chat:${driverChat}`)).length === 0);
    await say(t, w.tokens.customer, driverChat, 'Hello?');
    expect(await chatNotices(w.tokens.driver)).toHaveLength(2);
  });

  it('keeps unread counts per conversation in GET /conversations; reading moves them, never backwards', async () => {
    const { driverChat, kitchenChat } = await orderWithChats(t, w);
    const first = await say(t, w.tokens.driver, driverChat, 'one');
    await say(t, w.tokens.driver, driverChat, 'two');
    const third = await say(t, w.tokens.driver, driverChat, 'three');
    await say(t, w.tokens.chef, kitchenChat, 'Extra spicy?');
    await say(t, w.tokens.customer, driverChat, 'my own message does not count');
    const unread = async () => {
      const list = await t.rest('GET', '/conversations', { as: w.tokens.customer });
      return Object.fromEntries(
        (list.body.conversations as Array<{ id: string; unreadCount: number }>).map((c) => [c.id, c.unreadCount]),
      );
    };
    expect(await unread()).toEqual({ [driverChat]: 3, [kitchenChat]: 1 });

    const read = await t.rest('POST', `/conversations/${driverChat}/read`, {
      as: w.tokens.customer,
      body: { messageId: first.id },
    });
    expect(read.body).toMatchObject({ lastReadSeq: 1, unreadCount: 2 });
    await t.rest('POST', `/conversations/${driverChat}/read`, { as: w.tokens.customer, body: { messageId: third.id } });
    expect(await unread()).toEqual({ [driverChat]: 0, [kitchenChat]: 1 });
    // Reading an older message does not move the marker back.
    const back = await t.rest('POST', `/conversations/${driverChat}/read`, {
      as: w.tokens.customer,
      body: { messageId: first.id },
    });
    expect(back.body).toMatchObject({ lastReadSeq: 3, lastReadMessageId: third.id, unreadCount: 0 });
    const view = await t.rest('GET', `/conversations/${driverChat}`, { as: w.tokens.driver });
    expect(view.body.readMarkers).toContainEqual({
      userId: w.ids.customer,
      lastReadSeq: 3,
      lastReadMessageId: third.id,
    });
    expect(view.body.unreadCount).toBe(1);
  });

  it('pages history backwards with a cursor, oldest first within a page', async () => {
    const { driverChat } = await orderWithChats(t, w);
    for (let i = 1; i <= 7; i++) await say(t, w.tokens.customer, driverChat, `m${i}`);
    const texts: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=3&before=${cursor}` : '?limit=3';
      const page = await t.rest('GET', `/conversations/${driverChat}/messages${query}`, { as: w.tokens.driver });
      expect(page.status).toBe(200);
      texts.push((page.body.messages as Array<{ text: string }>).map((m) => m.text));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(texts).toEqual([['m5', 'm6', 'm7'], ['m2', 'm3', 'm4'], ['m1']]);
    const driver = await connect(t, w.tokens.driver);
    const viaRpc = await driver.client.rpc('chat.history', { conversationId: driverChat, limit: 2 });
    expect(viaRpc.data).toMatchObject({ nextCursor: '6', messages: [{ text: 'm6' }, { text: 'm7' }] });
    const bad = await t.rest('GET', `/conversations/${driverChat}/messages?limit=1000`, { as: w.tokens.driver });
    expect(bad.status).toBe(400);
  });
});
