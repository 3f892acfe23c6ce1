import { z } from 'zod';

/**
 * The one event envelope. Every publication on every face is an envelope; faces translate
 * it to their vocabulary and never invent events.
 */
export const envelopeSchema = z.object({
  /** Unique id: the dedupe key a client may use. */
  id: z.string().min(1).max(128),
  /** Catalog name such as `order:status_update`. */
  type: z.string().min(1).max(128),
  channel: z.string().min(1),
  data: z.unknown(),
  /** Milliseconds since the epoch, when the event was created. */
  ts: z.number().int().nonnegative(),
});

export type Envelope<TData = unknown> = Omit<z.infer<typeof envelopeSchema>, 'data'> & {
  data: TData;
};

/** Type given to publications that arrive through the Centrifugo-compatible API without one. */
export const DEFAULT_EVENT_TYPE = 'publication';

/** Where a publication stands in its channel's stream. */
export interface StreamPosition {
  /** Strictly increasing per channel. */
  readonly offset: number;
  /** Changes only when the channel's history was lost. */
  readonly epoch: string;
}
