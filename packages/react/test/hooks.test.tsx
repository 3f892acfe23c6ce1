// @vitest-environment jsdom
import './node-globals.js';
import type { EventMeta } from '@dabba/client';
import { QueryClientProvider, useQuery, type QueryClient } from '@tanstack/react-query';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { StrictMode, useState, type ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PublicationContext } from 'centrifuge';
import { once, startTestServer, type TestServer } from '../../server/test/support/fixture.js';
import { ordersWorld, type OrdersWorld } from '../../server/test/support/orders-world.js';
import {
  DabbaProvider,
  useChannel,
  useConnectionState,
  useEvent,
  useOrderTracking,
  useRealtimeInvalidation,
} from '../src/index.js';
import { clientOptions, hubCounts, subscribers, testQueryClient } from './support.js';

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

function Connected() {
  return <p>{useConnectionState().status}</p>;
}

function withProvider(token: string, children: ReactNode): ReactNode {
  return (
    <StrictMode>
      <DabbaProvider options={clientOptions(t, token)}>
        <Connected />
        {children}
      </DabbaProvider>
    </StrictMode>
  );
}

function Tracking({ orderId }: { orderId: string }) {
  const state = useOrderTracking(orderId);
  return (
    <div>
      <p data-testid="status">{state?.status ?? 'none'}</p>
      <p data-testid="phase">{state?.phase ?? 'none'}</p>
      <p data-testid="history">{state?.history.map((h) => h.status).join(',')}</p>
      <p data-testid="driver">{state?.driver?.name ?? 'no driver'}</p>
    </div>
  );
}

describe('useOrderTracking', () => {
  it('follows a real order through its statuses, and leaves its channels on unmount', async () => {
    const orderId = await w.placeOrder();
    const view = render(withProvider(w.tokens.customer, <Tracking orderId={orderId} />));
    await waitFor(() => expect(screen.getByTestId('phase').textContent).toBe('live'));
    expect(screen.getByTestId('status').textContent).toBe('pending');
    expect(subscribers(t, `order:${orderId}`)).toBe(1);
    expect(subscribers(t, `tracking:${orderId}`)).toBe(1);

    await w.move(orderId, 'payment_confirmed', 'api');
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('payment_confirmed'));
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    await w.assign(orderId, w.ids.driver);
    await waitFor(() => expect(screen.getByTestId('driver').textContent).toBe('Meera'));
    await w.move(orderId, 'picked_up', w.tokens.driver);
    await w.move(orderId, 'in_transit', w.tokens.driver);
    await w.move(orderId, 'delivered', w.tokens.driver);
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('delivered'));
    expect(screen.getByTestId('history').textContent).toBe(
      'pending,payment_confirmed,accepted,ready_for_pickup,assigned_to_driver,picked_up,in_transit,delivered',
    );

    view.unmount();
    await waitFor(() => expect(subscribers(t, `order:${orderId}`)).toBe(0));
    expect(subscribers(t, `tracking:${orderId}`)).toBe(0);
  });
});

