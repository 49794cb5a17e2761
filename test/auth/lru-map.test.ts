import { describe, expect, it } from 'vitest';
import { LruMap } from '../../src/auth/lru-map.ts';

describe('LruMap', () => {
  it('forgets the least recently used entry when full; a get counts as a use', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([1, undefined, 3]);
    expect(map.size).toBe(2);
  });

  it('never holds more than its capacity, and deletes by value', () => {
    const map = new LruMap<number, number>(100);
    for (let i = 0; i < 10_000; i++) map.set(i, i % 7);
    expect(map.size).toBe(100);
    expect(map.get(9_999)).toBe(9_999 % 7);
    expect(map.get(0)).toBeUndefined();
    const sevens = Array.from({ length: 100 }, (_, k) => 9_900 + k).filter((k) => k % 7 === 3).length;
    expect(map.deleteWhere((v) => v === 3)).toBe(sevens);
    expect(map.size).toBe(100 - sevens);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LruMap(0)).toThrow(/capacity/);
    expect(() => new LruMap(Infinity)).toThrow(/capacity/);
  });
});
