import { randomUUID } from 'node:crypto';
import { eventCatalog, type EventData, type EventName } from '@dabba/protocol';
import { DabbaError } from '../errors.js';

/** A domain event on its way to a channel: validated against the catalog when it is made. */
export interface OutgoingEvent {
  readonly id: string;
  readonly channel: string;
  readonly type: EventName;
  readonly data: unknown;
}

export function domainEvent<N extends EventName>(channel: string, type: N, data: EventData<N>): OutgoingEvent {
  const parsed = eventCatalog[type].safeParse(data);
  if (!parsed.success) {
    // A domain bug, not a client error: the catalog is the contract every face relies on.
    throw new DabbaError('internal', `event ${type} does not match the catalog: ${parsed.error.issues[0]?.message}`);
  }
  return { id: randomUUID(), channel, type, data: parsed.data };
}