describe('useChannel and useEvent', () => {
  function Listener({ channel, seen }: { channel: string; seen: Array<[string, unknown]> }) {
    const status = useChannel(channel, (data, meta: EventMeta) => seen.push([meta.type, data]));
    useEvent('order:status_update', (data) => seen.push(['typed', data.status]));
    return <p data-testid="channel">{status.status}</p>;
  }

  function Toggle({ children }: { children: ReactNode }) {
    const [shown, setShown] = useState(true);
    return (
      <>
        <button onClick={() => setShown(false)}>hide</button>
        {shown ? children : null}
      </>
    );
  }

  it('delivers the channel’s events while mounted; unmounting unsubscribes on the server', async () => {
    const orderId = await w.placeOrder();
    const seen: Array<[string, unknown]> = [];
    render(
      withProvider(
        w.tokens.customer,
        <Toggle>
          <Listener channel={`order:${orderId}`} seen={seen} />
        </Toggle>,
      ),
    );
    await waitFor(() => expect(screen.getByTestId('channel').textContent).toBe('subscribed'));
    await waitFor(() => expect(screen.getByText('connected')).toBeTruthy());
    const before = hubCounts(t).subscriptions;
    expect(subscribers(t, `order:${orderId}`)).toBe(1);

    await w.move(orderId, 'payment_confirmed', 'api');
    await waitFor(() => expect(seen.map(([type]) => type)).toContain('typed'));
    expect(seen).toContainEqual(['order:status_update', expect.objectContaining({ status: 'payment_confirmed' })]);
    expect(seen).toContainEqual(['typed', 'payment_confirmed']);

    act(() => screen.getByText('hide').click());
    await waitFor(() => expect(subscribers(t, `order:${orderId}`)).toBe(0));
    expect(hubCounts(t).subscriptions).toBe(before - 1);
    const count = seen.length;
    // A witness on the same channel: once it has the event, the hidden listener would have had it too.
    const witness = t.centrifuge({ token: w.tokens.customer });
    const sub = witness.newSubscription(`order:${orderId}`);
    const delivered = once<PublicationContext>(sub, 'publication');
    sub.subscribe();
    witness.connect();
    await sub.ready(5000);
    await w.move(orderId, 'accepted', w.tokens.chef);
    expect((await delivered).data).toMatchObject({ status: 'accepted' });
    expect(seen.length).toBe(count);
  });

  it('reports a channel the server refuses', async () => {
    const orderId = await w.placeOrder();
    render(withProvider(w.tokens.otherCustomer, <Listener channel={`order:${orderId}`} seen={[]} />));
    await waitFor(() => expect(screen.getByTestId('channel').textContent).toBe('error'));
  });
});

describe('useRealtimeInvalidation', () => {
  function Queries({ queryClient, storeId, orderId }: { queryClient: QueryClient; storeId: string; orderId: string }) {
    useRealtimeInvalidation(queryClient, undefined, { channels: ['catalog', `order:${orderId}`] });
    const keys = [['orders'], ['order', orderId], ['stores'], ['store', storeId], ['products'], ['products', storeId]];
    return (
      <>
        {keys.map((key) => (
          <Counter key={JSON.stringify(key)} queryKey={key} />
        ))}
      </>
    );
  }

  const fetches = new Map<string, number>();
  function Counter({ queryKey }: { queryKey: string[] }) {
    const id = JSON.stringify(queryKey);
    const query = useQuery({
      queryKey,
      queryFn: () => {
        const n = (fetches.get(id) ?? 0) + 1;
        fetches.set(id, n);
        return n;
      },
    });
    return <p data-testid={id}>{query.data ?? 0}</p>;
  }

  const fetched = (key: unknown[]): number => Number(screen.getByTestId(JSON.stringify(key)).textContent);

  it('invalidates seed 001’s keys on real order, store and product events', async () => {
    fetches.clear();
    const orderId = await w.placeOrder();
    const queryClient = testQueryClient();
    const view = render(
      withProvider(
        w.tokens.customer,
        <QueryClientProvider client={queryClient}>
          <Queries queryClient={queryClient} storeId={w.storeId} orderId={orderId} />
        </QueryClientProvider>,
      ),
    );
    await waitFor(() => expect(fetched(['orders'])).toBe(1));
    await waitFor(() => expect(subscribers(t, 'catalog')).toBe(1));
    await waitFor(() => expect(subscribers(t, `order:${orderId}`)).toBe(1));

    // order_updated → ['orders'], ['order', id]; nothing else.
    await w.move(orderId, 'payment_confirmed', 'api');
    await waitFor(() => expect(fetched(['order', orderId])).toBe(2));
    expect(fetched(['orders'])).toBe(2);
    expect(fetched(['stores'])).toBe(1);
    expect(fetched(['products'])).toBe(1);

    // product_availability_changed → ['products', storeId] (and product:updated → ['products'] too).
    const patched = await t.rest('PATCH', '/products/dosa', { as: w.tokens.chef, body: { available: false } });
    expect(patched.status).toBe(200);
    await waitFor(() => expect(fetched(['products', w.storeId])).toBeGreaterThanOrEqual(2));
    await waitFor(() => expect(fetched(['products'])).toBe(2));
    expect(fetched(['stores'])).toBe(1);
    expect(fetched(['orders'])).toBe(2);

    view.unmount();
    await waitFor(() => expect(subscribers(t, 'catalog')).toBe(0));
  });
});
