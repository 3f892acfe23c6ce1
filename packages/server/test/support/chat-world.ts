import type { Centrifuge, PublicationContext, Subscription, UnsubscribedContext } from 'centrifuge';
import { once, type RestReply, type TestServer } from './fixture.js';
import type { OrdersWorld } from './orders-world.js';
import { waitUntil } from './wait.js';

/** An envelope as a centrifuge-js client received it. */
export interface Received {
  type: string | undefined;
  data: Record<string, unknown>;
}

/** Collects what a subscription (or a client's server-side subscriptions) delivers, with a typed wait. */
export class Inbox {
  readonly events: Received[] = [];

  constructor(source: Centrifuge | Subscription) {
    const record = (ctx: PublicationContext): void => {
      this.events.push({ type: ctx.tags?.type, data: ctx.data as Record<string, unknown> });
    };
    // The client's server-side subscriptions (user:{id}) and a subscription emit the same context.
    if ('newSubscription' in source) source.on('publication', record);
    else source.on('publication', record);
  }

  of(type: string): Array<Record<string, unknown>> {
    return this.events.filter((e) => e.type === type).map((e) => e.data);
  }

  /** Waits until an event of this type matching `where` has arrived, and returns it. */
  async next(type: string, where: (data: Record<string, unknown>) => boolean = () => true) {
    await waitUntil(() => this.of(type).some(where));
    return this.of(type).find(where) as Record<string, unknown>;
  }
}

/** A connected centrifuge-js client and the inbox of its user channel. */
export async function connect(t: TestServer, token: string): Promise<{ client: Centrifuge; inbox: Inbox }> {
  const client = t.centrifuge({ token });
  const inbox = new Inbox(client);
  const connected = once(client, 'connected');
  client.connect();
  await connected;
  return { client, inbox };
}

/** Subscribes a client to a conversation's channel and waits until it is subscribed. */
export async function follow(client: Centrifuge, conversationId: string): Promise<{ sub: Subscription; inbox: Inbox }> {
  const sub = client.newSubscription(`chat:${conversationId}`);
  const inbox = new Inbox(sub);
  sub.subscribe();
  await sub.ready(5000);
  return { sub, inbox };
}

export interface OrderChats {
  orderId: string;
  kitchenChat: string;
  driverChat: string;
}

/** An order taken to accepted with `w.ids.driver` assigned: both of its chats are open. */
export async function orderWithChats(t: TestServer, w: OrdersWorld): Promise<OrderChats> {
  const orderId = await w.placeOrder();
  await w.move(orderId, 'payment_confirmed', 'api');
  await w.move(orderId, 'accepted', w.tokens.chef);
  await w.assign(orderId, w.ids.driver);
  const list = await t.rest('GET', '/conversations', { as: w.tokens.customer });
  const conversations = list.body.conversations as Array<{ id: string; orderId: string; topic: string }>;
  const find = (topic: string): string => {
    const found = conversations.find((c) => c.orderId === orderId && c.topic === topic);
    if (!found) throw new Error(`no ${topic} chat for ${orderId}: ${JSON.stringify(list.body)}`);
    return found.id;
  };
  return { orderId, kitchenChat: find('kitchen'), driverChat: find('driver') };
}

/** Sends a message over REST, failing the test on anything but 201. */
export async function say(t: TestServer, as: string, conversationId: string, text: string, clientMessageId?: string) {
  const reply: RestReply = await t.rest('POST', `/conversations/${conversationId}/messages`, {
    as,
    body: { clientMessageId: clientMessageId ?? `m-${Math.random().toString(36).slice(2)}`, text },
  });
  if (reply.status !== 201) throw new Error(`send failed with ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body as { id: string; seq: number; text: string; clientMessageId: string };
}

/** Subscribes and expects the server to refuse: centrifuge-js ends the subscription with code 103. */
export async function expectDenied(client: Centrifuge, conversationId: string): Promise<void> {
  const channel = `chat:${conversationId}`;
  const sub = client.getSubscription(channel) ?? client.newSubscription(channel);
  const denied = once<UnsubscribedContext>(sub, 'unsubscribed');
  sub.subscribe();
  const { code } = await denied;
  if (code !== 103) throw new Error(`subscribe to ${channel} ended with ${code}, not 103 (permission denied)`);
}
