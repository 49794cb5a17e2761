import { afterEach, describe, expect, it } from 'vitest';
import { TapWindow } from '../../src/store/tap-window.ts';
import { makeHarness, makeTap, ok, rejected, T0, type Harness } from './helpers.ts';

const HOUR = 3_600_000;

describe('TapWindow', () => {
  it('remembers a tap until its tappedAt falls behind the horizon', () => {
    const window = new TapWindow({ horizonMs: 2 * HOUR, entriesMax: 100 });
    window.remember('a', 1, T0);
    window.remember('b', 2, T0 + HOUR);
    window.expire(T0 + 2 * HOUR + 60_000);
    expect(window.eventOf('a')).toBeUndefined();
    expect(window.eventOf('b')).toBe(2);
    expect(window.tooOld(T0)).toBe(true);
    expect(window.tooOld(T0 + HOUR)).toBe(false);
    // A replay moves a tap to its latest event.
    window.remember('b', 7, T0 + HOUR);
    expect([window.eventOf('b'), window.size]).toEqual([7, 1]);
  });

  it('over its bound forgets its oldest minute and raises its floor, never growing', () => {
    const window = new TapWindow({ horizonMs: 24 * HOUR, entriesMax: 3 });
    window.remember('m0-a', 1, T0);
    window.remember('m0-b', 2, T0 + 1_000);
    window.remember('m1-a', 3, T0 + 60_000);
    window.remember('m2-a', 4, T0 + 120_000);
    expect(window.size).toBe(2);
    expect(window.eventOf('m0-a')).toBeUndefined();
    expect(window.tooOld(T0 + 59_999)).toBe(true);
    expect(window.tooOld(T0 + 60_000)).toBe(false);
    window.remember('late', 5, T0 + 30_000);
    expect(window.eventOf('late')).toBeUndefined();
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
