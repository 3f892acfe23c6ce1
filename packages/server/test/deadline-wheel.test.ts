import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineWheel, UNSCHEDULED, type WheelEntry } from '../src/faces/shared/deadline-wheel.js';

class Entry implements WheelEntry {
  wheelSlot = UNSCHEDULED;
  wheelIndex = 0;
  constructor(readonly name: string) {}
}

/** The names `advance(nowMs)` hands out, in order. */
function advance(wheel: DeadlineWheel<Entry>, nowMs: number, onDue: (entry: Entry) => void = () => {}): string[] {
  const names: string[] = [];
  wheel.advance(nowMs, (entry) => {
    names.push(entry.name);
    onDue(entry);
  });
  return names;
}

describe('DeadlineWheel', () => {
  it('hands an entry out once its slot has passed, and only then', () => {
    const wheel = new DeadlineWheel<Entry>(10, 1_000);
    const a = new Entry('a');
    const b = new Entry('b');
    wheel.schedule(a, 1_025);
    wheel.schedule(b, 1_050);
    expect(advance(wheel, 1_024)).toEqual([]);
    expect(advance(wheel, 1_030)).toEqual(['a']);
    expect(advance(wheel, 1_049)).toEqual([]);
    expect(advance(wheel, 1_050)).toEqual(['b']);
    expect(advance(wheel, 2_000)).toEqual([]);
    expect([wheel.size, a.wheelSlot, b.wheelSlot]).toEqual([0, UNSCHEDULED, UNSCHEDULED]);
  });

  it('hands a deadline already past out on the next advance', () => {
    const wheel = new DeadlineWheel<Entry>(10, 1_000);
    wheel.schedule(new Entry('late'), 500);
    expect(advance(wheel, 1_010)).toEqual(['late']);
  });

  it('keeps one schedule per entry: rescheduling replaces, Infinity and remove unschedule', () => {
    const wheel = new DeadlineWheel<Entry>(10, 0);
    const entries = ['a', 'b', 'c', 'd'].map((name) => new Entry(name));
    for (const entry of entries) wheel.schedule(entry, 100);
    wheel.schedule(entries[0]!, 300);
    wheel.schedule(entries[1]!, Infinity);
    wheel.remove(entries[2]!);
    wheel.remove(entries[2]!);
    expect(wheel.size).toBe(2);
    expect(advance(wheel, 200)).toEqual(['d']);
    expect(advance(wheel, 300)).toEqual(['a']);
  });

  it('lets `due` reschedule the entry it is given, into a later slot', () => {
    const wheel = new DeadlineWheel<Entry>(10, 0);
    const pinged = new Entry('pinged');
    wheel.schedule(pinged, 100);
    // A deadline still in the past (a clock that stood still) must not loop within one advance.
    expect(advance(wheel, 100, (entry) => wheel.schedule(entry, 100))).toEqual(['pinged']);
    expect(advance(wheel, 110)).toEqual(['pinged']);
  });

  it('skips entries of the slot being handed out that an earlier `due` removed or moved', () => {
    const wheel = new DeadlineWheel<Entry>(10, 0);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => new Entry(name)) as [Entry, Entry, Entry];
    for (const entry of [a, b, c]) wheel.schedule(entry, 50);
    const handedOut = advance(wheel, 50, (entry) => {
      if (entry === a) {
        wheel.remove(b);
        wheel.schedule(c, 500);
      }
    });
    expect(handedOut).toEqual(['a']);
    expect(advance(wheel, 500)).toEqual(['c']);
  });

  it('after a long stall hands out every passed slot in order, and keeps the future', () => {
    const wheel = new DeadlineWheel<Entry>(1, 0);
    wheel.schedule(new Entry('third'), 3_000_000);
    wheel.schedule(new Entry('first'), 5);
    wheel.schedule(new Entry('second'), 2_000_000);
    wheel.schedule(new Entry('future'), 9_000_000);
    expect(advance(wheel, 3_600_000)).toEqual(['first', 'second', 'third']);
    expect(advance(wheel, 9_000_000)).toEqual(['future']);
  });

  describe('its timer', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('runs only while entries wait, and hands each out at its time', () => {
      vi.useFakeTimers({ now: 0 });
      const wheel = new DeadlineWheel<Entry>(10, 0);
      const handedOut: string[] = [];
      wheel.start((entry, nowMs) => handedOut.push(`${entry.name}@${nowMs}`));
      expect(vi.getTimerCount()).toBe(0);

      const ping = new Entry('ping');
      wheel.schedule(ping, 25);
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(30);
      expect(handedOut).toEqual(['ping@30']);
      expect(vi.getTimerCount()).toBe(0);

      wheel.schedule(ping, 100);
      wheel.remove(ping);
      expect(vi.getTimerCount()).toBe(0);
      wheel.schedule(ping, 100);
      wheel.stop();
      expect(vi.getTimerCount()).toBe(0);
      wheel.start((entry, nowMs) => handedOut.push(`${entry.name}@${nowMs}`));
      vi.advanceTimersByTime(100);
      expect(handedOut).toEqual(['ping@30', 'ping@100']);
    });

    it('keeps running for an entry its handler schedules again', () => {
      vi.useFakeTimers({ now: 0 });
      const wheel = new DeadlineWheel<Entry>(10, 0);
      const times: number[] = [];
      const ping = new Entry('ping');
      wheel.start((entry, nowMs) => {
        times.push(nowMs);
        wheel.schedule(entry, nowMs + 50);
      });
      wheel.schedule(ping, 50);
      vi.advanceTimersByTime(200);
      expect(times).toEqual([50, 100, 150, 200]);
      expect(wheel.size).toBe(1);
    });
  });

  it('refuses a slot width that is not positive', () => {
    expect(() => new DeadlineWheel<Entry>(0)).toThrow(RangeError);
  });
});
