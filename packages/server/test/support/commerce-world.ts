import type { Centrifuge, PublicationContext } from 'centrifuge';
import type { EventData, EventName, ProductView, Role } from '@dabba/protocol';
import type { RestReply, TestServer } from './fixture.js';
import { waitUntil } from './wait.js';

/** The cast of a catalog or cart test: a kitchen with its chef, another chef with theirs, customers. */
export interface CommerceWorld {
  tokens: Record<'chef' | 'otherChef' | 'customer' | 'otherCustomer' | 'admin', string>;
  storeId: string;
  otherStoreId: string;
  /** Adds a product to the kitchen (or `storeId`) as its chef; fails the test on anything but 201. */
  addProduct(body: Record<string, unknown>, storeId?: string): Promise<ProductView>;
  /** A customer of their own (`cust-{n}`), registered with the server. */
  customerToken(n: number): Promise<string>;
  /** The current product, over REST. */
  product(id: string): Promise<ProductView>;
  /** An order body for `POST /orders` from the kitchen. */
  orderBody(
    items: Array<{ productId: string; name: string; quantity: number; unitPriceMinor: number }>,
  ): Record<string, unknown>;
}

const PEOPLE: Record<keyof CommerceWorld['tokens'], { id: string; role: Role }> = {
  chef: { id: 'chef-1', role: 'chef' },
  otherChef: { id: 'chef-2', role: 'chef' },
  customer: { id: 'cust-1', role: 'customer' },
  otherCustomer: { id: 'cust-2', role: 'customer' },
  admin: { id: 'adm-1', role: 'admin' },
};

export function expectStatus(reply: RestReply, status: number, what: string): RestReply {
  if (reply.status !== status)
    throw new Error(`${what}: expected ${status}, got ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply;
}

export async function commerceWorld(t: TestServer): Promise<CommerceWorld> {
  const tokens = {} as CommerceWorld['tokens'];
  for (const [key, person] of Object.entries(PEOPLE) as Array<
    [keyof CommerceWorld['tokens'], { id: string; role: Role }]
  >) {
    tokens[key] = await t.token(person.id, person.role);
  }
  const kitchen = (name: string, as: string) =>
    t.rest('POST', '/stores', {
      as,
      body: { name, address: '12 Carter Road, Mumbai', latitude: 19.0596, longitude: 72.8295 },
    });
  const storeId = expectStatus(await kitchen("Ravi's Kitchen", tokens.chef), 201, 'store').body.id as string;
  const otherStoreId = expectStatus(await kitchen("Lena's Kitchen", tokens.otherChef), 201, 'store').body.id as string;
  return {
    tokens,
    storeId,
    otherStoreId,
    async addProduct(body, inStore = storeId) {
      const as = inStore === storeId ? tokens.chef : tokens.otherChef;
      const reply = await t.rest('POST', `/stores/${inStore}/products`, { as, body });
      return expectStatus(reply, 201, 'product').body as unknown as ProductView;
    },
    customerToken: (n) => t.token(`cust-${n}`, 'customer'),
    async product(id) {
      return expectStatus(await t.rest('GET', `/products/${id}`, { as: tokens.customer }), 200, 'product')
        .body as unknown as ProductView;
    },
    orderBody: (items) => ({
      storeId,
      items,
      deliveryAddress: '5 Hill Road, Bandra',
      deliveryLatitude: 19.0544,
      deliveryLongitude: 72.8406,
    }),
  };
}

export interface Received {
  channel: string;
  type: string | undefined;
  data: Record<string, unknown>;
}

/** Everything a client receives, on any channel (subscriptions and its server-side user channel). */
export class Inbox {
  readonly received: Received[] = [];

  constructor(readonly client: Centrifuge) {
    client.on('publication', this.record);
  }

  private readonly record = (ctx: PublicationContext): void => {
    this.received.push({ channel: ctx.channel, type: ctx.tags?.type, data: ctx.data as Record<string, unknown> });
  };

  async connect(): Promise<this> {
    this.client.connect();
    await this.client.ready(5000);
    return this;
  }

  async follow(channel: string): Promise<void> {
    const sub = this.client.newSubscription(channel);
    sub.on('publication', this.record);
    sub.subscribe();
    await sub.ready(5000);
  }

  of<N extends EventName>(type: N, channel?: string): Array<EventData<N>> {
    return this.received
      .filter((r) => r.type === type && (channel === undefined || r.channel === channel))
      .map((r) => r.data as EventData<N>);
  }

  /** Waits for an event of `type` (on `channel`) that `match` accepts, and returns it. */
  async waitFor<N extends EventName>(
    type: N,
    match: (data: EventData<N>) => boolean = () => true,
    channel?: string,
    timeoutMs = 5000,
  ): Promise<EventData<N>> {
    let found: EventData<N> | undefined;
    await waitUntil(() => (found = this.of(type, channel).find(match)) !== undefined, timeoutMs);
    return found as EventData<N>;
  }
}
