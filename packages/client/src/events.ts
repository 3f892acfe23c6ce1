import { eventCatalog, isCatalogEvent, type EventData, type EventName } from '@dabba/protocol';
import { DabbaClientError } from './errors.js';

/** Where an event came from: the envelope fields the native face carries as tags, and its position. */
export interface EventMeta {
  readonly channel: string;
  /** Catalog name, or the type a server-API publication gave (`publication` when none). */
  readonly type: string;
  /** The envelope's unique id (dedupe key); absent on plain server-API publications. */
  readonly id: string | undefined;
  /** When the event was created, ms since the epoch; absent on plain server-API publications. */
  readonly ts: number | undefined;
  /** Position in the channel's stream, in namespaces with history. */
  readonly offset: number | undefined;
}

/** A catalog event handler: `data` is typed from the catalog's zod schema. */
export type EventHandler<N extends EventName> = (data: EventData<N>, meta: EventMeta) => void;

/** A handler for every publication, typed or not, with its data as received. */
export type AnyEventHandler = (data: unknown, meta: EventMeta) => void;

/** Typed handlers for a set of catalog events, as `on()` takes them one by one. */
export type EventHandlers = { [N in EventName]?: EventHandler<N> };

/** What centrifuge-js hands over for a publication (client- or server-side subscription). */
export interface RawPublication {
  channel: string;
  data: unknown;
  offset?: number | undefined;
  tags?: Record<string, string> | undefined;
}

export type DecodedEvent =
  | { ok: true; catalog: true; type: EventName; data: unknown; meta: EventMeta }
  | { ok: true; catalog: false; data: unknown; meta: EventMeta }
  | { ok: false; error: DabbaClientError; meta: EventMeta };

/** Default type of publications without one, as in `@dabba/protocol`'s `DEFAULT_EVENT_TYPE`. */
const UNTYPED = 'publication';

/**
 * Turns a publication into an event: its type, id and ts from the tags, its data validated with
 * the catalog schema of its type. Data that does not match is an `invalid_event` error and is
 * not delivered: a handler never sees data its type does not describe.
 */
export function decodePublication(pub: RawPublication): DecodedEvent {
  const tags = pub.tags ?? {};
  const ts = tags.ts === undefined ? undefined : Number(tags.ts);
  const meta: EventMeta = {
    channel: pub.channel,
    type: tags.type ?? UNTYPED,
    id: tags.id,
    ts: ts !== undefined && Number.isFinite(ts) ? ts : undefined,
    offset: pub.offset,
  };
  if (!isCatalogEvent(meta.type)) return { ok: true, catalog: false, data: pub.data, meta };
  const parsed = eventCatalog[meta.type].safeParse(pub.data);
  if (parsed.success) return { ok: true, catalog: true, type: meta.type, data: parsed.data, meta };
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  return {
    ok: false,
    meta,
    error: new DabbaClientError(
      'invalid_event',
      `${meta.type} on ${meta.channel} does not match the catalog: ${issues[0]?.path || 'data'}: ${issues[0]?.message ?? 'invalid'}`,
      { channel: meta.channel, type: meta.type, id: meta.id, issues },
    ),
  };
}

/** Handlers of typed and untyped events, keyed by type; shared by the client and each channel. */
export class EventRouter {
  private readonly typed = new Map<string, Set<(data: unknown, meta: EventMeta) => void>>();
  private readonly any = new Set<AnyEventHandler>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  on<N extends EventName>(type: N, handler: EventHandler<N>): () => void {
    let set = this.typed.get(type);
    if (!set) this.typed.set(type, (set = new Set()));
    // The router validated `data` against `eventCatalog[type]` before delivering it.
    const untyped = handler as (data: unknown, meta: EventMeta) => void;
    set.add(untyped);
    return () => void set.delete(untyped);
  }

  onAny(handler: AnyEventHandler): () => void {
    this.any.add(handler);
    return () => void this.any.delete(handler);
  }

  /** Delivers a decoded event: to its type's handlers (catalog events), then to every `onAny` handler. */
  deliver(event: Extract<DecodedEvent, { ok: true }>): void {
    if (event.catalog) for (const handler of [...(this.typed.get(event.type) ?? [])]) this.call(handler, event);
    for (const handler of [...this.any]) this.call(handler, event);
  }

  get size(): number {
    let count = this.any.size;
    for (const set of this.typed.values()) count += set.size;
    return count;
  }

  private call(handler: AnyEventHandler, event: Extract<DecodedEvent, { ok: true }>): void {
    try {
      handler(event.data, event.meta);
    } catch (error) {
      this.onListenerError(error);
    }
  }
}
