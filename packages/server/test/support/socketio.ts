import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { afterEach } from 'vitest';
import { startTestServer, type TestServer } from './fixture.js';

/** What a Socket.IO acknowledgement carries. */
export type Ack = { ok: true; [field: string]: unknown } | { ok: false; error: { code: string; message: string } };

/** Every socket a test opened, closed after it. */
const opened: Socket[] = [];

/**
 * A socket.io-client socket on one of the face's namespaces, not connected yet. WebSocket only
 * unless `transports` says otherwise; reconnection off unless asked for, so tests decide when a
 * client comes back.
 */
export function sioClient(
  t: TestServer,
  namespace: '/realtime' | '/notifications' | '/support' | '/app' | '/',
  options: Partial<ManagerOptions & SocketOptions> & { token?: string } = {},
): Socket {
  const { token, ...rest } = options;
  const socket = io(`${t.url}${namespace}`, {
    transports: ['websocket'],
    reconnection: false,
    autoConnect: false,
    forceNew: true,
    auth: token === undefined ? {} : { token },
    ...rest,
  });
  opened.push(socket);
  return socket;
}

/** Disconnects every socket the tests opened. */
export function closeSioClients(): void {
  for (const socket of opened.splice(0)) socket.disconnect();
}

/** Connects and resolves with the `connected` payload (on `/realtime`) or on `connect` (elsewhere). */
export function connectSio(socket: Socket, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket.io connect timed out')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.connect();
  });
}

/** Emits an event with an acknowledgement callback and resolves with the reply. */
export function emitWithAck(socket: Socket, event: string, payload: unknown, timeoutMs = 5000): Promise<Ack> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack>;
}

/** Resolves with the first `event`'s first argument. */
export function nextEvent<T = unknown>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), timeoutMs);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** Collects every `event`'s first argument as it arrives. */
export function collect<T = Record<string, unknown>>(socket: Socket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return received;
}

/**
 * The servers of a Socket.IO test file: `server()` starts one (logging at warn); after each test
 * its Socket.IO clients close, then its servers. Call once, at the top level of the file.
 */
export function socketIoServers(): (options?: Parameters<typeof startTestServer>[0]) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    closeSioClients();
    for (const t of servers.splice(0)) await t.close();
  });
  return async (options = {}) => {
    const t = await startTestServer({ logLevel: 'warn', ...options });
    servers.push(t);
    return t;
  };
}
