import { parseChannel } from '@dabba/protocol';

/** How the channels of one namespace behave. Every field has a documented default. */
export interface NamespaceOptions {
  /** Publications kept per channel for history and recovery; 0 disables both. Default 0. */
  historySize: number;
  /** How long history lives after a channel's last publication, ms. Default 0. */
  historyTtlMs: number;
  /** Keep only the newest publication and send it to every new subscriber. Default false. */
  latestOnly: boolean;
  /** Track who is subscribed (clients and users). Default false. */
  presence: boolean;
  /** Push join and leave events to subscribers that ask for them. Needs presence. Default false. */
  joinLeave: boolean;
  /** Clients may publish to channels they may subscribe to. Default false. */
  allowClientPublish: boolean;
  /**
   * Who may subscribe: 'authorizer' asks the namespace's authorizer (and the token's explicit
   * `channels` grant); 'authenticated' lets any valid token in. Default 'authorizer'.
   */
  allowSubscribe: 'authorizer' | 'authenticated';
  /** Most subscribers on one channel on this node; 0 for no limit. Default 0. */
  maxSubscribers: number;
}

export const DEFAULT_NAMESPACE_OPTIONS: Readonly<NamespaceOptions> = {
  historySize: 0,
  historyTtlMs: 0,
  latestOnly: false,
  presence: false,
  joinLeave: false,
  allowClientPublish: false,
  allowSubscribe: 'authorizer',
  maxSubscribers: 0,
};

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The namespaces every deployment has. Domain modules add theirs at start. */
export const BUILTIN_NAMESPACES: Readonly<Record<string, Partial<NamespaceOptions>>> = {
  /** Notifications, alerts, cart sync: durable and recoverable. */
  user: { historySize: 300, historyTtlMs: DAY_MS, presence: true },
  /** Role-wide broadcasts: short history. */
  role: { historySize: 50, historyTtlMs: 5 * MINUTE_MS },
};

export type ResolvedNamespace = NamespaceOptions & { readonly name: string };

/** Looks up a channel's namespace options. Unknown namespaces resolve to undefined. */
export class NamespaceRegistry {
  private readonly namespaces = new Map<string, ResolvedNamespace>();

  constructor(configured: Record<string, Partial<NamespaceOptions>> = {}) {
    // Configured options refine the built-in ones rather than replace them.
    for (const [name, options] of Object.entries(BUILTIN_NAMESPACES)) this.define(name, options);
    for (const [name, options] of Object.entries(configured)) this.define(name, options);
  }

  define(name: string, options: Partial<NamespaceOptions>): ResolvedNamespace {
    const resolved: ResolvedNamespace = {
      ...DEFAULT_NAMESPACE_OPTIONS,
      ...this.namespaces.get(name),
      ...options,
      name,
    };
    // Latest-only keeps exactly the newest publication.
    if (resolved.latestOnly) resolved.historySize = 1;
    if (resolved.joinLeave && !resolved.presence) {
      throw new TypeError(`namespace "${name}": joinLeave needs presence`);
    }
    if (resolved.historySize > 0 && resolved.historyTtlMs <= 0) {
      throw new TypeError(`namespace "${name}": historySize needs a positive historyTtlMs`);
    }
    this.namespaces.set(name, resolved);
    return resolved;
  }

  forChannel(channel: string): ResolvedNamespace | undefined {
    return this.namespaces.get(parseChannel(channel).namespace);
  }

  names(): string[] {
    return [...this.namespaces.keys()];
  }
}
