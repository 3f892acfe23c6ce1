import { describe, expect, it } from 'vitest';
import { ordersWorld } from './support/orders-world.js';
import { connectSio, emitWithAck, nextEvent, sioClient, type Ack, socketIoServers } from './support/socketio.js';

const server = socketIoServers();

describe('Socket.IO face: bad input', () => {
  it('answers malformed payloads with a negative ack or an error event, and keeps serving the socket', async () => {
    const t = await server();
    const w = await ordersWorld(t);
    const orderId = await w.placeOrder();
    const socket = sioClient(t, '/realtime', { token: w.tokens.customer });
    await connectSio(socket);
    for (const payload of [42, null, 'order-1', {}, { orderId: '' }, { orderId: 'x'.repeat(65) }, [orderId]]) {
      expect(await emitWithAck(socket, 'subscribe:order', payload), JSON.stringify(payload)).toMatchObject({
        ok: false,
        error: { code: 'validation_failed' },
      });
    }
    expect(await emitWithAck(socket, 'subscribe:order', { orderId: 'bad channel!' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    const error = nextEvent(socket, 'error');
    socket.emit('subscribe:order', 'nonsense');
    expect(await error).toMatchObject({ event: 'subscribe:order', code: 'validation_failed' });
    const notifications = sioClient(t, '/notifications', { token: w.tokens.customer });
    await connectSio(notifications);
    expect(await emitWithAck(notifications, 'joinRoom', { room: 42 })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(await emitWithAck(socket, 'subscribe:order', { orderId })).toEqual({ ok: true });
  });

  it('drops unknown events with a warning that does not flood the log', async () => {
    const t = await server();
    const token = await t.token('cust-1');
    const socket = sioClient(t, '/realtime', { token });
    await connectSio(socket);
    expect(await emitWithAck(socket, 'no:such-event', {})).toEqual({
      ok: false,
      error: { code: 'method_not_found', message: 'unknown event' },
    });
    for (let i = 0; i < 20; i++) socket.emit(`made-up-${i}`, { i });
    // The socket still answers after them: they were dropped, not queued.
    expect(await emitWithAck(socket, 'unsubscribe:order', { orderId: 'o-1' })).toEqual({ ok: true });
    const warnings = t.logs.filter((line) => line.includes('unknown socket.io event dropped'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(3);
  });

  it('refuses an oversize message by closing the connection; the server goes on', async () => {
    const t = await server({ socketio: { maxMessageBytes: 2048 } });
    const token = await t.token('cust-1');
    const socket = sioClient(t, '/realtime', { token });
    await connectSio(socket);
    const reason = nextEvent<string>(socket, 'disconnect');
    socket.emit('subscribe:order', { orderId: 'x'.repeat(10_000) });
    expect(await reason).toMatch(/^transport (close|error)$/);
    const again = sioClient(t, '/realtime', { token });
    const connected = nextEvent(again, 'connected');
    await connectSio(again);
    expect(await connected).toMatchObject({ userId: 'cust-1' });
  });

  it('limits each socket’s event rate', async () => {
    const t = await server({ socketio: { maxEventsPerSecond: 5, eventBurst: 5 } });
    const token = await t.token('cust-1');
    const socket = sioClient(t, '/realtime', { token });
    await connectSio(socket);
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => emitWithAck(socket, 'unsubscribe:order', { orderId: 'o-1' })),
    );
    const ok = replies.filter((r: Ack) => r.ok).length;
    const limited = replies.filter((r: Ack) => !r.ok && r.error.code === 'too_many_requests').length;
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThanOrEqual(7);
    expect(ok + limited).toBe(20);
    // Tokens come back with time (here the passing of time is what is tested).
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await emitWithAck(socket, 'unsubscribe:order', { orderId: 'o-1' })).toEqual({ ok: true });
  });

  it('counts connections per face in /metrics', async () => {
    const t = await server();
    const token = await t.token('cust-1');
    const a = sioClient(t, '/realtime', { token });
    const b = sioClient(t, '/notifications', { token });
    await Promise.all([connectSio(a), connectSio(b)]);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/dabba_connections\{face="socketio"\} 2/);
  });
});
