import { useToast } from '@dabba/react';
import { useCallback, useEffect, useState } from 'react';
import { api, type OrderSummary } from '../demo-api.js';

/** The orders the signed-in user may see (`GET /orders`), newest first, and a way to reload them. */
export function useOrders(token: string): { orders: OrderSummary[] | undefined; reload: () => void } {
  const [orders, setOrders] = useState<OrderSummary[]>();
  const toast = useToast();
  const reload = useCallback(() => {
    api<{ orders: OrderSummary[] }>(token, 'GET', '/orders?limit=20').then(
      (r) => setOrders(r.orders),
      (error: Error) => toast.error(`Could not load orders: ${error.message}`),
    );
  }, [token, toast]);
  useEffect(reload, [reload]);
  return { orders, reload };
}

/** Runs a staff action (a status change, an assignment), reporting a refusal as a toast, then reloads. */
export function useOrderAction(token: string, reload: () => void): (path: string, body: unknown) => Promise<void> {
  const toast = useToast();
  return useCallback(
    async (path: string, body: unknown) => {
      try {
        await api(token, 'POST', path, body);
      } catch (error) {
        toast.error((error as Error).message);
      }
      reload();
    },
    [token, reload, toast],
  );
}
