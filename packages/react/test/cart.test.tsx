// @vitest-environment jsdom
import './node-globals.js';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/fixture.js';
import { ordersWorld, type OrdersWorld } from '../../server/test/support/orders-world.js';
import { DabbaProvider, useCart, useConnectionState, type Cart, type CartOptions } from '../src/index.js';
import { clientOptions } from './support.js';

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

const carts = new Map<string, Cart>();

function CartView({ id, options }: { id: string; options?: CartOptions }) {
  const cart = useCart(options);
  const connection = useConnectionState();
  carts.set(id, cart);
  const lines = cart.cart?.items.map((i) => `${i.productId}×${i.quantity}`).join(',') || 'empty';
  return (
    <section data-testid={id}>
      <p data-testid="connection">{connection.status}</p>
      <p data-testid="cart">
        v{cart.cart?.version ?? '-'} {lines}
      </p>
    </section>
  );
}

function Device({ id, options }: { id: string; options?: CartOptions }) {
  return (
    <StrictMode>
      <DabbaProvider options={clientOptions(t, w.tokens.customer)}>
        <CartView id={id} options={options} />
      </DabbaProvider>
    </StrictMode>
  );
}

const shown = (id: string): string => within(screen.getByTestId(id)).getByTestId('cart').textContent ?? '';

async function bothConnected(): Promise<void> {
  for (const id of ['phone', 'laptop']) {
    await waitFor(() => expect(within(screen.getByTestId(id)).getByTestId('connection').textContent).toBe('connected'));
  }
}

describe('useCart', () => {
  it('converges across two devices of one user', async () => {
    render(
      <>
        <Device id="phone" />
        <Device id="laptop" />
      </>,
    );
    await waitFor(() => expect(shown('phone')).toBe('v0 empty'));
    await waitFor(() => expect(shown('laptop')).toBe('v0 empty'));
    await bothConnected();

    await act(async () => void (await carts.get('phone')?.add('thali', 2)));
    expect(shown('phone')).toBe('v1 thali×2');
    await waitFor(() => expect(shown('laptop')).toBe('v1 thali×2'));

    await act(async () => void (await carts.get('laptop')?.setQuantity('thali', 3)));
    await waitFor(() => expect(shown('phone')).toBe('v2 thali×3'));

    // A change made elsewhere (REST, a third device) reaches both.
    const reply = await t.rest('POST', '/cart/items', { as: w.tokens.customer, body: { productId: 'dosa' } });
    expect(reply.status).toBe(200);
    await waitFor(() => expect(shown('phone')).toBe('v3 thali×3,dosa×1'));
    await waitFor(() => expect(shown('laptop')).toBe('v3 thali×3,dosa×1'));

    await act(async () => void (await carts.get('phone')?.remove('thali')));
    await waitFor(() => expect(shown('laptop')).toBe('v4 dosa×1'));
  });

  it('applies an edit again on the newer cart when the other device changed it first', async () => {
    render(
      <>
        <Device id="phone" />
        <Device id="laptop" />
      </>,
    );
    await waitFor(() => expect(shown('laptop')).toBe('v0 empty'));
    await waitFor(() => expect(shown('phone')).toBe('v0 empty'));
    await bothConnected();
    // Both edits name version 0: one wins, the other conflicts and is applied again on version 1.
    await act(async () => {
      await Promise.all([carts.get('phone')?.add('thali', 1), carts.get('laptop')?.add('dosa', 1)]);
    });
    await waitFor(() => expect(shown('phone')).toMatch(/^v2 /));
    await waitFor(() => expect(shown('laptop')).toBe(shown('phone')));
    expect(shown('phone').split(' ')[1]?.split(',').sort()).toEqual(['dosa×1', 'thali×1']);
    expect(carts.get('phone')?.error).toBeUndefined();
    expect(carts.get('laptop')?.error).toBeUndefined();
  });

  it('without retries, the losing edit fails and the server’s cart is shown', async () => {
    render(
      <>
        <Device id="phone" options={{ conflictRetries: 0 }} />
        <Device id="laptop" options={{ conflictRetries: 0 }} />
      </>,
    );
    await waitFor(() => expect(shown('laptop')).toBe('v0 empty'));
    await waitFor(() => expect(shown('phone')).toBe('v0 empty'));
    await bothConnected();
    let outcomes: PromiseSettledResult<unknown>[] = [];
    await act(async () => {
      outcomes = await Promise.allSettled([carts.get('phone')?.add('thali', 1), carts.get('laptop')?.add('dosa', 1)]);
    });
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'rpc_failed' });
    await waitFor(() => expect(shown('phone')).toMatch(/^v1 (thali|dosa)×1$/));
    await waitFor(() => expect(shown('laptop')).toBe(shown('phone')));
  });
});
