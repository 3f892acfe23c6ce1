import type { Role } from '@dabba/protocol';
import type { RestReply, TestServer } from './fixture.js';

/** The cast of an order test: a kitchen with its chef, a customer, two drivers, support and admin. */
export interface OrdersWorld {
  tokens: Record<
    'customer' | 'otherCustomer' | 'chef' | 'otherChef' | 'driver' | 'otherDriver' | 'support' | 'admin',
    string
  >;
  ids: Record<
    'customer' | 'otherCustomer' | 'chef' | 'otherChef' | 'driver' | 'otherDriver' | 'support' | 'admin',
    string
  >;
  storeId: string;
  /** Places an order as the customer and returns its id. */
  placeOrder(): Promise<string>;
  /** Moves an order with a REST call, failing the test on anything but 200. */
  move(orderId: string, status: string, as: string, reason?: string): Promise<RestReply>;
  assign(orderId: string, driverId: string, as?: string): Promise<RestReply>;
}

const PEOPLE: Record<keyof OrdersWorld['ids'], { id: string; role: Role; name: string }> = {
  customer: { id: 'cust-1', role: 'customer', name: 'Asha' },
  otherCustomer: { id: 'cust-2', role: 'customer', name: 'Bilal' },
  chef: { id: 'chef-1', role: 'chef', name: 'Ravi' },
  otherChef: { id: 'chef-2', role: 'chef', name: 'Lena' },
  driver: { id: 'drv-1', role: 'driver', name: 'Meera' },
  otherDriver: { id: 'drv-2', role: 'driver', name: 'Tom' },
  support: { id: 'sup-1', role: 'support', name: 'Sam' },
  admin: { id: 'adm-1', role: 'admin', name: 'Ada' },
};

/** The world kitchen's menu; `placeOrder` orders two thalis. */
export const WORLD_MENU = [
  { id: 'thali', name: 'Veg thali', priceMinor: 18000 },
  { id: 'dosa', name: 'Masala dosa', priceMinor: 12000 },
] as const;

export async function ordersWorld(t: Pick<TestServer, 'rest' | 'token'>): Promise<OrdersWorld> {
  const tokens = {} as OrdersWorld['tokens'];
  const ids = {} as OrdersWorld['ids'];
  for (const [key, person] of Object.entries(PEOPLE) as Array<
    [keyof OrdersWorld['ids'], (typeof PEOPLE)['customer']]
  >) {
    tokens[key] = await t.token(person.id, person.role, { name: person.name });
    ids[key] = person.id;
    // A first authenticated call registers the user with their name and role.
    await t.rest('GET', '/notifications', { as: tokens[key] });
  }
  const created = await t.rest('POST', '/stores', {
    as: tokens.chef,
    body: {
      name: "Ravi's Dabba Kitchen",
      address: '12 Carter Road, Mumbai',
      latitude: 19.0596,
      longitude: 72.8295,
      prepMinutes: 15,
    },
  });
  if (created.status !== 201) throw new Error(`store creation failed: ${JSON.stringify(created.body)}`);
  const storeId = created.body.id as string;
  // Orders name catalog products: the kitchen's menu, stock not tracked.
  for (const product of WORLD_MENU) {
    const added = await t.rest('POST', `/stores/${storeId}/products`, { as: tokens.chef, body: product });
    if (added.status !== 201) throw new Error(`product creation failed: ${JSON.stringify(added.body)}`);
  }

  const expectOk = (reply: RestReply, what: string): RestReply => {
    if (reply.status !== 200) throw new Error(`${what} failed with ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply;
  };
  return {
    tokens,
    ids,
    storeId,
    async placeOrder() {
      const reply = await t.rest('POST', '/orders', {
        as: tokens.customer,
        body: {
          storeId,
          items: [{ productId: 'thali', name: 'Veg thali', quantity: 2, unitPriceMinor: 18000 }],
          deliveryAddress: '5 Hill Road, Bandra',
          deliveryLatitude: 19.0544,
          deliveryLongitude: 72.8406,
          deliveryFeeMinor: 3000,
        },
      });
      if (reply.status !== 201) throw new Error(`order failed: ${JSON.stringify(reply.body)}`);
      return reply.body.id as string;
    },
    async move(orderId, status, as, reason) {
      return expectOk(
        await t.rest('POST', `/orders/${orderId}/status`, { as, body: reason ? { status, reason } : { status } }),
        `→ ${status}`,
      );
    },
    async assign(orderId, driverId, as = tokens.chef) {
      return expectOk(await t.rest('POST', `/orders/${orderId}/assign`, { as, body: { driverId } }), 'assign');
    },
  };
}
