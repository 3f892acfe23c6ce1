import { QueryClient } from '@tanstack/react-query';
import type { ClientOptions } from '@dabba/client';
import WebSocket from 'ws';
import type { TestServer } from '../../server/test/support/fixture.js';

/**
 * `ws` with a count of the sockets it opened: what a test checks to know how many connections a
 * provider made (jsdom's own WebSocket is not used: Node's `ws` is the real thing the server sees).
 */
export class CountingWebSocket extends WebSocket {
  static opened = 0;

  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    CountingWebSocket.opened += 1;
  }
}

/** Provider options for the test server: a counted `ws`, fast reconnects, no page lifecycle. */
export function clientOptions(t: TestServer, token: string, extra: Partial<ClientOptions> = {}): ClientOptions {
  return {
    url: t.url,
    token,
    websocket: CountingWebSocket,
    reconnect: { minDelayMs: 20, maxDelayMs: 100 },
    lifecycleTarget: null,
    ...extra,
  };
}

/** A metric's value from the server's `/metrics` (0 when absent). */
export async function metric(t: TestServer, line: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

/** Clients on the server's hub now, and the subscriptions they hold. */
export function hubCounts(t: TestServer): { clients: number; subscriptions: number } {
  const info = t.server.hub.info('test');
  return { clients: Number(info.num_clients), subscriptions: Number(info.num_subs) };
}

/** Subscribers of one channel on the server now. */
export function subscribers(t: TestServer, channel: string): number {
  return t.server.hub.channels()[channel]?.num_clients ?? 0;
}

export function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false } } });
}
