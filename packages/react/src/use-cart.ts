import { DabbaClientError } from '@dabba/client';
import type { CartView } from '@dabba/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useDabbaContext, type DabbaContextValue } from './provider.js';
import { whenConnected } from './use-chat.js';

export interface CartOptions {
  /**
   * How often an edit made against a stale version (another device changed the cart first) is
   * applied again on the newer cart before it fails with `cart_version_conflict`. Default 3;
   * 0: never, the edit fails and the cart shown is the server's.
   */
  conflictRetries?: number;
}

export interface CartState {
  /** The cart as last known: from `GET /cart`, every `cart:sync`, every edit's reply. */
  readonly cart: CartView | undefined;
  readonly status: 'loading' | 'ready' | 'error';
  /** The last failed load or edit. */
  readonly error: Error | undefined;
  /** Edits sent and not answered yet. */
  readonly pendingEdits: number;
}

export interface Cart extends CartState {
  /** Adds `quantity` (default 1) units of a product. */
  add(productId: string, quantity?: number): Promise<CartView>;
  /** Sets a line's quantity. */
  setQuantity(productId: string, quantity: number): Promise<CartView>;
  remove(productId: string): Promise<CartView>;
  /** Loads the cart again. */
  refresh(): Promise<CartView>;
}

/** A cart edit as rpc method and data; `expectedVersion` is added per attempt. */
interface Edit {
  method: 'cart.add' | 'cart.update' | 'cart.remove';
  data: Record<string, unknown>;
}

/**
 * The signed-in user's cart, the same on every device: loaded once, kept current by `cart:sync`
 * on the user's channel (newer versions only), edited through the outbox (rpc `cart.*`, kept
 * while offline, applied once) with `expectedVersion`. When another device changed the cart
 * first, the edit is applied again on the newer cart (`conflictRetries`).
 */
export function useCart(options: CartOptions = {}): Cart {
  const context = useDabbaContext();
  const { client } = context;
  const conflictRetries = options.conflictRetries ?? 3;
  const [state, setState] = useState<CartState>({
    cart: undefined,
    status: 'loading',
    error: undefined,
    pendingEdits: 0,
  });
  const cartRef = useRef<CartView | undefined>(undefined);

  /** Takes a cart the server sent, unless a newer one is shown already. */
  const accept = useCallback((cart: CartView): CartView => {
    const shown = cartRef.current;
    if (!shown || cart.id !== shown.id || cart.version >= shown.version) cartRef.current = cart;
    const next = cartRef.current ?? cart;
    setState((s) => ({ ...s, cart: next, status: 'ready' }));
    return next;
  }, []);

  // Aborted on unmount: a load waiting for the connection stops waiting.
  const unmounted = useRef<AbortController>(new AbortController());
  const load = useCallback(async (): Promise<CartView> => {
    try {
      const cart = await fetchCart(context, unmounted.current.signal);
      setState((s) => ({ ...s, error: undefined }));
      return accept(cart);
    } catch (error) {
      setState((s) => ({ ...s, status: s.cart ? s.status : 'error', error: asError(error) }));
      throw error;
    }
  }, [context, accept]);

  useEffect(() => {
    let active = true;
    if (unmounted.current.signal.aborted) unmounted.current = new AbortController();
    const stop = client.on('cart:sync', ({ cart }) => {
      if (active) accept(cart);
    });
    // After a reconnect the user channel may have missed syncs older than its history: reload.
    const stopState = client.onState((next, previous) => {
      if (active && next.status === 'connected' && previous.status !== 'connected' && cartRef.current) {
        load().catch(() => undefined);
      }
    });
    load().catch(() => undefined);
    return () => {
      active = false;
      unmounted.current.abort();
      stop();
      stopState();
    };
  }, [client, load, accept]);

  const actions = useMemo(() => {
    const run = async (edit: Edit): Promise<CartView> => {
      setState((s) => ({ ...s, pendingEdits: s.pendingEdits + 1 }));
      try {
        for (let attempt = 0; ; attempt += 1) {
          const expectedVersion = (cartRef.current ?? (await load())).version;
          try {
            const cart = (await client.send(edit.method, { ...edit.data, expectedVersion })) as CartView;
            setState((s) => ({ ...s, error: undefined }));
            return accept(cart);
          } catch (error) {
            if (!(await isVersionConflict(error, expectedVersion, load)) || attempt >= conflictRetries) throw error;
          }
        }
      } catch (error) {
        setState((s) => ({ ...s, error: asError(error) }));
        throw error;
      } finally {
        setState((s) => ({ ...s, pendingEdits: s.pendingEdits - 1 }));
      }
    };
    return {
      add: (productId: string, quantity = 1) => run({ method: 'cart.add', data: { productId, quantity } }),
      setQuantity: (productId: string, quantity: number) =>
        run({ method: 'cart.update', data: { productId, quantity } }),
      remove: (productId: string) => run({ method: 'cart.remove', data: { productId } }),
      refresh: load,
    };
  }, [client, conflictRetries, load, accept]);

  return { ...state, ...actions };
}

/**
 * Whether an edit failed because the cart moved on. The rpc error carries only a code (108 is
 * both `cart_version_conflict` and `not_found`), so the cart is reloaded: a newer version than
 * the one the edit named means a conflict, and the reload is what the retry works on.
 */
async function isVersionConflict(
  error: unknown,
  expectedVersion: number,
  load: () => Promise<CartView>,
): Promise<boolean> {
  if (!(error instanceof DabbaClientError) || error.code !== 'rpc_failed') return false;
  if (error.details.serverCode !== 108) return false;
  const cart = await load();
  return cart.version !== expectedVersion;
}

async function fetchCart(context: DabbaContextValue, signal?: AbortSignal): Promise<CartView> {
  if (context.rest) return context.rest.request<CartView>('GET', '/cart');
  return (await whenConnected(context.client, () => context.client.call('cart.get', {}), signal)) as CartView;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
