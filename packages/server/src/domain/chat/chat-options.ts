/** Chat limits and timings. Every option has a documented default (DEFAULT_CHAT_OPTIONS). */
export interface ChatOptions {
  /** Longest message text, characters; longer is `message_too_long`. Default 4 000. */
  maxMessageLength?: number;
  /** Shortest gap between two forwarded `typing: true` of one user in one conversation, ms. Default 1 000. */
  typingThrottleMs?: number;
  /** How long a `typing: true` holds unless refreshed (`expiresInMs` in the event), ms. Default 5 000. */
  typingExpiresInMs?: number;
}

export const DEFAULT_CHAT_OPTIONS = {
  maxMessageLength: 4_000,
  typingThrottleMs: 1_000,
  typingExpiresInMs: 5_000,
} as const;

export type ResolvedChatOptions = Required<ChatOptions>;

export function resolveChatOptions(options: ChatOptions = {}): ResolvedChatOptions {
  const resolved: ResolvedChatOptions = {
    maxMessageLength: options.maxMessageLength ?? DEFAULT_CHAT_OPTIONS.maxMessageLength,
    typingThrottleMs: options.typingThrottleMs ?? DEFAULT_CHAT_OPTIONS.typingThrottleMs,
    typingExpiresInMs: options.typingExpiresInMs ?? DEFAULT_CHAT_OPTIONS.typingExpiresInMs,
  };
  if (!Number.isInteger(resolved.maxMessageLength) || resolved.maxMessageLength < 1)
    throw new TypeError('maxMessageLength must be a positive number of characters');
  if (!(resolved.typingThrottleMs >= 0)) throw new TypeError('typingThrottleMs must be a number of ms ≥ 0');
  if (!(resolved.typingExpiresInMs > resolved.typingThrottleMs))
    throw new TypeError('typingExpiresInMs must be longer than typingThrottleMs, or indicators flicker');
  return resolved;
}
