import type { WebSocket } from 'ws';
import type { Disconnect } from '@dabba/protocol';
import type { PreparedPublication } from '../../hub/prepared.js';
import { WebSocketSink, type OutboundMessage, type OutboundSink } from '../shared/outbound-queue.js';
import { encodePublicationFrame, encodePublicationPush } from './codec.js';

/** The transports a native-protocol session runs over. */
export type TransportName = 'websocket' | 'sse' | 'http_stream';

/** What an emulation transport's connect reply tells the client, so it can address `/emulation`. */
export interface EmulationAddress {
  /** Unguessable key of the session (not the client id, which presence shows to others). */
  readonly session: string;
  /** The node that owns the session. */
  readonly node: string;
}

/**
 * How a native-protocol session reaches its client. The session (connect, subscribe,
 * recovery, rpc, ping/pong, refresh, limits, slow-consumer budget) is the same code whatever
 * the transport; only writing, closing and the publication encoding differ.
 */
export interface SessionTransport extends OutboundSink {
  readonly name: TransportName;
  /** Set for emulation transports (SSE, HTTP streaming): commands after connect come through `/emulation`. */
  readonly emulation: EmulationAddress | undefined;
  /** The publication's push in this transport's form, encoded once per publication and shared. */
  encodePublication(publication: PreparedPublication): OutboundMessage;
  /** Ends the connection; what was queued has been written already. */
  close(disconnect: Disconnect): void;
}

/** Publication encodings, keyed for PreparedPublication's per-face cache. */
const WEBSOCKET_ENCODING = 'centrifuge';
const LINE_ENCODING = 'centrifuge-line';

/** The native WebSocket: pre-built publication frames written straight to the socket. */
export class WebSocketTransport extends WebSocketSink implements SessionTransport {
  readonly name = 'websocket';
  readonly emulation = undefined;

  constructor(private readonly socket: WebSocket) {
    super(socket);
  }

  encodePublication(publication: PreparedPublication): OutboundMessage {
    return publication.encoded(WEBSOCKET_ENCODING, encodePublicationFrame);
  }

  close(disconnect: Disconnect): void {
    this.socket.close(disconnect.code, disconnect.reason);
  }
}

/** A publication's push as one JSON line, shared by every emulation-transport subscriber. */
export function encodePublicationLine(publication: PreparedPublication): string {
  return publication.encoded(LINE_ENCODING, encodePublicationPush);
}
