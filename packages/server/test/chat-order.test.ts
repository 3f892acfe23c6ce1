import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { connect, expectDenied, follow, Inbox, orderWithChats, say } from './support/chat-world.js';

describe('order chats, with real clients', () => {
  let t: TestServer;
  let w: OrdersWorld;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    w = await ordersWorld(t);
  });
  afterEach(() => t.close());

  it('opens the kitchen chat on accept and the driver chat on assignment, announced on the order and to participants', async () => {
    const customer = await connect(t, w.tokens.customer);
    const chef = await connect(t, w.tokens.chef);
    const driver = await connect(t, w.tokens.driver);
    const orderId = await w.placeOrder();
    const orderSub = customer.client.newSubscription(`order:${orderId}`);
    const orderInbox = new Inbox(orderSub);
    orderSub.subscribe();
    await orderSub.ready(5000);

    await w.move(orderId, 'payment_confirmed', 'api');
    expect((await t.rest('GET', '/conversations', { as: w.tokens.customer })).body.conversations).toEqual([]);
    await w.move(orderId, 'accepted', w.tokens.chef);
    const kitchen = await orderInbox.next('chat:opened', (d) => d.topic === 'kitchen');
    expect(kitchen).toMatchObject({ kind: 'order', orderId, subject: null });
    expect((kitchen.participants as Array<{ userId: string }>).map((p) => p.userId).sort()).toEqual(
      [w.ids.chef, w.ids.customer].sort(),
    );
    await chef.inbox.next('chat:opened', (d) => d.conversationId === kitchen.conversationId);

    await w.assign(orderId, w.ids.driver);
    const driverChat = await orderInbox.next('chat:opened', (d) => d.topic === 'driver');
    await driver.inbox.next('chat:opened', (d) => d.conversationId === driverChat.conversationId);
    await customer.inbox.next('chat:opened', (d) => d.conversationId === driverChat.conversationId);
    // The chef is not in the driver chat.
    expect(chef.inbox.of('chat:opened').map((d) => d.conversationId)).toEqual([kitchen.conversationId]);
    const chefSees = await t.rest('GET', `/conversations/${String(driverChat.conversationId)}`, { as: w.tokens.chef });
    expect(chefSees.status).toBe(403);
    expect(chefSees.body.error?.code).toBe('forbidden');
  });

  it('customer and driver see each other’s messages, typing and read receipts live', async () => {
    const { driverChat } = await orderWithChats(t, w);
    const customer = await connect(t, w.tokens.customer);
    const driver = await connect(t, w.tokens.driver);
    const atCustomer = await follow(customer.client, driverChat);
    const atDriver = await follow(driver.client, driverChat);

    const sent = (
      await customer.client.rpc('chat.send', {
        conversationId: driverChat,
        clientMessageId: 'c-1',
        text: 'Please ring the bell twice 🔔',
      })
    ).data as { id: string; seq: number };
    expect(sent).toMatchObject({ seq: 1, senderId: w.ids.customer, senderName: 'Asha', clientMessageId: 'c-1' });
    const got = await atDriver.inbox.next('chat:message');
    expect(got).toMatchObject({ id: sent.id, text: 'Please ring the bell twice 🔔', senderRole: 'customer' });

    await driver.client.rpc('chat.typing', { conversationId: driverChat });
    const typing = await atCustomer.inbox.next('chat:typing');
    expect(typing).toMatchObject({ userId: w.ids.driver, typing: true, expiresInMs: 5000 });

    const reply = await say(t, w.tokens.driver, driverChat, 'On my way, 5 minutes');
    await atCustomer.inbox.next('chat:message', (d) => d.id === reply.id);

    const read = await customer.client.rpc('chat.read', { conversationId: driverChat, messageId: reply.id });
    expect(read.data).toMatchObject({ lastReadSeq: 2, lastReadMessageId: reply.id, unreadCount: 0 });
    const receipt = await atDriver.inbox.next('chat:read');
    expect(receipt).toMatchObject({ userId: w.ids.customer, lastReadMessageId: reply.id, lastReadSeq: 2 });
    // Both were following: no notification was needed.
    const inbox = await t.rest('GET', '/notifications', { as: w.tokens.driver });
    const chatNotices = (inbox.body.notifications as Array<{ type: string }>).filter((n) => n.type === 'chat_message');
    expect(chatNotices).toEqual([]);
  });

  it('a reassigned driver leaves the chat (unsubscribed, then denied) and the new driver joins with its history', async () => {
    const { orderId, driverChat } = await orderWithChats(t, w);
    await say(t, w.tokens.customer, driverChat, 'Gate code is 4521');
    const oldDriver = await connect(t, w.tokens.driver);
    const { sub } = await follow(oldDriver.client, driverChat);
    const unsubscribed = new Promise<void>((resolve) => sub.on('unsubscribed', () => resolve()));

    await w.assign(orderId, w.ids.otherDriver);
    await unsubscribed;
    const denied = await t.rest('GET', `/conversations/${driverChat}/messages`, { as: w.tokens.driver });
    expect(denied.status).toBe(403);
    const send = await t.rest('POST', `/conversations/${driverChat}/messages`, {
      as: w.tokens.driver,
      body: { clientMessageId: 'late', text: 'still here?' },
    });
    expect(send.status).toBe(403);
    await expectDenied(oldDriver.client, driverChat);

    const history = await t.rest('GET', `/conversations/${driverChat}/messages`, { as: w.tokens.otherDriver });
    expect(history.status).toBe(200);
    expect((history.body.messages as Array<{ text: string }>).map((m) => m.text)).toEqual(['Gate code is 4521']);
    const view = await t.rest('GET', `/conversations/${driverChat}`, { as: w.tokens.customer });
    expect((view.body.participants as Array<{ userId: string }>).map((p) => p.userId).sort()).toEqual(
      [w.ids.customer, w.ids.otherDriver].sort(),
    );
    const newDriver = await connect(t, w.tokens.otherDriver);
    const { inbox } = await follow(newDriver.client, driverChat);
    await say(t, w.tokens.customer, driverChat, 'Welcome!');
    await inbox.next('chat:message', (d) => d.text === 'Welcome!');
  });

  it('becomes read-only when the order ends: history stays, sending is 409 chat_closed', async () => {
    const { orderId, driverChat, kitchenChat } = await orderWithChats(t, w);
    await say(t, w.tokens.customer, driverChat, 'Hi');
    const customer = await connect(t, w.tokens.customer);
    const { inbox } = await follow(customer.client, driverChat);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    await w.move(orderId, 'picked_up', w.tokens.driver);
    await w.move(orderId, 'in_transit', w.tokens.driver);
    await w.move(orderId, 'delivered', w.tokens.driver);
    expect(await inbox.next('chat:closed')).toMatchObject({ conversationId: driverChat, reason: 'order_ended' });

    for (const [conversation, token] of [
      [driverChat, w.tokens.driver],
      [kitchenChat, w.tokens.chef],
    ] as const) {
      const reply = await t.rest('POST', `/conversations/${conversation}/messages`, {
        as: token,
        body: { clientMessageId: 'after-end', text: 'thanks!' },
      });
      expect(reply.status).toBe(409);
      expect(reply.body.error?.code).toBe('chat_closed');
      const typing = await t.rest('POST', `/conversations/${conversation}/typing`, { as: token, body: {} });
      expect(typing.body.error?.code).toBe('chat_closed');
    }
    await expect(
      customer.client.rpc('chat.send', { conversationId: driverChat, clientMessageId: 'x', text: 'y' }),
    ).rejects.toMatchObject({
      code: 108,
    });
    const view = await t.rest('GET', `/conversations/${driverChat}`, { as: w.tokens.customer });
    expect(view.body).toMatchObject({ status: 'closed', readOnly: true });
    const history = await t.rest('GET', `/conversations/${driverChat}/messages`, { as: w.tokens.customer });
    expect((history.body.messages as unknown[]).length).toBe(1);
  });

  it('a cancelled order closes its kitchen chat', async () => {
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await t.rest('POST', `/orders/${orderId}/cancel`, { as: w.tokens.support, body: { reason: 'out of stock' } });
    const list = await t.rest('GET', '/conversations', { as: w.tokens.chef });
    expect(list.body.conversations).toMatchObject([{ orderId, topic: 'kitchen', status: 'closed', readOnly: true }]);
  });

  it('authorization: strangers are denied the channel and REST (403), unknown conversations are 404', async () => {
    const { driverChat } = await orderWithChats(t, w);
    const other = await orderWithChats(t, w);
    for (const token of [w.tokens.otherCustomer, w.tokens.otherDriver, w.tokens.otherChef, w.tokens.support]) {
      const reply = await t.rest('GET', `/conversations/${driverChat}/messages`, { as: token });
      expect(reply.status, token).toBe(403);
      const { client } = await connect(t, token);
      await expectDenied(client, driverChat);
    }
    // The driver of another order: same role, other conversation.
    await t.rest('POST', `/orders/${other.orderId}/assign`, {
      as: w.tokens.chef,
      body: { driverId: w.ids.otherDriver },
    });
    const cross = await t.rest('POST', `/conversations/${driverChat}/messages`, {
      as: w.tokens.otherDriver,
      body: { clientMessageId: 'x', text: 'hello?' },
    });
    expect(cross.status).toBe(403);
    const admin = await t.rest('GET', `/conversations/${driverChat}/messages`, { as: w.tokens.admin });
    expect(admin.status).toBe(200);

    const unknown = await t.rest('GET', '/conversations/no-such-conversation', { as: w.tokens.customer });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('not_found');
    const unknownSend = await t.rest('POST', '/conversations/no-such-conversation/messages', {
      as: w.tokens.customer,
      body: { clientMessageId: 'x', text: 'hi' },
    });
    expect(unknownSend.status).toBe(404);
    const anonymous = await t.rest('GET', '/conversations');
    expect(anonymous.status).toBe(401);
  });
});
