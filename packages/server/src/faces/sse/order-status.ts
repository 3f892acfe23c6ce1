import { eventCatalog, orderStatusNotice, type Envelope, type OrderStatusNotice } from '@dabba/protocol';

/**
 * The seed 002 payload of an `order:status_update` envelope (status word mapping in
 * `@dabba/protocol` order-status-words.ts); undefined for every other event type, and for data
 * a server API publisher sent under that type that is not a real update.
 */
export function seed002OrderStatus(envelope: Envelope): OrderStatusNotice | undefined {
  if (envelope.type !== 'order:status_update') return undefined;
  const parsed = eventCatalog['order:status_update'].safeParse(envelope.data);
  return parsed.success ? orderStatusNotice(parsed.data) : undefined;
}
