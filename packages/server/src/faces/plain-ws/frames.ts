import type { PreparedPublication } from '../../hub/prepared.js';
import type { Logger } from '../../logger.js';
import { TextFrame } from '../shared/text-frame.js';
import type { PlainWsOrderSource } from './deps.js';
import { catalogMessage, PLAIN_WS_MESSAGE_TYPES, type PlainWsMessage } from './vocabulary.js';

/** A server message as a pre-built WebSocket text frame, shared by every socket that gets it. */
export interface EncodedMessage {
  readonly type: string;
  readonly frame: TextFrame;
}

/** An `order_updated` frame and whether the order is over (the socket then stops following it). */
export interface OrderFrame extends EncodedMessage {
  readonly orderId: string;
  readonly final: boolean;
}

/** Keys of PreparedPublication's per-face cache. */
const CATALOG_ENCODING = 'plain-ws';
const ORDER_ENCODING = 'plain-ws-order';

export function encodeMessage(message: PlainWsMessage): EncodedMessage {
  return { type: message.type, frame: TextFrame.fromPayload(JSON.stringify(message)) };
}

/** The seed 001 message of a `catalog` or `store:{id}` publication, encoded once for all sockets. */
export function catalogFrame(publication: PreparedPublication): EncodedMessage | null {
  return publication.encoded(CATALOG_ENCODING, (p) => {
    const message = catalogMessage(p.envelope);
    return message ? encodeMessage(message) : null;
  });
}

/**
 * `order_updated` for an order: the order as it is now, looked up once per publication however
 * many sockets receive it. Never rejects: a failed lookup is logged and sends nothing.
 */
export function orderFrame(
  publication: PreparedPublication,
  orderId: string,
  orders: PlainWsOrderSource,
  logger: Logger,
): Promise<OrderFrame | undefined> {
  return publication.encoded(ORDER_ENCODING, () => lookUpOrderFrame(orderId, orders, logger));
}

export async function lookUpOrderFrame(
  orderId: string,
  orders: PlainWsOrderSource,
  logger: Logger,
): Promise<OrderFrame | undefined> {
  try {
    const snapshot = await orders.snapshot(orderId);
    if (!snapshot) return undefined;
    const encoded = encodeMessage({
      type: PLAIN_WS_MESSAGE_TYPES.orderUpdated,
      data: { orderId, order: snapshot.order },
    });
    return { ...encoded, orderId, final: snapshot.final };
  } catch (error) {
    logger.error({ err: error, orderId }, 'plain-ws order lookup failed');
    return undefined;
  }
}
