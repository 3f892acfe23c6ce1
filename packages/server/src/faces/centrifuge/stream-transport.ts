import type { ServerResponse } from 'node:http';
import type { Disconnect } from '@dabba/protocol';
import type { PreparedPublication } from '../../hub/prepared.js';
import type { OutboundMessage } from '../shared/outbound-queue.js';
import { encodePush } from './codec.js';
import { encodePublicationLine, type EmulationAddress, type SessionTransport } from './transport.js';

/**
 * The server-to-client half of bidirectional emulation: a long-lived HTTP response carrying
 * protocol messages, either as SSE events (`data:` lines; EventSource joins the lines of one
 * event with '\n', which is what centrifuge-js splits replies on) or as newline-delimited
 * JSON (HTTP streaming). Commands after connect arrive through `POST /emulation`.
 */
export class StreamTransport implements SessionTransport {
  constructor(
    readonly name: 'sse' | 'http_stream',
    private readonly response: ServerResponse,
    readonly emulation: EmulationAddress,
  ) {}

  /** Bytes in the response and its socket not yet sent (`writableLength` counts both). */
  get bufferedAmount(): number {
    return this.response.writableLength;
  }

  encodePublication(publication: PreparedPublication): OutboundMessage {
    return encodePublicationLine(publication);
  }

  write(messages: readonly OutboundMessage[]): void {
    if (this.response.writableEnded) return;
    const lines = messages.map(lineOf);
    this.response.write(this.name === 'sse' ? `data: ${lines.join('\ndata: ')}\n\n` : `${lines.join('\n')}\n`);
  }

  writeOne(message: OutboundMessage): void {
    this.write([message]);
  }

  /** A stream has no close code: the disconnect goes as a push, then the response ends. */
  close(disconnect: Disconnect): void {
    if (this.response.writableEnded) return;
    this.write([encodePush({ disconnect: { code: disconnect.code, reason: disconnect.reason } })]);
    this.response.end();
  }
}

function lineOf(message: OutboundMessage): string {
  // Sessions on a stream are given JSON lines; a pre-built WebSocket frame is never queued here.
  return typeof message === 'string' ? message : message.payload.toString('utf8');
}
