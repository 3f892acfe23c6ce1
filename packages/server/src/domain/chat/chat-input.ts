import { z } from 'zod';
import { AGENT_STATUSES } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';

/**
 * What clients send, the same objects over REST, the native rpc and (later) the Socket.IO
 * faces. Strict: an unknown field is a `validation_failed`, not silently dropped. Message text
 * is bounded here only loosely; the configured limit (`maxMessageLength`) is checked by the
 * service, which answers `message_too_long`.
 */

/** Upper bound on any text field before the service's own limit: keeps parsing cheap. */
const HARD_TEXT_CAP = 100_000;

export const conversationIdSchema = z.string().min(1).max(64);
export const clientMessageIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w\-.:]+$/, 'letters, digits and - _ . : only');
const textSchema = z.string().max(HARD_TEXT_CAP);

export const messageBodySchema = z.strictObject({ clientMessageId: clientMessageIdSchema, text: textSchema });
export const sendInputSchema = messageBodySchema.extend({ conversationId: conversationIdSchema });
export type SendInput = z.infer<typeof sendInputSchema>;

export const readBodySchema = z.strictObject({ messageId: z.string().min(1).max(64) });
export const readInputSchema = readBodySchema.extend({ conversationId: conversationIdSchema });
export type ReadInput = z.infer<typeof readInputSchema>;

export const typingBodySchema = z.strictObject({ typing: z.boolean().default(true) });
export const typingInputSchema = typingBodySchema.extend({ conversationId: conversationIdSchema });
export type TypingInput = z.infer<typeof typingInputSchema>;

export const historyQuerySchema = z.strictObject({
  /** `nextCursor` of the previous page: messages older than it. */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const historyInputSchema = historyQuerySchema.extend({ conversationId: conversationIdSchema });
export type HistoryInput = z.infer<typeof historyInputSchema>;

export const listQuerySchema = z.strictObject({
  /** `nextCursor` of the previous page. */
  before: z.string().datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type ListQuery = z.infer<typeof listQuerySchema>;

export const openSupportSchema = z
  .strictObject({
    subject: z.string().trim().min(1).max(200),
    /** An optional first message, stored with the conversation. */
    text: textSchema.optional(),
    clientMessageId: clientMessageIdSchema.optional(),
  })
  .refine((v) => v.text === undefined || v.clientMessageId !== undefined, {
    message: 'clientMessageId: required with a first message',
    path: ['clientMessageId'],
  });
export type OpenSupportInput = z.infer<typeof openSupportSchema>;

export const agentStatusSchema = z.strictObject({ status: z.enum(AGENT_STATUSES) });

export const queueQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const conversationOnlySchema = z.strictObject({ conversationId: conversationIdSchema });

/** Checks message text against the limit: not blank, at most `maxLength` characters (code points). */
export function checkMessageText(text: string, maxLength: number): string {
  if (text.trim().length === 0) throw new DabbaError('validation_failed', 'text: a message cannot be empty');
  const length = text.length > maxLength ? [...text].length : text.length;
  if (length > maxLength) {
    throw new DabbaError('message_too_long', `text: ${length} characters, at most ${maxLength} allowed`, {
      details: { maxLength, length },
    });
  }
  return text;
}
