import { useEvent, useToast } from '@dabba/react';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, rupees, STATUS_LABELS, type Demo, type OrderSummary } from '../demo-api.js';
import { readParam, writeParam } from '../url-state.js';
import { Menu } from './Menu.js';
import { OrderTracking } from './OrderTracking.js';

/** The customer: the kitchen's menu and their orders, then the live tracking of the one they open. */
export function CustomerView({ demo, token }: { demo: Demo; token: string }): ReactNode {
  const [orderId, setOrderId] = useState(() => readParam('order'));
  const open = (id: string | undefined): void => {
    writeParam('order', id);
    setOrderId(id);
  };
  if (orderId) return <OrderTracking demo={demo} token={token} orderId={orderId} onBack={() => open(undefined)} />;
  return (
    <>
      <Menu demo={demo} token={token} onPlaced={open} />
      <RecentOrders token={token} onOpen={open} />
    </>
  );
}

function RecentOrders({ token, onOpen }: { token: string; onOpen: (id: string) => void }): ReactNode {
  const [orders, setOrders] = useState<OrderSummary[]>([]);
  const toast = useToast();
  const load = useCallback(() => {
    api<{ orders: OrderSummary[] }>(token, 'GET', '/orders?limit=5').then(
      (r) => setOrders(r.orders),
      (error: Error) => toast.error(error.message),
    );
  }, [token, toast]);
  useEffect(load, [load]);
  useEvent('notification', load);
  if (orders.length === 0) return null;
  return (
    <section className="card">
      <h2>Your orders</h2>
      <ul className="rows">
        {orders.map((o) => (
          <li key={o.id}>
            <button type="button" className="link" onClick={() => onOpen(o.id)}>
              {o.orderNumber}
            </button>{' '}
            {STATUS_LABELS[o.status] ?? o.status} · {rupees(o.totalMinor)}
          </li>
        ))}
      </ul>
    </section>
  );
}
