import type { ClientInfo, Claims, Disconnect } from '@dabba/protocol';
import type { PreparedPublication } from './prepared.js';

/** The faces a client can speak. */
export type FaceName = 'centrifuge' | 'socketio' | 'plain-ws' | 'sse';

export interface ClientSubscription {
  /** The client asked for join/leave pushes on this channel. */
  readonly joinLeave: boolean;
  /**
   * The stream position the subscriber started from (its subscribe reply's offset and epoch);
   * offset 0 for channels without history. An engine's fan-out can bring a publication after
   * its history already did (Redis pub/sub lags a script's reply): the hub never delivers live
   * what is at or before this position.
   */
  readonly startOffset: number;
  readonly startEpoch: string;
}

/**
 * A connected client as the hub sees it, whatever its face. The face implements delivery;
 * the hub owns `subscriptions`.
 */
export interface HubClient {
  readonly id: string;
  readonly face: FaceName;
  readonly claims: Claims;
  readonly info: ClientInfo;
  readonly subscriptions: Map<string, ClientSubscription>;
  /** Called synchronously during fan-out, in offset order per channel. */
  deliver(publication: PreparedPublication): void;
  deliverJoinLeave(kind: 'join' | 'leave', channel: string, info: ClientInfo): void;
  /** The server ended one subscription (the client lost access); the face tells the client. */
  unsubscribed(channel: string): void;
  /** The server ends the connection; the face sends the code its protocol has for it. */
  disconnect(disconnect: Disconnect): void;
}
