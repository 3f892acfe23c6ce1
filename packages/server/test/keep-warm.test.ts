import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeepWarm } from '../src/hub/keep-warm.js';
import { RawClient } from './support/raw-client.js';
import { startTestServer, type TestServer } from './support/fixture.js';

describe('KeepWarm', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks while it holds clients, and not before or after', () => {
    vi.useFakeTimers();
    const keepWarm = new KeepWarm(10);
    expect(vi.getTimerCount()).toBe(0);
    keepWarm.hold();
    keepWarm.hold();
    expect(keepWarm.warm).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    keepWarm.release();
    expect(keepWarm.warm).toBe(true);
    keepWarm.release();
    expect(keepWarm.warm).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    keepWarm.release(); // more releases than holds: still off, and the next hold starts it
    keepWarm.hold();
    expect(keepWarm.warm).toBe(true);
    keepWarm.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never ticks at 0, and refuses a negative interval', () => {
    vi.useFakeTimers();
    const keepWarm = new KeepWarm(0);
    keepWarm.hold();
    expect(keepWarm.warm).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(() => new KeepWarm(-1)).toThrow(RangeError);
  });
});

describe('keepWarmMs', () => {
  let t: TestServer | undefined;
  afterEach(() => t?.close());

  it('keeps the server warm while a client is connected', async () => {
    t = await startTestServer({ keepWarmMs: 10 });
    const { keepWarm } = t.server.hub;
    expect(keepWarm.warm).toBe(false);
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1'));
    expect(keepWarm.warm).toBe(true);
    client.close();
    await client.closed;
    await vi.waitFor(() => expect(keepWarm.warm).toBe(false));
  });

  it('is off at 0', async () => {
    t = await startTestServer({ keepWarmMs: 0 });
    const client = await RawClient.open(t.wsUrl);
    await client.connect(await t.token('u1'));
    expect(t.server.hub.keepWarm.warm).toBe(false);
  });
});
