import { describe, expect, it } from 'vitest';
import {
  FlushScheduler,
  OutboundQueue,
  type OutboundMessage,
  type OutboundSink,
} from '../src/faces/shared/outbound-queue.js';

/** Records each write as the list of messages it carried, and what else happened in between. */
class RecordingSink implements OutboundSink {
  readonly bufferedAmount = 0;
  constructor(private readonly log: unknown[]) {}
  write(messages: readonly OutboundMessage[]): void {
    this.log.push([...messages]);
  }
  writeOne(message: OutboundMessage): void {
    this.log.push([message]);
  }
}

function setup(): { log: unknown[]; queue: () => OutboundQueue } {
  const log: unknown[] = [];
  const scheduler = new FlushScheduler();
  const queue = (): OutboundQueue => new OutboundQueue(new RecordingSink(log), scheduler, 1 << 20, () => {});
  return { log, queue };
}

const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs each callback in its own task of one event-loop turn (setImmediate callbacks queued together). */
function sameTurn(...tasks: Array<() => void>): Promise<void> {
  return Promise.all(tasks.map((task) => new Promise<void>((resolve) => setImmediate(() => resolve(task()))))).then(
    () => undefined,
  );
}

/** Two queues each get two messages in one task: from the flush of that task the server is busy. */
async function makeBusy(a: OutboundQueue, b: OutboundQueue): Promise<void> {
  await sameTurn(() => {
    a.push('1');
    a.push('2');
    b.push('x');
    b.push('y');
  });
  await endOfTurn();
}

/** What makeBusy writes: each queue's first message at once, the second at the task's end. */
const BUSY_LOG = [['1'], ['x'], ['2'], ['y']];

describe('FlushScheduler', () => {
  it('when idle, writes the first message at once and what follows it in the same task as one frame', async () => {
    const { log, queue } = setup();
    const a = queue();
    await sameTurn(
      () => {
        a.push('1');
        log.push('after the first push');
        a.push('2');
        a.push('3');
      },
      () => log.push('next task'),
    );
    await endOfTurn();
    expect(log).toEqual([['1'], 'after the first push', ['2', '3'], 'next task']);
  });

  it('once busy, batches the pushes of every task in a turn into one frame per queue', async () => {
    const { log, queue } = setup();
    const a = queue();
    await makeBusy(a, queue());
    await sameTurn(
      () => a.push('3'),
      () => a.push('4'),
    );
    await endOfTurn();
    expect(log).toEqual([...BUSY_LOG, ['3', '4']]);
  });

  it('is not busy when only one queue batches (a client pipelining commands)', async () => {
    const { log, queue } = setup();
    const a = queue();
    const b = queue();
    await sameTurn(() => {
      a.push('1');
      a.push('2');
    });
    await endOfTurn();
    await sameTurn(
      () => b.push('3'), // still idle: each written at once
      () => b.push('4'),
    );
    await endOfTurn();
    expect(log).toEqual([['1'], ['2'], ['3'], ['4']]);
  });

  it('is idle again after a flush that batched nothing', async () => {
    const { log, queue } = setup();
    const a = queue();
    const b = queue();
    await makeBusy(a, b);
    await sameTurn(() => a.push('3')); // busy: written at the turn's end, alone
    await endOfTurn();
    await sameTurn(
      () => b.push('4'), // idle: each written at once
      () => b.push('5'),
    );
    await endOfTurn();
    expect(log).toEqual([...BUSY_LOG, ['3'], ['4'], ['5']]);
  });

  it("writes the messages of pushAll together: at once when idle, in the turn's frame when busy", async () => {
    const { log, queue } = setup();
    const a = queue();
    await sameTurn(() => {
      a.pushAll(['pub', 'ping']);
      a.push('next');
    });
    await endOfTurn();
    await makeBusy(queue(), queue());
    await sameTurn(() => {
      a.push('1');
      a.pushAll(['pub', 'ping']);
    });
    await endOfTurn();
    expect(log).toEqual([['pub', 'ping'], ['next'], ...BUSY_LOG, ['1', 'pub', 'ping']]);
  });
});

describe('OutboundQueue budget', () => {
  it('counts every message of pushAll, and overflows once past the budget', () => {
    const log: unknown[] = [];
    let overflows = 0;
    const queue = new OutboundQueue(new RecordingSink(log), new FlushScheduler(), 10, () => overflows++);
    expect(queue.pushAll(['12345', '678901'])).toBe(false);
    expect(queue.push('1')).toBe(false);
    expect(overflows).toBe(1);
    expect(log).toEqual([]);
  });
});
