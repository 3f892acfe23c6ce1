import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { EventData } from '@dabba/protocol';
import { DabbaClientError, type EventMeta } from '../src/index.js';
import { startTestServer, type TestServer } from '../../server/test/support/fixture.js';
import { ordersWorld } from '../../server/test/support/orders-world.js';
import { closeClients, isStatus, stateWhere, testClient, until } from './support.js';

let t: TestServer | undefined;
afterEach(async () => {
  closeClients();
  await t?.close();
  t = undefined;
});

const notification = {
  id: 'n1',
  type: 'order',
  title: 'Your order is on its way',
  body: 'Meera picked it up',
  data: { orderId: 'o1' },
  createdAt: '2026-11-24T10:00:00.000Z',
  read: false,
};

describe('typed events', () => {
  it('delivers catalog events typed from the catalog, with the envelope’s id, type, ts and offset', async () => {
    t = await startTestServer({ logLevel: 'warn' });
    const client = testClient(t, { token: await t.token('u1') });
    const received: Array<{ data: EventData<'notification'>; meta: EventMeta }> = [];
    client.on('notification', (data, meta) => {
      expectTypeOf(data).toEqualTypeOf<EventData<'notification'>>();
      received.push({ data, meta });
    });
    await stateWhere(client, isStatus('connected'));
    const published = await t.api('publish', { channel: 'user:u1', type: 'notification', data: notification });
    expect(published.body.error).toBeUndefined();
    await until(client.onAny.bind(client), () => received.length === 1, 5000, 'notification');
    expect(received[0]?.data).toEqual(notification);
    expect(received[0]?.meta).toMatchObject({
      channel: 'user:u1',
      type: 'notification',
      id: expect.any(String),
      ts: expect.any(Number),
      offset: published.body.result?.offset,
    });
  });

  it('reports data that does not match the catalog as an error event and keeps delivering the rest', async () => {
    t = await startTestServer({ logLevel: 'warn' });
    const client = testClient(t, { token: await t.token('u2') });
    const delivered: unknown[] = [];
    const errors: Array<DabbaClientError | Error> = [];
    client.on('notification', (data) => delivered.push(data));
    client.onError((error) => errors.push(error));
    await stateWhere(client, isStatus('connected'));
    await t.api('publish', { channel: 'user:u2', type: 'notification', data: { ...notification, read: 'no' } });
    await t.api('publish', { channel: 'user:u2', type: 'notification', data: { ...notification, id: 'n2' } });
    await until(client.onAny.bind(client), () => delivered.length === 1, 5000, 'the valid notification');
    expect(delivered).toEqual([{ ...notification, id: 'n2' }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DabbaClientError);
    expect(errors[0]).toMatchObject({
      code: 'invalid_event',
      details: { channel: 'user:u2', type: 'notification', issues: [{ path: 'read' }] },
    });
    expect(client.state.status).toBe('connected');
  });

  it('an app listener that throws is reported and does not stop the other listeners', async () => {
    t = await startTestServer({ logLevel: 'warn' });
    const client = testClient(t, { token: await t.token('u3') });
    const errors: Error[] = [];
    const seen: string[] = [];
    client.onError((error) => errors.push(error));
    client.on('notification', () => {
      throw new Error('app bug');
    });
    client.on('notification', (data) => seen.push(data.id));
    await stateWhere(client, isStatus('connected'));
    await t.api('publish', { channel: 'user:u3', type: 'notification', data: notification });
    await until(client.onAny.bind(client), () => seen.length === 1, 5000, 'the second listener');
    expect(errors).toMatchObject([{ code: 'listener_failed' }]);
  });

  it('subscribe(): channel-scoped typed handlers, shared by holders, refused channels reported', async () => {
    t = await startTestServer({ logLevel: 'warn' });
    const w = await ordersWorld(t);
    const orderId = await w.placeOrder();
    const client = testClient(t, { token: w.tokens.customer });
    const a = client.subscribe(`order:${orderId}`);
    const b = client.subscribe(`order:${orderId}`);
    const statusesA: string[] = [];
    const statusesB: string[] = [];
    a.on('order:status_update', (data, meta) => {
      expectTypeOf(data.status).toEqualTypeOf<EventData<'order:status_update'>['status']>();
      expect(meta.channel).toBe(`order:${orderId}`);
      statusesA.push(data.status);
    });
    b.on('order:status_update', (data) => statusesB.push(data.status));
    await a.ready(5000);
    expect(Object.keys(client.centrifuge.subscriptions())).toEqual([`order:${orderId}`]);

    await w.move(orderId, 'payment_confirmed', 'api');
    await until(client.onAny.bind(client), () => statusesB.length === 1, 5000, 'first update');
    // One holder leaves; the other still follows, on the same subscription.
    a.unsubscribe();
    await w.move(orderId, 'accepted', w.tokens.chef);
    await until(client.onAny.bind(client), () => statusesB.length === 2, 5000, 'second update');
    expect(statusesA).toEqual(['payment_confirmed']);
    expect(statusesB).toEqual(['payment_confirmed', 'accepted']);
    b.unsubscribe();
    expect(client.centrifuge.subscriptions()).toEqual({});

    // Another customer's order is refused: its holder hears why.
    const other = testClient(t, { token: w.tokens.otherCustomer });
    const refused = other.subscribe(`order:${orderId}`);
    const error = await new Promise<DabbaClientError>((resolve) => refused.onError(resolve));
    expect(error).toMatchObject({
      code: 'subscribe_failed',
      details: { channel: `order:${orderId}`, serverCode: 103 },
    });
  });
});
