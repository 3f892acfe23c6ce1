import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { TestServer } from './support/fixture.js';
import { ordersWorld } from './support/orders-world.js';
import { collect, connectSio, emitWithAck, nextEvent, sioClient, socketIoServers } from './support/socketio.js';
import { waitUntil } from './support/wait.js';

const server = socketIoServers();

/** Drops the client's transport (as a network failure would) and waits until the server has let go of it. */
async function dropTransport(t: TestServer, socket: Socket): Promise<void> {
  const clients = t.server.hub.info('test').num_clients as number;
  const disconnected = nextEvent<string>(socket, 'disconnect');
  socket.io.engine.close();
  await disconnected;
  await waitUntil(() => t.server.hub.info('test').num_clients === clients - 1);
}

describe('Socket.IO connection state recovery from the hub', () => {
  it('a client whose transport dropped gets every event it missed, in order, none twice, then live ones', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const orderId = await w.placeOrder();
    const customer = sioClient(t, '/realtime', { token: w.tokens.customer });
    const updates = collect<{ status: string }>(customer, 'order:status_update');
    const notices = collect<{ id: string; type: string }>(customer, 'notification');
    await connectSio(customer);
    expect(await emitWithAck(customer, 'subscribe:order', { orderId })).toEqual({ ok: true });
    await w.move(orderId, 'payment_confirmed', 'api');
    await waitUntil(() => updates.length === 1 && notices.length === 1);
    const socketId = customer.id;

    await dropTransport(t, customer);
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.move(orderId, 'preparing', w.tokens.chef);
    await w.move(orderId, 'ready_for_pickup', w.tokens.chef);
    await w.assign(orderId, w.ids.driver);

    await connectSio(customer);
    expect(customer.recovered).toBe(true);
    expect(customer.id).toBe(socketId);
    await w.move(orderId, 'picked_up', w.tokens.driver);
    await waitUntil(() => updates.length >= 6 && notices.length >= 4);
    expect(updates.map((u) => u.status)).toEqual([
      'payment_confirmed',
      'accepted',
      'preparing',
      'ready_for_pickup',
      'assigned_to_driver',
      'picked_up',
    ]);
    expect(notices.map((n) => n.type)).toEqual(['order_confirmed', 'order_accepted', 'order_ready', 'order_picked_up']);
    expect(new Set(notices.map((n) => n.id)).size).toBe(notices.length);
  });

  it('recovers twice in a row, and over long-polling', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const customer = sioClient(t, '/notifications', { token: w.tokens.customer, transports: ['polling'] });
    const notices = collect<{ id: string; data: { orderId: string } }>(customer, 'notification');
    await connectSio(customer);
    const first = await w.placeOrder();
    await w.move(first, 'payment_confirmed', 'api');
    await waitUntil(() => notices.length === 1);
    const expected = [first];
    for (let round = 0; round < 2; round++) {
      await dropTransport(t, customer);
      for (let i = 0; i < 2; i++) {
        const orderId = await w.placeOrder();
        await w.move(orderId, 'payment_confirmed', 'api');
        expected.push(orderId);
      }
      await connectSio(customer);
      expect(customer.recovered, `round ${round}`).toBe(true);
      await waitUntil(() => notices.length === expected.length);
    }
    expect(notices.map((n) => n.data.orderId)).toEqual(expected);
  });

  it('is not recovered when the history no longer reaches back: the app refetches, live events flow again', async () => {
    // The user channel keeps two publications; three are missed.
    const t = await server({ namespaces: { user: { historySize: 2, historyTtlMs: 60_000 } } });
    const w = await ordersWorld(t);
    const customer = sioClient(t, '/notifications', { token: w.tokens.customer });
    const notices = collect<{ data: { orderId: string } }>(customer, 'notification');
    await connectSio(customer);
    const first = await w.placeOrder();
    await w.move(first, 'payment_confirmed', 'api');
    await waitUntil(() => notices.length === 1);

    await dropTransport(t, customer);
    for (let i = 0; i < 3; i++) await w.move(await w.placeOrder(), 'payment_confirmed', 'api');
    await connectSio(customer);
    expect(customer.recovered).toBe(false);
    expect(notices).toHaveLength(1);

    const next = await w.placeOrder();
    await w.move(next, 'payment_confirmed', 'api');
    await waitUntil(() => notices.length === 2);
    expect(notices[1]?.data.orderId).toBe(next);
  });

  it('is not recovered into a channel the user lost while away (a driver taken off the order)', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const orderId = await w.placeOrder();
    await w.move(orderId, 'payment_confirmed', 'api');
    await w.move(orderId, 'accepted', w.tokens.chef);
    await w.assign(orderId, w.ids.driver);
    const driver = sioClient(t, '/realtime', { token: w.tokens.driver });
    const updates = collect<{ status: string }>(driver, 'order:status_update');
    await connectSio(driver);
    expect(await emitWithAck(driver, 'subscribe:order', { orderId })).toEqual({ ok: true });

    await dropTransport(t, driver);
    await w.assign(orderId, w.ids.otherDriver);
    await w.move(orderId, 'preparing', w.tokens.chef);
    await connectSio(driver);
    expect(driver.recovered).toBe(false);
    expect(await emitWithAck(driver, 'subscribe:order', { orderId })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
    expect(updates).toEqual([]);
  });

  it('is not recovered with an offset the server never gave out, or for another user', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const customer = sioClient(t, '/realtime', { token: w.tokens.customer });
    await connectSio(customer);
    await dropTransport(t, customer);
    // Seed 003's `connected` carried offset "0"; pretend the client holds one from the future.
    (customer as unknown as { _lastOffset: string })._lastOffset = '999';
    await connectSio(customer);
    expect(customer.recovered).toBe(false);

    await dropTransport(t, customer);
    customer.auth = { token: w.tokens.otherCustomer };
    const refused = await connectSio(customer).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(refused).toBe('this session belongs to another user');
  });
});
