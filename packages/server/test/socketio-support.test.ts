import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { closeSioClients, collect, connectSio, emitWithAck, nextEvent, sioClient } from './support/socketio.js';
import { waitUntil } from './support/wait.js';

const servers: TestServer[] = [];
afterEach(async () => {
  closeSioClients();
  for (const t of servers.splice(0)) await t.close();
});

async function server(): Promise<TestServer> {
  const t = await startTestServer({ logLevel: 'warn' });
  servers.push(t);
  return t;
}

interface Message {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  text: string;
}

async function supportSocket(t: TestServer, token: string): Promise<Socket> {
  const socket = sioClient(t, '/support', { token });
  await connectSio(socket);
  return socket;
}

/** A customer's support conversation, opened and claimed over /support; both sockets follow it. */
async function claimedConversation(t: TestServer, w: OrdersWorld) {
  const agent = await supportSocket(t, w.tokens.support);
  const customer = await supportSocket(t, w.tokens.customer);
  const queued = nextEvent<{ conversationId: string; subject: string }>(agent, 'chat:queued');
  const opened = await emitWithAck(customer, 'open', { subject: 'Cold dal' });
  expect(opened).toMatchObject({ ok: true, conversation: { kind: 'support', status: 'queued' } });
  const conversationId = (opened as unknown as { conversation: { id: string } }).conversation.id;
  expect(await queued).toMatchObject({ conversationId, subject: 'Cold dal' });
  const claimed = nextEvent<{ conversationId: string; agent: { userId: string } }>(customer, 'chat:claimed');
  expect(await emitWithAck(agent, 'claim', { conversationId })).toMatchObject({
    ok: true,
    conversation: { id: conversationId, status: 'open' },
  });
  expect(await claimed).toMatchObject({ conversationId, agent: { userId: w.ids.support } });
  return { agent, customer, conversationId };
}

