import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PublicationContext, UnsubscribedContext } from 'centrifuge';
import { once, startTestServer, type TestServer } from './support/fixture.js';
import { ordersWorld, type OrdersWorld } from './support/orders-world.js';
import { RawClient } from './support/raw-client.js';
import { waitUntil } from './support/wait.js';

/**
 * Issue 3, "Channel rules": who may follow `order:{id}` and `tracking:{id}`, and see the order
 * over REST, at every stage of an order's life. The matrix is data: each cell is its own test,
 * so a failure names the role, the channel and the stage.
 */

type Person = keyof OrdersWorld['ids'];
const PEOPLE: readonly Person[] = [
  'customer',
  'otherCustomer',
  'chef',
  'otherChef',
  'driver',
  'otherDriver',
  'support',
  'admin',
];

type Step = (w: OrdersWorld, orderId: string) => Promise<unknown>;
const pay: Step = (w, id) => w.move(id, 'payment_confirmed', 'api');
const accept: Step = (w, id) => w.move(id, 'accepted', w.tokens.chef);
const ready: Step = (w, id) => w.move(id, 'ready_for_pickup', w.tokens.chef);
const assignDriver: Step = (w, id) => w.assign(id, w.ids.driver);
const pickUp: Step = (w, id) => w.move(id, 'picked_up', w.tokens.driver);
const drive: Step = (w, id) => w.move(id, 'in_transit', w.tokens.driver);
const deliver: Step = (w, id) => w.move(id, 'delivered', w.tokens.driver);
const cancelBySupport: Step = (w, id) => w.move(id, 'cancelled', w.tokens.support, 'customer unreachable');

interface Stage {
  readonly name: string;
  /** The order's status once the steps are done. */
  readonly status: string;
  readonly steps: readonly Step[];
  /** `driver` (drv-1) is the order's driver by then. */
  readonly driverAssigned: boolean;
  readonly terminal: boolean;
}

const STAGES: readonly Stage[] = [
  { name: 'pending', status: 'pending', steps: [], driverAssigned: false, terminal: false },
  { name: 'payment_confirmed', status: 'payment_confirmed', steps: [pay], driverAssigned: false, terminal: false },
  {
    name: 'accepted, driver assigned early',
    status: 'accepted',
    steps: [pay, accept, assignDriver],
    driverAssigned: true,
    terminal: false,
  },
  {
    name: 'assigned_to_driver',
    status: 'assigned_to_driver',
    steps: [pay, accept, ready, assignDriver],
    driverAssigned: true,
    terminal: false,
  },
  {
    name: 'in_transit',
    status: 'in_transit',
    steps: [pay, accept, ready, assignDriver, pickUp, drive],
    driverAssigned: true,
    terminal: false,
  },
  {
    name: 'delivered',
    status: 'delivered',
    steps: [pay, accept, ready, assignDriver, pickUp, drive, deliver],
    driverAssigned: true,
    terminal: true,
  },
  {
    name: 'cancelled after assignment',
    status: 'cancelled',
    steps: [pay, accept, assignDriver, cancelBySupport],
    driverAssigned: true,
    terminal: true,
  },
];

/** The order's customer, its kitchen's chef, its driver once assigned, support and admin. */
function maySeeOrder(person: Person, stage: Stage): boolean {
  switch (person) {
    case 'customer':
    case 'chef':
    case 'support':
    case 'admin':
      return true;
    case 'driver':
      return stage.driverAssigned;
    default:
      return false;
  }
}

/** The same for `order:{id}`; for `tracking:{id}` a driver only while the order is live. */
function maySubscribe(person: Person, channel: 'order' | 'tracking', stage: Stage): boolean {
  if (channel === 'tracking' && person === 'driver' && stage.terminal) return false;
  return maySeeOrder(person, stage);
}

const subscribeCells = STAGES.flatMap((stage) =>
  (['order', 'tracking'] as const).flatMap((channel) =>
    PEOPLE.map((person) => {
      const allowed = maySubscribe(person, channel, stage);
      return { person, channel, stage: stage.name, allowed, verdict: allowed ? 'may' : 'may not' };
    }),
  ),
);

const restCells = STAGES.flatMap((stage) =>
  (['', '/tracking'] as const).flatMap((suffix) =>
    PEOPLE.map((person) => {
      const allowed = maySeeOrder(person, stage);
      return {
        person,
        path: `GET /orders/:id${suffix}`,
        suffix,
        stage: stage.name,
        allowed,
        status: allowed ? 200 : 404,
      };
    }),
  ),
);

