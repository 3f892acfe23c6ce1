import { DEFAULT_EVENT_TYPE, type Envelope } from '@dabba/protocol';
import type { Engine, PublishOptions, PublishResult } from '../engines/engine.js';
import { newEventId } from './event-id.js';
import type { PublishInput, PublishOptionsInput } from './hub-options.js';
import type { ResolvedNamespace } from './namespaces.js';

/** A new event's envelope, stamped now. */
export function envelopeFor(channel: string, input: PublishInput): Envelope {
  return {
    id: input.id ?? newEventId(),
    type: input.type ?? DEFAULT_EVENT_TYPE,
    channel,
    data: input.data,
    ts: Date.now(),
  };
}

/** What the engine needs to know of the channel's namespace and the publish's options. */
export function engineOptionsFor(
  namespace: ResolvedNamespace,
  options: PublishOptionsInput,
  idempotencyTtlMs: number,
): PublishOptions {
  return {
    historySize: options.ephemeral ? 0 : namespace.historySize,
    historyTtlMs: namespace.historyTtlMs,
    idempotencyKey: options.idempotencyKey,
    idempotencyTtlMs,
  };
}

/**
 * Hands a publication to the engine: synchronously when the engine publishes without I/O
 * (`publishNow`), otherwise its promise.
 */
export function publishToEngine(
  engine: Engine,
  channel: string,
  envelope: Envelope,
  options: PublishOptions,
  info: PublishOptionsInput['info'],
): PublishResult | Promise<PublishResult> {
  return engine.publishNow
    ? engine.publishNow(channel, envelope, options, info)
    : engine.publish(channel, envelope, options, info);
}
