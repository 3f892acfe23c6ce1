import { eventCatalog, isCatalogEvent, orderStatusNotice, type Envelope } from '@dabba/protocol';

/** One Socket.IO event: its name and its single argument. */
export type OutgoingEvent = readonly [event: string, payload: unknown];

/**
 * How a namespace names the hub's envelopes. It translates, never invents: an envelope with
 * no name in the namespace's vocabulary is not sent there (null).
 */
export type Vocabulary = (envelope: Envelope) => OutgoingEvent | null;

/**
 * `/realtime` (seed 003): the catalog was named after seed 003, so each catalog event goes out
 * under its own name with its data as is (`order:status_update`, `order:new`,
 * `driver:new_assignment`, `driver:location_update`, `order:eta_update`, …). Publications
 * without a catalog type (raw server API publishes) have no name here.
 */
export const realtimeVocabulary: Vocabulary = (envelope) =>
  isCatalogEvent(envelope.type) ? [envelope.type, envelope.data] : null;

/**
 * `/notifications` (seed 002): `orderStatusUpdate` with seed 002's status word and the
 * canonical status as `detailedStatus`, and `notification` as the inbox stores it.
 */
export const notificationsVocabulary: Vocabulary = (envelope) => {
  switch (envelope.type) {
    case 'order:status_update': {
      // Server API publishers may send anything under a catalog type: only a real update is translated.
      const parsed = eventCatalog['order:status_update'].safeParse(envelope.data);
      if (!parsed.success) return null;
      return ['orderStatusUpdate', orderStatusNotice(parsed.data)];
    }
    case 'notification':
      return ['notification', envelope.data];
    default:
      return null;
  }
};
