import { useChannel } from '@dabba/react';
import type { ReactNode } from 'react';
import { rupees, STATUS_LABELS, type OrderSummary } from '../demo-api.js';

const TERMINAL = new Set(['delivered', 'cancelled', 'rejected', 'payment_failed']);

/**
 * An order in a staff list (kitchen, driver). While it is not finished it follows `order:{id}`
 * and calls `onChange` on every status change or driver assignment, so the list stays live.
 */
export function OrderCard(props: { order: OrderSummary; onChange: () => void; children?: ReactNode }): ReactNode {
  const { order } = props;
  const live = !TERMINAL.has(order.status);
  useChannel(live ? `order:${order.id}` : undefined, (_data, meta) => {
    if (meta.type === 'order:status_update' || meta.type === 'order:driver_assigned') props.onChange();
  });
  return (
    <li className="card order-card" data-testid={`order-${order.id}`} data-status={order.status}>
      <div className="order-head">
        <strong>{order.orderNumber}</strong>
        <span className="status-pill" data-status={order.status}>
          {STATUS_LABELS[order.status] ?? order.status}
        </span>
      </div>
      <p className="muted">
        {order.items.map((i) => `${i.quantity} × ${i.name}`).join(', ')} · {rupees(order.totalMinor)}
      </p>
      <p className="muted">To {order.delivery.address}</p>
      {order.driverId && <p className="muted">Driver: {order.driverId}</p>}
      {props.children && <div className="actions">{props.children}</div>}
    </li>
  );
}

export function isActive(order: OrderSummary): boolean {
  return !TERMINAL.has(order.status);
}
