// @vitest-environment jsdom
import './node-globals.js';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orderWithChats, say } from '../../server/test/support/chat-world.js';
import { startTestServer, type TestServer } from '../../server/test/support/fixture.js';
import { ordersWorld, type OrdersWorld } from '../../server/test/support/orders-world.js';
import { DabbaProvider, useChat, useConnectionState, type Chat } from '../src/index.js';
import { clientOptions, subscribers } from './support.js';

let t: TestServer;
let w: OrdersWorld;
beforeEach(async () => {
  t = await startTestServer();
  w = await ordersWorld(t);
});
afterEach(async () => {
  cleanup();
  await t.close();
});

/** Every chat rendered, by its test id, for the test to act on. */
const chats = new Map<string, Chat>();

function ChatView({ id, conversationId }: { id: string; conversationId: string }) {
  const chat = useChat(conversationId);
  const connection = useConnectionState();
  chats.set(id, chat);
  return (
    <section data-testid={id}>
      <p data-testid="connection">{connection.status}</p>
      <p data-testid="history">{chat.history}</p>
      <ul>
        {chat.messages.map((m) => (
          <li key={m.id}>
            {m.senderId}: {m.text}
          </li>
        ))}
        {chat.pending.map((p) => (
          <li key={p.clientMessageId}>
            pending: {p.text} ({p.status})
          </li>
        ))}
      </ul>
      <p data-testid="typing">{chat.typingUsers.join(',') || 'nobody'}</p>
      <p data-testid="read">
        {Object.entries(chat.readSeqs)
          .map(([user, seq]) => `${user}@${seq}`)
          .sort()
          .join(',')}
      </p>
    </section>
  );
}

function Device({ token, id, conversationId }: { token: string; id: string; conversationId: string }) {
  return (
    <StrictMode>
      <DabbaProvider options={clientOptions(t, token)}>
        <ChatView id={id} conversationId={conversationId} />
      </DabbaProvider>
    </StrictMode>
  );
}

const part = (id: string) => within(screen.getByTestId(id));

describe('useChat', () => {
  it('shows history, the other side’s messages and typing, and read markers; unmount leaves the channel', async () => {
    const { driverChat } = await orderWithChats(t, w);
    await say(t, w.tokens.driver, driverChat, 'On my way to the kitchen');
    const view = render(
      <>
        <Device token={w.tokens.customer} id="customer" conversationId={driverChat} />
        <Device token={w.tokens.driver} id="driver" conversationId={driverChat} />
      </>,
    );
    await waitFor(() => expect(part('customer').getByText('drv-1: On my way to the kitchen')).toBeTruthy());
    await waitFor(() => expect(part('driver').getByTestId('history').textContent).toBe('loaded'));
    await waitFor(() => expect(part('customer').getByTestId('connection').textContent).toBe('connected'));
    await waitFor(() => expect(subscribers(t, `chat:${driverChat}`)).toBe(2));

    // Typing: the driver sees the customer typing, the customer does not see themself.
    act(() => chats.get('customer')?.typing());
    await waitFor(() => expect(part('driver').getByTestId('typing').textContent).toBe('cust-1'));
    expect(part('customer').getByTestId('typing').textContent).toBe('nobody');

    // A message: shown pending at once, then stored; the driver gets it live, and it ends the typing.
    let sent: Promise<unknown> | undefined;
    act(() => {
      sent = chats.get('customer')?.send('Please ring the bell');
    });
    expect(part('customer').getByText(/pending: Please ring the bell/)).toBeTruthy();
    await act(async () => void (await sent));
    await waitFor(() => expect(part('driver').getByText('cust-1: Please ring the bell')).toBeTruthy());
    expect(part('customer').getByText('cust-1: Please ring the bell')).toBeTruthy();
    expect(part('customer').queryByText(/pending:/)).toBeNull();
    expect(part('driver').getByTestId('typing').textContent).toBe('nobody');
    expect(part('driver').getAllByText('cust-1: Please ring the bell')).toHaveLength(1);

    // Read receipts: the driver reads; the customer sees the marker move.
    act(() => chats.get('driver')?.markRead());
    await waitFor(() => expect(part('customer').getByTestId('read').textContent).toContain('drv-1@2'));

    view.unmount();
    await waitFor(() => expect(subscribers(t, `chat:${driverChat}`)).toBe(0));
  });

  it('sends typing at most once per throttle window, and a stop after it', async () => {
    // The server forwards every typing call here, so what arrives is what the hook sent.
    await t.close();
    t = await startTestServer({ typingThrottleMs: 0 });
    w = await ordersWorld(t);
    const { kitchenChat } = await orderWithChats(t, w);
    const seen: Array<{ type: string | undefined; data: unknown }> = [];
    const witness = t.centrifuge({ token: w.tokens.chef });
    const sub = witness.newSubscription(`chat:${kitchenChat}`);
    sub.on('publication', (ctx) => seen.push({ type: ctx.tags?.type, data: ctx.data }));
    sub.subscribe();
    witness.connect();
    await sub.ready(5000);

    render(<Device token={w.tokens.customer} id="customer" conversationId={kitchenChat} />);
    await waitFor(() => expect(part('customer').getByTestId('connection').textContent).toBe('connected'));
    for (let i = 0; i < 5; i += 1) act(() => chats.get('customer')?.typing());
    act(() => chats.get('customer')?.stopTyping());
    act(() => chats.get('customer')?.stopTyping());
    // A message last: it arrives after every typing event the calls above caused.
    await act(async () => void (await chats.get('customer')?.send('hello')));
    await waitFor(() => expect(seen.some((e) => e.type === 'chat:message')).toBe(true));
    const typing = seen.filter((e) => e.type === 'chat:typing').map((e) => e.data);
    expect(typing).toEqual([
      expect.objectContaining({ userId: 'cust-1', typing: true }),
      expect.objectContaining({ userId: 'cust-1', typing: false }),
    ]);
  });
});