describe('who may follow an order: roles × channels × stages', () => {
  let t: TestServer;
  let w: OrdersWorld;
  const orderAt = new Map<string, string>();
  const clients = new Map<Person, RawClient>();

  beforeAll(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    w = await ordersWorld(t);
    for (const stage of STAGES) {
      const orderId = await w.placeOrder();
      for (const step of stage.steps) await step(w, orderId);
      orderAt.set(stage.name, orderId);
    }
    for (const person of PEOPLE) {
      const client = await RawClient.open(t.wsUrl);
      const reply = await client.connect(w.tokens[person]);
      if (reply.error) throw new Error(`${person} could not connect: ${reply.error.message}`);
      clients.set(person, client);
    }
  });
  afterAll(async () => {
    for (const client of clients.values()) client.close();
    await t?.close();
  });

  const order = (stage: string): string => {
    const id = orderAt.get(stage);
    if (!id) throw new Error(`no order at stage ${stage}`);
    return id;
  };

  for (const stage of STAGES) {
    it(`the ${stage.name} order is ${stage.status}`, async () => {
      const reply = await t.rest('GET', `/orders/${order(stage.name)}`, { as: 'api' });
      expect(reply.body.status).toBe(stage.status);
    });
  }

  for (const cell of subscribeCells) {
    it(`${cell.person} ${cell.verdict} subscribe to ${cell.channel}:{id} while ${cell.stage}`, async () => {
      const reply = await clients
        .get(cell.person)!
        .call('subscribe', { channel: `${cell.channel}:${order(cell.stage)}` });
      if (cell.allowed) expect(reply.error).toBeUndefined();
      else expect(reply.error?.code, 'permission denied').toBe(103);
    });
  }

  for (const cell of restCells) {
    it(`${cell.person} gets ${cell.status} from ${cell.path} while ${cell.stage}`, async () => {
      const reply = await t.rest('GET', `/orders/${order(cell.stage)}${cell.suffix}`, { as: w.tokens[cell.person] });
      expect(reply.status).toBe(cell.status);
      if (cell.allowed) expect(reply.body).toMatchObject({ [cell.suffix ? 'orderId' : 'id']: order(cell.stage) });
      else expect(reply.body.error?.code).toBe('not_found');
    });
  }
});

describe('the driver loses the order when the domain says so', () => {
  let t: TestServer;
  let w: OrdersWorld;
  beforeEach(async () => {
    t = await startTestServer({ logLevel: 'warn' });
    w = await ordersWorld(t);
  });
  afterEach(() => t.close());

  /** A centrifuge-js client that records the events of its own `user:` channel. */
  const connectAs = (token: string) => {
    const client = t.centrifuge({ token });
    const alerts: Array<{ type: string | undefined; data: Record<string, unknown> }> = [];
    client.on('publication', (ctx: PublicationContext) =>
      alerts.push({ type: ctx.tags?.type, data: ctx.data as Record<string, unknown> }),
    );
    client.connect();
    return { client, alerts };
  };

  it('ends a reassigned driver’s subscriptions at once and denies them again; both drivers are told', async () => {
    const orderId = await w.placeOrder();
    await pay(w, orderId);
    await accept(w, orderId);
    await assignDriver(w, orderId);

    const a = connectAs(w.tokens.driver);
    const b = connectAs(w.tokens.otherDriver);
    const tracking = a.client.newSubscription(`tracking:${orderId}`);
    const orderSub = a.client.newSubscription(`order:${orderId}`);
    tracking.subscribe();
    orderSub.subscribe();
    await Promise.all([tracking.ready(5000), orderSub.ready(5000), b.client.ready(5000)]);

    const ended = Promise.all([
      once<UnsubscribedContext>(tracking, 'unsubscribed'),
      once<UnsubscribedContext>(orderSub, 'unsubscribed'),
    ]);
    await w.assign(orderId, w.ids.otherDriver);
    // Server-side unsubscribe, code 2000: centrifuge-js does not try to resubscribe by itself.
    expect((await ended).map((ctx) => ctx.code)).toEqual([2000, 2000]);

    await waitUntil(() => a.alerts.some((x) => x.type === 'driver:unassigned' && x.data.orderId === orderId));
    await waitUntil(() => b.alerts.some((x) => x.type === 'driver:new_assignment' && x.data.orderId === orderId));

    for (const sub of [tracking, orderSub]) {
      const denied = once<UnsubscribedContext>(sub, 'unsubscribed');
      sub.subscribe();
      expect((await denied).code, `resubscribe to ${sub.channel}`).toBe(103);
    }
    expect((await t.rest('GET', `/orders/${orderId}`, { as: w.tokens.driver })).status).toBe(404);

    const bTracking = b.client.newSubscription(`tracking:${orderId}`);
    bTracking.subscribe();
    await bTracking.ready(5000);
  });

  it('ends the driver’s tracking subscription when the order is delivered', async () => {
    const orderId = await w.placeOrder();
    for (const step of [pay, accept, ready, assignDriver, pickUp, drive]) await step(w, orderId);
    const { client } = connectAs(w.tokens.driver);
    const tracking = client.newSubscription(`tracking:${orderId}`);
    tracking.subscribe();
    await tracking.ready(5000);

    const ended = once<UnsubscribedContext>(tracking, 'unsubscribed', 2000);
    await deliver(w, orderId);
    expect((await ended).code).toBe(2000);
  });
});
