import { z } from 'zod';
import { MAX_CHANNEL_LENGTH, parseChannel } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';

/** Namespaces a socket may follow by name: one store's products, or one order (authorized by the hub). */
export const SUBSCRIBABLE_NAMESPACES: ReadonlySet<string> = new Set(['store', 'order']);

const channelRef = z.object({
  channel: z
    .string()
    .min(1)
    .max(MAX_CHANNEL_LENGTH)
    .refine((channel) => SUBSCRIBABLE_NAMESPACES.has(parseChannel(channel).namespace), {
      message: 'only store:{storeId} and order:{orderId} channels can be followed here',
    }),
});

/** What a client may send: `{type, data}` JSON text frames. */
export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), data: z.unknown().optional() }),
  z.object({ type: z.literal('subscribe'), data: channelRef }),
  z.object({ type: z.literal('unsubscribe'), data: channelRef }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** Client message types, for the AsyncAPI document. */
export const CLIENT_MESSAGE_TYPES = ['ping', 'subscribe', 'unsubscribe'] as const;

/**
 * Parses one inbound text frame. Throws `bad_request` for what is not a JSON object with a
 * string `type`, `method_not_found` for an unknown type, `validation_failed` for bad data.
 */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DabbaError('bad_request', 'a message is one JSON object {type, data}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DabbaError('bad_request', 'a message is one JSON object {type, data}');
  const type = (value as Record<string, unknown>).type;
  if (typeof type !== 'string') throw new DabbaError('bad_request', 'type: a string is required');
  if (!(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type))
    throw new DabbaError('method_not_found', 'unknown message type');
  const parsed = clientMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new DabbaError('validation_failed', `${where}${issue?.message ?? 'invalid message'}`);
  }
  return parsed.data;
}
