import type { Engine } from '../engines/engine.js';
import type { Logger } from '../logger.js';
import type { HubClient } from './client.js';

/**
 * Renews this node's presence entries a few times per TTL. An engine shared by several nodes
 * (Redis) expires entries that stop being renewed, so the clients of a node that died leave
 * no zombie users behind once the TTL has passed.
 */
export class PresenceHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly engine: Engine,
    private readonly ttlMs: number,
    private readonly entries: () => Iterable<readonly [string, HubClient]>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.beat(), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const writes: Array<Promise<void>> = [];
      for (const [channel, client] of this.entries()) {
        writes.push(this.engine.addPresence(channel, client.id, client.info, this.ttlMs));
      }
      await Promise.all(writes);
    } catch (error) {
      this.logger.warn({ err: error }, 'renewing presence failed; the next beat retries');
    } finally {
      this.running = false;
    }
  }
}
