import { afterEach, describe, expect, it } from 'vitest';
import type { ServerSubscribedContext } from 'centrifuge';
import type { EngineHandler } from '../src/engines/engine.js';
import { MemoryEngine } from '../src/engines/memory.js';
import { startTestServer, type TestServer } from './support/fixture.js';
import { waitUntil } from './support/wait.js';

/**
 * A memory engine whose fan-out lags behind its history while `lagging` is set, as the Redis
 * engine's pub/sub can arrive after the reply of a history read that already holds the
 * publication.
 */
class LaggingEngine extends MemoryEngine {
  lagging = false;
  private readonly late: Array<() => void> = [];

  override async start(handler: EngineHandler): Promise<void> {
    await super.start({
      onPublication: (channel, publication, epoch) => {
        const fanOut = (): void => handler.onPublication(channel, publication, epoch);
        if (this.lagging) this.late.push(fanOut);
        else fanOut();
      },
      onJoinLeave: (kind, channel, info) => handler.onJoinLeave(kind, channel, info),
      onControl: (command) => handler.onControl(command),
    });
  }

  /** Ends the lag: the fan-outs held back happen now, in order. */
  catchUp(): void {
    this.lagging = false;
    for (const fanOut of this.late.splice(0)) fanOut();
  }
}

describe('fan-out that lags behind history', () => {
  let t: TestServer;
  afterEach(async () => {
    await t[Symbol.asyncDispose]();
  });

  it('does not deliver live a publication at or before the position the subscriber started from', async () => {
    const engine = new LaggingEngine();
    t = await startTestServer({ engine });
    engine.lagging = true;
    await t.api('publish', { channel: 'user:alice', data: { n: 1 } });

    const client = t.centrifuge({ token: await t.token('alice') });
    const received: unknown[] = [];
    client.on('publication', (ctx) => received.push(ctx.data));
    const subscribed = new Promise<ServerSubscribedContext>((resolve) => client.once('subscribed', resolve));
    client.connect();
    // The subscribe reply's position already counts publication 1 (history has it).
    expect((await subscribed).streamPosition?.offset).toBe(1);

    engine.catchUp();
    await t.api('publish', { channel: 'user:alice', data: { n: 2 } });
    await waitUntil(() => received.length >= 1);
    expect(received).toEqual([{ n: 2 }]);
  });
});
