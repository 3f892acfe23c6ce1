import { describe, expect, it } from 'vitest';
import { CompactSet } from '../src/hub/compact-set.js';

describe('CompactSet', () => {
  it('behaves as a Set through one, two and back to none', () => {
    const set = new CompactSet<string>();
    expect([set.size, set.has('a'), [...set]]).toEqual([0, false, []]);
    set.add('a');
    set.add('a');
    expect([set.size, set.has('a'), set.has('b'), [...set]]).toEqual([1, true, false, ['a']]);
    expect(set.delete('b')).toBe(false);
    set.add('b');
    set.add('c');
    expect([set.size, [...set]]).toEqual([3, ['a', 'b', 'c']]);
    expect(set.delete('a')).toBe(true);
    expect(set.delete('a')).toBe(false);
    expect(set.delete('c')).toBe(true);
    expect([set.size, set.has('b'), [...set]]).toEqual([1, true, ['b']]);
    expect(set.delete('b')).toBe(true);
    expect([set.size, [...set]]).toEqual([0, []]);
  });

  it('lets members be removed while it is iterated, as a Set does', () => {
    const set = new CompactSet<number>();
    for (const n of [1, 2, 3]) set.add(n);
    const seen: number[] = [];
    for (const n of set) {
      seen.push(n);
      set.delete(n);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(set.size).toBe(0);
  });
});
