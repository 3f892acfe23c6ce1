import WebSocket from 'ws';
import { createClient, type ClientOptions, type ConnectionState, type DabbaClient } from '../src/index.js';
import type { TestServer } from '../../server/test/support/fixture.js';

/** Clients made by `testClient`, closed by `closeClients()` in afterEach. */
const clients: DabbaClient[] = [];

export function closeClients(): void {
  for (const client of clients.splice(0)) client.close();
}

/** A `@dabba/client` on the test server, over `ws` (Node 20 has no global WebSocket), fast reconnects. */
export function testClient(t: TestServer, options: Partial<ClientOptions>): DabbaClient {
  const client = createClient({
    url: t.url,
    websocket: WebSocket,
    reconnect: { minDelayMs: 20, maxDelayMs: 100 },
    lifecycleTarget: null,
    ...options,
  });
  clients.push(client);
  return client;
}

/** Every state a client passes through, from now on. */
export function recordStates(client: DabbaClient): ConnectionState[] {
  const states: ConnectionState[] = [client.state];
  client.onState((next) => states.push(next));
  return states;
}

/** Resolves with the first state (the current one included) that `predicate` accepts. */
export function stateWhere<S extends ConnectionState>(
  client: DabbaClient,
  predicate: (state: ConnectionState) => state is S,
  timeoutMs?: number,
): Promise<S>;
export function stateWhere(
  client: DabbaClient,
  predicate: (state: ConnectionState) => boolean,
  timeoutMs?: number,
): Promise<ConnectionState>;
export function stateWhere(
  client: DabbaClient,
  predicate: (state: ConnectionState) => boolean,
  timeoutMs = 5000,
): Promise<ConnectionState> {
  if (predicate(client.state)) return Promise.resolve(client.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`state not reached in ${timeoutMs} ms; now ${JSON.stringify(client.state)}`));
    }, timeoutMs);
    const stop = client.onState((next) => {
      if (!predicate(next)) return;
      clearTimeout(timer);
      stop();
      resolve(next);
    });
  });
}

export const isStatus =
  <S extends ConnectionState['status']>(status: S) =>
  (state: ConnectionState): state is Extract<ConnectionState, { status: S }> =>
    state.status === status;

/** Resolves once `condition()` holds after one of `subscribe`'s notifications (or at once). */
export function until<T>(
  subscribe: (listener: () => void) => () => void,
  condition: () => T | undefined | false,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const now = condition();
  if (now) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${what} not met in ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = subscribe(() => {
      const value = condition();
      if (!value) return;
      clearTimeout(timer);
      stop();
      resolve(value);
    });
  });
}
