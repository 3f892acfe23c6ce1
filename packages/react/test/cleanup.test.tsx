// @vitest-environment jsdom
import './node-globals.js';
import { createClient, type DabbaClient } from '@dabba/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orderWithChats } from '../../server/test/support/chat-world.js';
import { startTestServer, type TestServer } from '../../server/test/support/fixture.js';
import { ordersWorld, type OrdersWorld } from '../../server/test/support/orders-world.js';
import {
  ConnectionStatus,
  DabbaProvider,
  useCart,
  useChannel,
  useChat,
  useConnectionState,
  useEvent,
  useOrderTracking,
  useRealtimeInvalidation,
} from '../src/index.js';
import { clientOptions, hubCounts, testQueryClient } from './support.js';

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

/** The client with every registration counted: handlers, state listeners, channels, trackers. */
function counted(client: DabbaClient): { client: DabbaClient; active: () => Record<string, number> } {
  const active: Record<string, number> = { on: 0, onAny: 0, onState: 0, onError: 0, subscribe: 0, trackOrder: 0 };
  const release = (kind: string) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      active[kind] = (active[kind] ?? 0) - 1;
    };
  };
  const wrapped: Partial<DabbaClient> = {
    on: (type, handler) => {
      active.on = (active.on ?? 0) + 1;
      const stop = client.on(type, handler);
      const done = release('on');
      return () => (stop(), done());
    },
    onAny: (handler) => {
      active.onAny = (active.onAny ?? 0) + 1;
      const stop = client.onAny(handler);
      const done = release('onAny');
      return () => (stop(), done());
    },
    onState: (listener) => {
      active.onState = (active.onState ?? 0) + 1;
      const stop = client.onState(listener);
      const done = release('onState');
      return () => (stop(), done());
    },
    onError: (listener) => {
      active.onError = (active.onError ?? 0) + 1;
      const stop = client.onError(listener);
      const done = release('onError');
      return () => (stop(), done());
    },
    subscribe: (channel) => {
      active.subscribe = (active.subscribe ?? 0) + 1;
      const sub = client.subscribe(channel);
      const done = release('subscribe');
      return { ...sub, unsubscribe: () => (sub.unsubscribe(), done()) };
    },
    trackOrder: (orderId) => {
      active.trackOrder = (active.trackOrder ?? 0) + 1;
      const tracker = client.trackOrder(orderId);
      const done = release('trackOrder');
      return { ...tracker, close: () => (tracker.close(), done()) };
    },
  };
  const proxy = new Proxy(client, {
    get: (target, prop, receiver) =>
      prop in wrapped ? wrapped[prop as keyof DabbaClient] : Reflect.get(target, prop, receiver),
  });
  return { client: proxy, active: () => ({ ...active }) };
}

function Everything({ orderId, conversationId }: { orderId: string; conversationId: string }) {
  const queryClient = testQueryClient();
  return (
    <QueryClientProvider client={queryClient}>
      <Hooks orderId={orderId} conversationId={conversationId} queryClient={queryClient} />
      <ConnectionStatus />
    </QueryClientProvider>
  );
}

function Hooks(props: { orderId: string; conversationId: string; queryClient: ReturnType<typeof testQueryClient> }) {
  const state = useConnectionState();
  const tracking = useOrderTracking(props.orderId);
  const channel = useChannel(`order:${props.orderId}`, () => undefined);
  useEvent('notification', () => undefined);
  const chat = useChat(props.conversationId);
  const cart = useCart();
  useRealtimeInvalidation(props.queryClient, undefined, { channels: ['catalog'] });
  const ready =
    state.status === 'connected' &&
    tracking?.phase === 'live' &&
    channel.status === 'subscribed' &&
    chat.history === 'loaded' &&
    cart.status === 'ready';
  return <p data-testid="ready">{ready ? 'ready' : 'waiting'}</p>;
}

describe('cleanup', () => {
  it('every hook removes its handlers and leaves its channels on unmount (StrictMode)', async () => {
    const { orderId, driverChat } = await orderWithChats(t, w);
    const raw = createClient(clientOptions(t, w.tokens.customer));
    const { client, active } = counted(raw);
    await waitFor(() => expect(raw.state.status).toBe('connected'));
    const baseline = hubCounts(t).subscriptions; // the user's own channel

    const view = render(
      <StrictMode>
        <DabbaProvider client={client}>
          <Everything orderId={orderId} conversationId={driverChat} />
        </DabbaProvider>
      </StrictMode>,
    );
    await waitFor(() => expect(screen.getByTestId('ready').textContent).toBe('ready'));
    // order:{id} twice (tracker and useChannel share one subscription), tracking:{id}, chat:{id}, catalog.
    await waitFor(() => expect(hubCounts(t).subscriptions).toBe(baseline + 4));
    expect(active().subscribe).toBeGreaterThan(0);
    expect(active().on).toBeGreaterThan(0);

    view.unmount();
    expect(active()).toEqual({ on: 0, onAny: 0, onState: 0, onError: 0, subscribe: 0, trackOrder: 0 });
    await waitFor(() => expect(hubCounts(t).subscriptions).toBe(baseline));
    // The provider did not own the client: still connected.
    expect(raw.state.status).toBe('connected');
    raw.close();
  });
});
