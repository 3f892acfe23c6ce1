import type { Claims } from '@dabba/protocol';
import type { Hub } from '../../hub/hub.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { FlushScheduler } from '../shared/outbound-queue.js';
import type { PlainWsFaceOptions } from './options.js';

/** An order as `GET /orders/:id` returns it, and whether it reached a final status. */
export interface OrderSnapshot {
  readonly order: Readonly<Record<string, unknown>>;
  readonly final: boolean;
}

/**
 * What the face needs to know about orders, injected so that it never touches the domain or
 * the store itself (server.ts wires the order service in).
 */
export interface PlainWsOrderSource {
  /** Ids of the open orders the user takes part in, newest first, at most `limit`. */
  openOrderIds(claims: Claims, limit: number): Promise<string[]>;
  /** The order now, or undefined when there is no such order. */
  snapshot(orderId: string): Promise<OrderSnapshot | undefined>;
}

/** What every socket of the face shares. */
export interface PlainWsDeps {
  readonly hub: Hub;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly scheduler: FlushScheduler;
  readonly options: PlainWsFaceOptions;
  readonly orders: PlainWsOrderSource;
}
