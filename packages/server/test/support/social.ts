import type { Centrifuge, PublicationContext, Subscription } from 'centrifuge';
import { once, type TestServer } from './fixture.js';

/** One publication a client received: its catalog type, data and when it arrived. */
export interface Received<T = Record<string, unknown>> {
  type: string | undefined;
  channel: string;
  data: T;
  atMs: number;
}

/** A connected client and everything it has received, on its user channel and its subscriptions. */
export interface Listener {
  client: Centrifuge;
  received: Received[];
  /** What arrived with this type, in order. */
  of<T = Record<string, unknown>>(type: string): Received<T>[];
  /** Subscribes to a channel; resolves once subscribed. */
  follow(channel: string): Promise<Subscription>;
}

/** Connects a centrifuge-js client for `token` and records every publication it receives. */
export async function listen(t: TestServer, token: string): Promise<Listener> {
  const client = t.centrifuge({ token });
  const received: Received[] = [];
  const record = (ctx: PublicationContext): void => {
    received.push({
      type: ctx.tags?.type,
      channel: ctx.channel,
      data: ctx.data as Record<string, unknown>,
      atMs: Date.now(),
    });
  };
  // Server-side subscriptions (the user's own channel) arrive on the client.
  client.on('publication', record);
  const connected = once(client, 'connected');
  client.connect();
  await connected;
  return {
    client,
    received,
    of: <T>(type: string) => received.filter((r) => r.type === type) as unknown as Received<T>[],
    async follow(channel) {
      const sub = client.newSubscription(channel);
      sub.on('publication', record);
      sub.subscribe();
      await sub.ready(5000);
      return sub;
    },
  };
}

/** Calls an rpc method that must fail, returning its error. */
export async function rpcError(
  client: Centrifuge,
  method: string,
  data: unknown,
): Promise<{ code: number; message: string }> {
  try {
    await client.rpc(method, data);
  } catch (error) {
    return error as { code: number; message: string };
  }
  throw new Error(`expected ${method} ${JSON.stringify(data)} to be refused`);
}
