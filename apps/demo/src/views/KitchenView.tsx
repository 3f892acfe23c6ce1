import type { EventData } from '@dabba/protocol';
import { useConnectionState, useEvent, useToast } from '@dabba/react';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { OrderChat } from '../components/OrderChat.js';
import { isActive, OrderCard } from '../components/OrderCard.js';
import { useOrderAction, useOrders } from '../components/use-orders.js';
import { rupees, type Demo, type OrderSummary } from '../demo-api.js';

type NewOrder = EventData<'order:new'>;

/** The kitchen: new orders arrive with a (silent) alert; accept or reject, cook, mark ready, assign a driver. */
export function KitchenView({ demo, token }: { demo: Demo; token: string }): ReactNode {
  const { orders, reload } = useOrders(token);
  const act = useOrderAction(token, reload);
  const [alerts, setAlerts] = useState<NewOrder[]>([]);
  const toast = useToast();
  const drivers = demo.users.filter((u) => u.role === 'driver');
  useEvent('order:new', (order) => {
    setAlerts((list) => [order, ...list.filter((o) => o.orderId !== order.orderId)]);
    toast.info(`${order.items.length} item(s), ${rupees(order.totalMinor)}`, {
      title: `New order ${order.orderNumber}`,
    });
    reload();
  });
  useReloadOnReconnect(reload);

  const dismiss = (orderId: string): void => setAlerts((list) => list.filter((o) => o.orderId !== orderId));
  const status = (order: OrderSummary, to: string, reason?: string): Promise<void> => {
    dismiss(order.id);
    return act(`/orders/${order.id}/status`, reason ? { status: to, reason } : { status: to });
  };
  const active = orders?.filter(isActive) ?? [];
  const done = orders?.filter((o) => !isActive(o)).slice(0, 5) ?? [];

  return (
    <>
      {alerts.map((a) => (
        <div key={a.orderId} className="alert flash" role="alert" data-testid="new-order-alert">
          <strong>New order {a.orderNumber}</strong> · {a.items.map((i) => `${i.quantity} × ${i.name}`).join(', ')}
          <button type="button" className="link" onClick={() => dismiss(a.orderId)}>
            Dismiss
          </button>
        </div>
      ))}
      <h2>{demo.kitchen.name}</h2>
      {orders && active.length === 0 && <p className="muted card">No orders to cook. New ones appear here.</p>}
      <ul className="orders">
        {active.map((order) => (
          <OrderCard key={order.id} order={order} onChange={reload}>
            {order.status === 'payment_confirmed' && (
              <>
                <button
                  type="button"
                  className="primary"
                  data-testid={`accept-${order.id}`}
                  onClick={() => void status(order, 'accepted')}
                >
                  Accept
                </button>
                <button
                  type="button"
                  data-testid={`reject-${order.id}`}
                  onClick={() => void status(order, 'rejected', 'The kitchen is too busy')}
                >
                  Reject
                </button>
              </>
            )}
            {order.status === 'accepted' && (
              <button
                type="button"
                data-testid={`preparing-${order.id}`}
                onClick={() => void status(order, 'preparing')}
              >
                Start cooking
              </button>
            )}
            {(order.status === 'accepted' || order.status === 'preparing') && (
              <button
                type="button"
                className="primary"
                data-testid={`ready-${order.id}`}
                onClick={() => void status(order, 'ready_for_pickup')}
              >
                Ready
              </button>
            )}
            {['accepted', 'preparing', 'ready_for_pickup'].includes(order.status) &&
              !order.driverId &&
              drivers.map((d) => (
                <button
                  key={d.id}
                  type="button"
                  data-testid={`assign-${order.id}`}
                  onClick={() => void act(`/orders/${order.id}/assign`, { driverId: d.id })}
                >
                  Assign {d.name}
                </button>
              ))}
            <OrderChat token={token} orderId={order.id} topic="kitchen" />
          </OrderCard>
        ))}
      </ul>
      {done.length > 0 && (
        <>
          <h3>Finished</h3>
          <ul className="orders">
            {done.map((order) => (
              <OrderCard key={order.id} order={order} onChange={reload} />
            ))}
          </ul>
        </>
      )}
    </>
  );
}

/** Reloads after a reconnect: what changed while the connection was down is in the list again. */
export function useReloadOnReconnect(reload: () => void): void {
  const state = useConnectionState();
  const wasDown = useRef(false);
  useEffect(() => {
    if (state.status === 'reconnecting' || state.status === 'failed') wasDown.current = true;
    if (state.status === 'connected' && wasDown.current) {
      wasDown.current = false;
      reload();
    }
  }, [state.status, reload]);
}
