import type { Claims } from '@dabba/protocol';
import type { SocketBridge } from './bridge.js';
import type { InboundHandler } from './inbound.js';
import type { Vocabulary } from './vocabulary.js';

/** One Socket.IO namespace of the face: what it follows, how it names events, what it accepts. */
export interface NamespaceSpec {
  /** e.g. `/realtime`. */
  readonly name: string;
  readonly vocabulary: Vocabulary;
  /** Hub channels every new socket follows at once. */
  initialChannels(claims: Claims): string[];
  /** Client events, by name. */
  readonly handlers: Readonly<Record<string, InboundHandler>>;
  /** Runs once the socket follows its channels (new or recovered). */
  onReady?(bridge: SocketBridge): void;
}
