import { afterEach, describe, expect, it } from 'vitest';
import { TapWindow } from '../../src/store/tap-window.ts';
import { makeHarness, makeTap, ok, rejected, T0, type Harness } from './helpers.ts';

const HOUR = 3_600_000;

/** Every event is its tap's, unless a test says otherwise. */
const anyEvent = (): boolean => true;

describe('TapWindow', () => {
  it('forgets a generation of taps once all of them are behind the horizon', () => {
    const window = new TapWindow({ horizonMs: 2 * HOUR, entriesMax: 32 }); // generations of 2
    window.remember('a', 1, T0);
    window.remember('b', 2, T0 + 10 * 60_000);
    window.remember('c', 3, T0 + HOUR);
    window.expire(T0 + 2 * HOUR + 11 * 60_000);
    expect(window.eventOf('a', anyEvent)).toBeUndefined();
    expect(window.eventOf('b', anyEvent)).toBeUndefined();
    expect(window.eventOf('c', anyEvent)).toBe(3);
    expect(window.tooOld(T0 + 10 * 60_000)).toBe(true);
    expect(window.tooOld(T0 + HOUR)).toBe(false);
    // A replay adds the tap's next decision; the latest is the one answered.
    window.remember('c', 7, T0 + HOUR);
    expect([window.eventOf('c', anyEvent), window.size]).toEqual([7, 2]);
    expect(window.eventOf('nobody', anyEvent)).toBeUndefined();
  });

  it('names candidates only: an event that is not the tap\'s is passed over', () => {
    const window = new TapWindow({ horizonMs: 2 * HOUR, entriesMax: 100 });
    window.remember('a', 1, T0);
    window.remember('a', 5, T0);
    expect(window.eventOf('a', (id) => id === 1)).toBe(1);
    expect(window.eventOf('a', () => false)).toBeUndefined();
  });

  it('keeps many taps in growing tables and finds each one', () => {
    const window = new TapWindow({ horizonMs: 25 * HOUR, entriesMax: 1_000_000 });
    for (let i = 0; i < 50_000; i++) window.remember(`tap-${i}`, i + 1, T0 + (i % 3) * HOUR);
    expect(window.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(window.eventOf(`tap-${i}`, (id) => id === i + 1)).toBe(i + 1);
    expect(window.eventOf('tap-50000', anyEvent)).toBeUndefined();
  });

  it('over its bound forgets its oldest generation and raises its floor just past it, never growing', () => {
    const window = new TapWindow({ horizonMs: 24 * HOUR, entriesMax: 32 }); // generations of 2
    for (let i = 0; i < 32; i++) window.remember(`t${i}`, i + 1, T0 + i * 1_000);
    expect(window.size).toBe(32);
    window.remember('t32', 33, T0 + 32 * 1_000);
    expect(window.size).toBe(31);
    expect(window.eventOf('t0', anyEvent)).toBeUndefined();
    expect(window.eventOf('t1', anyEvent)).toBeUndefined();
    expect(window.eventOf('t2', anyEvent)).toBe(3);
    // The floor moved seconds, not hours: only what was forgotten is refused as too old.
    expect(window.tooOld(T0 + 1_000)).toBe(true);
    expect(window.tooOld(T0 + 1_001)).toBe(false);
    window.remember('late', 99, T0 + 500);
    expect(window.eventOf('late', anyEvent)).toBeUndefined();
  });

  it('under a flood of taps all tapped now, keeps the latest taps and refuses only older ones', () => {
    const window = new TapWindow({ horizonMs: 25 * HOUR, entriesMax: 16_000 });
    for (let i = 0; i < 100_000; i++) window.remember(`f${i}`, i + 1, T0 + Math.floor(i / 10));
    expect(window.size).toBeLessThanOrEqual(16_000);
    expect(window.size).toBeGreaterThan(15_000);
    expect(window.eventOf('f99999', anyEvent)).toBe(100_000);
    expect(window.tooOld(T0 + 9_999)).toBe(false);
    expect(window.tooOld(T0)).toBe(true);
  });

  it('validates its options, naming the one that is wrong', () => {
    expect(() => new TapWindow({ horizonMs: 10, entriesMax: 1 })).toThrow(/horizonMs/);
    expect(() => new TapWindow({ horizonMs: HOUR, entriesMax: 0 })).toThrow(/entriesMax/);
  });
});

describe('the tap window in the store', () => {
  let h: Harness | undefined;
  afterEach(() => h?.cleanup());

  it('is rebuilt from the log when the store opens: a repeat after a restart is still a duplicate', () => {
    h = makeHarness();
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 1_000 }, T0);
    const tap = makeTap('t1');
    h.store.commitOutcomes([ok(tap, 100)], T0);
    const store = h.reopen();
    expect(store.commitOutcomes([ok(tap, 100)], T0 + 1).results[0]).toMatchObject({ status: 'duplicate', outcome: 'issued' });
    expect(store.commitOutcomes([ok({ ...tap, machineId: 'm9' }, 100)], T0 + 2).results[0]).toEqual({ tapId: 't1', status: 'conflict' });
    expect(store.getCustomer('c1')?.balance).toBe(900);
    expect(store.getTapState('t1')?.status).toBe('issued');
  });

  it('refuses a tap older than its floor as stale without recording it', () => {
    h = makeHarness();
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 1_000 }, T0);
    const old = makeTap('old'); // tapped at T0 + 1 h (10:00+02:00)
    const now = Date.parse(old.tappedAt) + 26 * HOUR;
    const { results, notifications } = h.store.commitOutcomes([ok(old, 100)], now);
    expect(results).toEqual([{ tapId: 'old', status: 'rejected', reason: 'stale_tap' }]);
    expect(notifications).toEqual([]);
    expect(h.store.getTapState('old')).toBeUndefined();
    expect(h.store.listDeadLetters({ limit: 10 }).deadLetters).toEqual([]);
    expect(h.store.getCustomer('c1')?.balance).toBe(1_000);
  });

  it('decides a replayed letter again even when its tap is older than the floor, keeping the one letter', () => {
    h = makeHarness();
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 1_000 }, T0);
    const tap = makeTap('t1');
    h.store.commitOutcomes([rejected(tap, 'ride_closed')], T0);
    const [letter] = h.store.listDeadLetters({ limit: 1 }).deadLetters;
    const later = Date.parse(tap.tappedAt) + 26 * HOUR;
    const { results } = h.store.commitOutcomes([{ ...rejected(h.store.tapToReplay(letter!.id), 'stale_tap'), replayOf: letter!.id }], later);
    expect(results).toEqual([{ tapId: 't1', status: 'rejected', reason: 'stale_tap' }]);
    expect(h.store.listDeadLetters({ limit: 10 }).deadLetters).toMatchObject([{ id: letter!.id, attempts: 2, reason: 'stale_tap', status: 'open' }]);
  });
});
