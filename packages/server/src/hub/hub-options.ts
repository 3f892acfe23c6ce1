import type { ClientInfo } from '@dabba/protocol';
import type { PublishResult } from '../engines/engine.js';
import type { NamespaceOptions } from './namespaces.js';

export interface HubOptions {
  /** Namespaces beyond the built-in `user` and `role`, or overrides of theirs. */
  namespaces?: Record<string, Partial<NamespaceOptions>>;
  /** Most channels one connection may follow. Default 128. */
  maxChannelsPerConnection?: number;
  /** Most connections one user may hold on this node; 0 for no limit. Default 0. */
  maxConnectionsPerUser?: number;
  /** How long a server API idempotency key is remembered, ms. Default 5 minutes. */
  idempotencyTtlMs?: number;
  /** How long a presence entry lives without being refreshed, ms. Default 60 s. */
  presenceTtlMs?: number;
  /** This node's name in `info`. Default: the host name. */
  nodeName?: string;
  /**
   * While clients are connected, wake the process every this many ms, so that a publication
   * does not wait for a sleeping VM to wake it (see KeepWarm); 0 turns it off. Default 10.
   */
  keepWarmMs?: number;
}

export const DEFAULT_HUB_OPTIONS = {
  maxChannelsPerConnection: 128,
  maxConnectionsPerUser: 0,
  idempotencyTtlMs: 5 * 60_000,
  presenceTtlMs: 60_000,
  keepWarmMs: 10,
} as const;

export interface PublishInput {
  type?: string | undefined;
  data: unknown;
  /** Dedupe key of the envelope; generated when absent. */
  id?: string | undefined;
}

export interface PublishOptionsInput {
  idempotencyKey?: string | undefined;
  info?: ClientInfo | undefined;
  /**
   * Deliver to live subscribers only: not kept in the channel's history, no offset (typing
   * indicators). Recovery never replays it. Default false.
   */
  ephemeral?: boolean | undefined;
}

/**
 * A publication handed to the engine (its order is fixed): `confirmed` settles when the engine
 * has stored and sent it, or is its result already when the engine published without I/O.
 */
export interface OrderedPublish {
  readonly confirmed: Promise<PublishResult> | PublishResult;
}

export interface SubscribeRequest {
  recover?: { offset: number; epoch: string } | undefined;
  joinLeave?: boolean | undefined;
}
