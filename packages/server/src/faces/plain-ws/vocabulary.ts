import { eventCatalog, parseChannel, type Envelope } from '@dabba/protocol';

/**
 * Seed 001's message types, and the face's own replies. Every server message is one JSON text
 * frame `{type, data}`.
 */
export const PLAIN_WS_MESSAGE_TYPES = {
  orderUpdated: 'order_updated',
  storeUpdated: 'store_updated',
  productUpdated: 'product_updated',
  storeAvailabilityChanged: 'store_availability_changed',
  productAvailabilityChanged: 'product_availability_changed',
} as const;

/** One server message. */
export interface PlainWsMessage {
  readonly type: string;
  readonly data?: unknown;
}

/**
 * Which envelope types become which seed 001 message, per channel kind (the AsyncAPI document
 * reads this table too). `catalog` carries the store-level messages, `store:{id}` the product
 * ones: a socket that follows both never gets a change twice.
 */
export const PLAIN_WS_TRANSLATIONS = {
  catalog: {
    'store:updated': PLAIN_WS_MESSAGE_TYPES.storeUpdated,
    'store:availability_changed': PLAIN_WS_MESSAGE_TYPES.storeAvailabilityChanged,
  },
  store: {
    'product:updated': PLAIN_WS_MESSAGE_TYPES.productUpdated,
    'product:stock_update': PLAIN_WS_MESSAGE_TYPES.productUpdated,
    'product:price_update': PLAIN_WS_MESSAGE_TYPES.productUpdated,
    'store:flash_sale': PLAIN_WS_MESSAGE_TYPES.productUpdated,
    'product:availability_changed': PLAIN_WS_MESSAGE_TYPES.productAvailabilityChanged,
  },
  order: {
    'order:status_update': PLAIN_WS_MESSAGE_TYPES.orderUpdated,
    'order:driver_assigned': PLAIN_WS_MESSAGE_TYPES.orderUpdated,
  },
} as const satisfies Record<string, Record<string, string>>;

/**
 * The seed 001 message of a `catalog` or `store:{id}` envelope, or undefined when it has none
 * there. Data that does not match the catalog (a server API publisher's own) is not translated:
 * the face never passes on what it cannot vouch for. Order envelopes need a lookup: see
 * `orderIdOf`.
 */
export function catalogMessage(envelope: Envelope): PlainWsMessage | undefined {
  const kind = parseChannel(envelope.channel).namespace;
  switch (kind === '' ? envelope.channel : kind) {
    case 'catalog':
      return storeMessage(envelope);
    case 'store':
      return productMessage(envelope);
    default:
      return undefined;
  }
}

function storeMessage(envelope: Envelope): PlainWsMessage | undefined {
  switch (envelope.type) {
    case 'store:updated': {
      const parsed = eventCatalog['store:updated'].safeParse(envelope.data);
      return parsed.success
        ? { type: 'store_updated', data: { storeId: parsed.data.storeId, store: parsed.data.store } }
        : undefined;
    }
    case 'store:availability_changed': {
      const parsed = eventCatalog['store:availability_changed'].safeParse(envelope.data);
      return parsed.success
        ? {
            type: 'store_availability_changed',
            data: { storeId: parsed.data.storeId, isActive: parsed.data.isActive },
          }
        : undefined;
    }
    default:
      return undefined;
  }
}

function productMessage(envelope: Envelope): PlainWsMessage | undefined {
  switch (envelope.type) {
    case 'product:availability_changed': {
      const parsed = eventCatalog['product:availability_changed'].safeParse(envelope.data);
      if (!parsed.success) return undefined;
      const { storeId, productId, available } = parsed.data;
      return { type: 'product_availability_changed', data: { storeId, productId, available } };
    }
    case 'product:updated':
    case 'product:stock_update':
    case 'product:price_update':
    case 'store:flash_sale': {
      // Each carries the whole product: whatever changed in it, seed 001 refetches the products.
      const parsed = eventCatalog[envelope.type].safeParse(envelope.data);
      if (!parsed.success) return undefined;
      return { type: 'product_updated', data: { storeId: parsed.data.storeId, product: parsed.data.product } };
    }
    default:
      return undefined;
  }
}

/** The order an `order:{id}` envelope changed, when it is one that becomes `order_updated`. */
export function orderIdOf(envelope: Envelope): string | undefined {
  if (envelope.type !== 'order:status_update' && envelope.type !== 'order:driver_assigned') return undefined;
  const parsed = eventCatalog[envelope.type].safeParse(envelope.data);
  return parsed.success ? parsed.data.orderId : undefined;
}

/**
 * An order a `user:{id}` envelope tells its user about (a chef's `order:new`, a driver's
 * `driver:new_assignment`, a notification about an order): the socket starts following it.
 */
export function orderNamedBy(envelope: Envelope): string | undefined {
  switch (envelope.type) {
    case 'order:new':
    case 'driver:new_assignment': {
      const parsed = eventCatalog[envelope.type].safeParse(envelope.data);
      return parsed.success ? parsed.data.orderId : undefined;
    }
    case 'notification': {
      const parsed = eventCatalog.notification.safeParse(envelope.data);
      const orderId = parsed.success ? parsed.data.data.orderId : undefined;
      return typeof orderId === 'string' && orderId !== '' ? orderId : undefined;
    }
    default:
      return undefined;
  }
}

/** Whether an envelope of an order's channel ends the order (its last `order_updated`). */
export function isFinalStatusUpdate(envelope: Envelope, terminal: ReadonlySet<string>): boolean {
  if (envelope.type !== 'order:status_update') return false;
  const parsed = eventCatalog['order:status_update'].safeParse(envelope.data);
  return parsed.success && terminal.has(parsed.data.status);
}
