import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { connect, expectDenied, follow, Inbox, say } from './support/chat-world.js';

describe('support chat: queue, claims, agent status', () => {
  let t: TestServer;
  let w: OrdersWorld;
  let agents: string[];
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    w = await ordersWorld(t);
    agents = [w.tokens.support];
    for (let i = 2; i <= 6; i++) {
      const token = await t.token(`sup-${i}`, 'support', { name: `Agent ${i}` });
      await t.rest('GET', '/notifications', { as: token });
      agents.push(token);
    }
  });
  afterEach(() => t.close());

  const open = async (token: string, body: Record<string, unknown>) => {
    const reply = await t.rest('POST', '/support/conversations', { as: token, body });
    if (reply.status !== 201) throw new Error(`open failed with ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body as { id: string; status: string };
  };

  it('a new conversation waits in the queue, announced to role:support; the claiming agent and the customer then talk live', async () => {
    const agent = await connect(t, w.tokens.support);
    const board = agent.client.newSubscription('role:support');
    const boardInbox = new Inbox(board);
    board.subscribe();
    await board.ready(5000);

    const created = await open(w.tokens.customer, {
      subject: 'Wrong item delivered',
      text: 'I got paneer instead of dal',
      clientMessageId: 'first',
    });
    expect(created).toMatchObject({ kind: 'support', status: 'queued', subject: 'Wrong item delivered', agent: null });
    const queued = await boardInbox.next('chat:queued');
    expect(queued).toMatchObject({
      conversationId: created.id,
      subject: 'Wrong item delivered',
      requester: { userId: w.ids.customer, role: 'customer', name: 'Asha' },
    });
    const queue = await t.rest('GET', '/support/queue', { as: w.tokens.support });
    expect((queue.body.conversations as Array<{ id: string }>).map((c) => c.id)).toEqual([created.id]);
    expect((await t.rest('GET', '/support/queue', { as: w.tokens.customer })).status).toBe(403);

    // Support staff may read a queued conversation before claiming it.
    const preview = await t.rest('GET', `/conversations/${created.id}/messages`, { as: w.tokens.support });
    expect((preview.body.messages as Array<{ text: string }>).map((m) => m.text)).toEqual([
      'I got paneer instead of dal',
    ]);
    // ...but not write to it.
    const early = await t.rest('POST', `/conversations/${created.id}/messages`, {
      as: w.tokens.support,
      body: { clientMessageId: 'early', text: 'hello' },
    });
    expect(early.status).toBe(403);

    const customer = await connect(t, w.tokens.customer);
    const atCustomer = await follow(customer.client, created.id);
    const claimed = await t.rest('POST', `/support/conversations/${created.id}/claim`, { as: w.tokens.support });
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({
      status: 'open',
      agent: { id: w.ids.support, name: 'Sam', status: 'offline' },
    });
    await atCustomer.inbox.next('chat:claimed', (d) => (d.agent as { userId: string }).userId === w.ids.support);
    await boardInbox.next('chat:claimed');
    expect((await t.rest('GET', '/support/queue', { as: w.tokens.support })).body.conversations).toEqual([]);

    const atAgent = await follow(agent.client, created.id);
    await agent.client.rpc('chat.send', {
      conversationId: created.id,
      clientMessageId: 'a1',
      text: 'Sorry! Refunding now.',
    });
    await atCustomer.inbox.next('chat:message', (d) => d.senderId === w.ids.support);
    await say(t, w.tokens.customer, created.id, 'Thank you');
    await atAgent.inbox.next('chat:message', (d) => d.text === 'Thank you');

    // Resolved: read-only for everyone.
    const closed = await t.rest('POST', `/support/conversations/${created.id}/close`, { as: w.tokens.support });
    expect(closed.body).toMatchObject({ status: 'closed', readOnly: true });
    await atCustomer.inbox.next('chat:closed', (d) => d.reason === 'resolved');
    const late = await t.rest('POST', `/conversations/${created.id}/messages`, {
      as: w.tokens.customer,
      body: { clientMessageId: 'late', text: 'one more thing' },
    });
    expect(late.body.error?.code).toBe('chat_closed');
  });

  it('of many concurrent claims exactly one wins; the others get 409 chat_already_claimed', async () => {
    const created = await open(w.tokens.customer, { subject: 'Late order' });
    const replies = await Promise.all(
      agents.map((as) => t.rest('POST', `/support/conversations/${created.id}/claim`, { as })),
    );
    const winners = replies.filter((r) => r.status === 200);
    const losers = replies.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(agents.length - 1);
    for (const loser of losers) {
      expect(loser.status).toBe(409);
      expect(loser.body.error?.code).toBe('chat_already_claimed');
    }
    const winner = (winners[0]?.body.agent as { id: string }).id;
    const view = await t.rest('GET', `/conversations/${created.id}`, { as: w.tokens.customer });
    const supportMembers = (view.body.participants as Array<{ userId: string; role: string }>).filter(
      (p) => p.role === 'support',
    );
    expect(supportMembers).toEqual([expect.objectContaining({ userId: winner })]);
    // Claimed over rpc after the fact: still one winner.
    const late = await connect(t, agents[1] ?? '');
    await expect(late.client.rpc('chat.claim', { conversationId: created.id })).rejects.toMatchObject({ code: 108 });
    const notAgent = await t.rest('POST', `/support/conversations/${created.id}/claim`, { as: w.tokens.customer });
    expect(notAgent.status).toBe(403);
  });

  it('agent status goes to role:support and to the agent’s open conversations; a repeat is not announced', async () => {
    const created = await open(w.tokens.customer, { subject: 'Refund' });
    await t.rest('POST', `/support/conversations/${created.id}/claim`, { as: w.tokens.support });
    const customer = await connect(t, w.tokens.customer);
    const atCustomer = await follow(customer.client, created.id);
    const colleague = await connect(t, agents[1] ?? '');
    const board = colleague.client.newSubscription('role:support');
    const boardInbox = new Inbox(board);
    board.subscribe();
    await board.ready(5000);

    const set = await t.rest('PUT', '/support/agents/me/status', { as: w.tokens.support, body: { status: 'online' } });
    expect(set.body).toMatchObject({ agentId: w.ids.support, agentName: 'Sam', status: 'online' });
    await atCustomer.inbox.next('chat:agent_status', (d) => d.status === 'online');
    await boardInbox.next('chat:agent_status', (d) => d.status === 'online');
    await t.rest('PUT', '/support/agents/me/status', { as: w.tokens.support, body: { status: 'online' } });
    const agent = await connect(t, w.tokens.support);
    await agent.client.rpc('chat.agent_status', { status: 'away' });
    await atCustomer.inbox.next('chat:agent_status', (d) => d.status === 'away');
    expect(atCustomer.inbox.of('chat:agent_status').map((d) => d.status)).toEqual(['online', 'away']);
    const view = await t.rest('GET', `/conversations/${created.id}`, { as: w.tokens.customer });
    expect(view.body.agent).toMatchObject({ id: w.ids.support, status: 'away' });
    const list = await t.rest('GET', '/support/agents', { as: agents[1] ?? '' });
    expect(list.body.agents).toEqual([expect.objectContaining({ agentId: w.ids.support, status: 'away' })]);

    const bad = await t.rest('PUT', '/support/agents/me/status', { as: w.tokens.support, body: { status: 'busy' } });
    expect(bad.status).toBe(400);
    const notAgent = await t.rest('PUT', '/support/agents/me/status', {
      as: w.tokens.customer,
      body: { status: 'online' },
    });
    expect(notAgent.status).toBe(403);
  });

  it('only the requester, support staff and admins see a support conversation', async () => {
    const created = await open(w.tokens.customer, { subject: 'Account' });
    const stranger = await connect(t, w.tokens.otherCustomer);
    await expectDenied(stranger.client, created.id);
    expect((await t.rest('GET', `/conversations/${created.id}`, { as: w.tokens.driver })).status).toBe(403);
    const colleague = await connect(t, agents[2] ?? '');
    await follow(colleague.client, created.id);
    expect((await t.rest('GET', `/conversations/${created.id}`, { as: w.tokens.admin })).status).toBe(200);
    const bad = await t.rest('POST', '/support/conversations', { as: w.tokens.customer, body: { subject: '' } });
    expect(bad.status).toBe(400);
    const needsId = await t.rest('POST', '/support/conversations', {
      as: w.tokens.customer,
      body: { subject: 'x', text: 'no client id' },
    });
    expect(needsId.body.error?.message).toMatch(/clientMessageId/);
  });
});
