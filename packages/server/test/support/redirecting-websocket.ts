import { createServer, type AddressInfo, type Server } from 'node:net';
import WebSocket from 'ws';

/**
 * A WebSocket class for centrifuge-js (`websocket:` option) whose every new socket goes to
 * `target.url`, whatever URL the client was made with: a client follows a server that restarted
 * on another port the way a real one follows a load balancer.
 */
export interface Redirect {
  readonly WebSocket: new (url: string | URL, protocols?: string | string[]) => WebSocket;
  /** Where the next socket connects. */
  readonly target: { url: string };
  /**
   * Sends new sockets to a port that is held open and resets every connection, until `target`
   * moves on: a server's freed port could otherwise be taken by another test's server meanwhile.
   */
  park(): Promise<void>;
  close(): Promise<void>;
}

export function redirectingWebSocket(url: string): Redirect {
  const target = { url };
  class RedirectingWebSocket extends WebSocket {
    constructor(_requested: string | URL, protocols?: string | string[]) {
      if (protocols === undefined) super(target.url);
      else super(target.url, protocols);
    }
  }
  let parking: Server | undefined;
  return {
    WebSocket: RedirectingWebSocket,
    target,
    async park() {
      const server = (parking ??= createServer((socket) => socket.resetAndDestroy()));
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      target.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/connection/websocket`;
    },
    async close() {
      const server = parking;
      parking = undefined;
      if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