describe('Socket.IO /support (seed 002): live chat through the chat service', () => {
  it('customer and agent exchange messages, typing and read receipts live', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const { agent, customer, conversationId } = await claimedConversation(t, w);
    const agentGot = collect<Message>(agent, 'message');
    const customerGot = collect<Message>(customer, 'message');

    const sent = await emitWithAck(customer, 'message', {
      conversationId,
      text: 'My dal was cold',
      clientMessageId: 'c-1',
    });
    expect(sent).toMatchObject({
      ok: true,
      message: { conversationId, text: 'My dal was cold', senderId: w.ids.customer },
    });
    await waitUntil(() => agentGot.length === 1 && customerGot.length === 1);
    expect(agentGot[0]).toMatchObject({ conversationId, seq: 1, text: 'My dal was cold', clientMessageId: 'c-1' });

    // A retry with the same clientMessageId is stored once and announced once.
    const retried = await emitWithAck(customer, 'message', {
      conversationId,
      text: 'My dal was cold',
      clientMessageId: 'c-1',
    });
    expect(retried).toMatchObject({ ok: true, message: { id: agentGot[0]?.id } });

    const typing = nextEvent<{ conversationId: string; userId: string; typing: boolean }>(customer, 'typing');
    expect(await emitWithAck(agent, 'typing', { conversationId, typing: true })).toMatchObject({
      ok: true,
      forwarded: true,
    });
    expect(await typing).toMatchObject({ conversationId, userId: w.ids.support, typing: true });

    expect(await emitWithAck(agent, 'message', { conversationId, text: 'Sorry! Refund on its way' })).toMatchObject({
      ok: true,
    });
    await waitUntil(() => customerGot.length === 2);
    const reply = customerGot[1] as Message;
    expect(reply).toMatchObject({ senderId: w.ids.support, seq: 2, text: 'Sorry! Refund on its way' });

    const read = nextEvent<{ userId: string; lastReadMessageId: string; lastReadSeq: number }>(agent, 'read');
    expect(await emitWithAck(customer, 'read', { conversationId, messageId: reply.id })).toMatchObject({ ok: true });
    expect(await read).toMatchObject({
      conversationId,
      userId: w.ids.customer,
      lastReadMessageId: reply.id,
      lastReadSeq: 2,
    });

    const status = nextEvent<{ agentId: string; status: string }>(customer, 'chat:agent_status');
    expect(await emitWithAck(agent, 'agentStatus', { status: 'away' })).toMatchObject({ ok: true });
    expect(await status).toMatchObject({ agentId: w.ids.support, status: 'away' });
    expect(agentGot.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('refuses someone else’s conversation: joining, sending, typing and reading', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const { agent, conversationId } = await claimedConversation(t, w);
    const stranger = await supportSocket(t, w.tokens.otherCustomer);
    const strangerGot = collect(stranger, 'message');
    expect(await emitWithAck(stranger, 'join', { conversationId })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
    for (const [event, payload] of [
      ['message', { conversationId, text: 'let me in' }],
      ['typing', { conversationId }],
      ['read', { conversationId, messageId: 'm-1' }],
      ['claim', { conversationId }],
    ] as const) {
      const reply = await emitWithAck(stranger, event, payload);
      expect(reply.ok, event).toBe(false);
      if (!reply.ok) expect(['forbidden', 'permission_denied'], event).toContain(reply.error.code);
    }
    expect(await emitWithAck(stranger, 'join', { conversationId: 'no-such-conversation' })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
    expect(strangerGot).toEqual([]);
    // Customers get no queue events: role:support is the agents' alone.
    const queued = collect(stranger, 'chat:queued');
    const agentQueued = nextEvent<{ subject: string }>(agent, 'chat:queued');
    await emitWithAck(await supportSocket(t, w.tokens.customer), 'open', { subject: 'Another' });
    // The agent's copy arrives after the stranger's would have (both leave on the same publication).
    expect(await agentQueued).toMatchObject({ subject: 'Another' });
    expect(queued).toEqual([]);
  });

  it('answers bad input with negative acks and keeps serving the socket', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const { customer, conversationId } = await claimedConversation(t, w);
    for (const [event, payload] of [
      ['message', 42],
      ['message', { conversationId }],
      ['message', { conversationId: '', text: 'hi' }],
      ['typing', { conversationId, typing: 'yes' }],
      ['read', { conversationId }],
      ['join', null],
      ['open', { subject: 7 }],
    ] as const) {
      expect(await emitWithAck(customer, event, payload), `${event} ${JSON.stringify(payload)}`).toMatchObject({
        ok: false,
        error: { code: 'validation_failed' },
      });
    }
    expect(await emitWithAck(customer, 'message', { conversationId, text: '   ' })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(await emitWithAck(customer, 'message', { conversationId, text: 'x'.repeat(5000) })).toMatchObject({
      ok: false,
      error: { code: 'message_too_long' },
    });
    expect(await emitWithAck(customer, 'chat:send_message', { conversationId, text: 'wrong namespace' })).toEqual({
      ok: false,
      error: { code: 'method_not_found', message: 'unknown event' },
    });
    const error = nextEvent(customer, 'error');
    customer.emit('message', 'nonsense');
    expect(await error).toMatchObject({ event: 'message', code: 'validation_failed' });
    expect(await emitWithAck(customer, 'message', { conversationId, text: 'still here' })).toMatchObject({ ok: true });
  });

  it('recovers the messages a customer missed while its transport was down (typing is never replayed)', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const { agent, customer, conversationId } = await claimedConversation(t, w);
    const got = collect<Message>(customer, 'message');
    const typing = collect(customer, 'typing');
    await emitWithAck(agent, 'message', { conversationId, text: 'one' });
    await waitUntil(() => got.length === 1);

    const clients = t.server.hub.info('test').num_clients as number;
    const dropped = nextEvent(customer, 'disconnect');
    customer.io.engine.close();
    await dropped;
    await waitUntil(() => t.server.hub.info('test').num_clients === clients - 1);
    await emitWithAck(agent, 'typing', { conversationId });
    await emitWithAck(agent, 'message', { conversationId, text: 'two' });
    await emitWithAck(agent, 'message', { conversationId, text: 'three' });

    await connectSio(customer);
    expect(customer.recovered).toBe(true);
    await emitWithAck(agent, 'message', { conversationId, text: 'four' });
    await waitUntil(() => got.length === 4);
    expect(got.map((m) => m.text)).toEqual(['one', 'two', 'three', 'four']);
    expect(typing).toEqual([]);
  });
});
