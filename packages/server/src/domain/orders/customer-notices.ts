import type { OrderStatus } from '@dabba/protocol';
import type { NewNotification } from '../notifications/notification-service.js';
import type { Order } from './order.js';

/**
 * The stages a customer is told about with a stored notification (and a `notification`
 * envelope); every stage still reaches the order's channel as `order:status_update`.
 */
export function customerNotice(order: Order, status: OrderStatus, storeName: string): NewNotification | undefined {
  const n = order.orderNumber;
  const data = { orderId: order.id, orderNumber: n, status };
  switch (status) {
    case 'payment_confirmed':
      return {
        type: 'order_confirmed',
        title: 'Order placed',
        body: `Order ${n} is confirmed and on its way to ${storeName}.`,
        data,
      };
    case 'accepted':
      return { type: 'order_accepted', title: 'Order accepted', body: `${storeName} accepted order ${n}.`, data };
    case 'ready_for_pickup':
      return { type: 'order_ready', title: 'Order ready', body: `Order ${n} is ready and waiting for a driver.`, data };
    case 'picked_up':
      return { type: 'order_picked_up', title: 'On its way', body: `Your driver picked up order ${n}.`, data };
    case 'delivered':
      return { type: 'order_delivered', title: 'Delivered', body: `Order ${n} was delivered. Enjoy your meal!`, data };
    case 'rejected':
      return {
        type: 'order_rejected',
        title: 'Order declined',
        body: `${storeName} could not take order ${n}: ${order.cancelReason ?? 'no reason given'}.`,
        data,
      };
    case 'cancelled':
      return {
        type: 'order_cancelled',
        title: 'Order cancelled',
        body: `Order ${n} was cancelled: ${order.cancelReason ?? 'no reason given'}.`,
        data,
      };
    case 'payment_failed':
      return {
        type: 'payment_failed',
        title: 'Payment failed',
        body: `Payment for order ${n} did not go through.`,
        data,
      };
    default:
      return undefined;
  }
}
