import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeOf, makeHarness, makeTap, ok, T0, type Harness } from './helpers.ts';

describe('tap journal', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 10_000 }, T0);
  });
  afterEach(() => h.cleanup());

  it('accepts new taps with increasing seq and flags duplicates within one call', () => {
    const results = h.store.journalTaps([makeTap('t1'), makeTap('t2'), makeTap('t1')], T0);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'duplicate']);
    const [a, b, c] = results;
    expect(a?.seq).toBeTypeOf('number');
    expect(b?.seq).toBeGreaterThan(a?.seq ?? Infinity);
    expect(c?.seq).toBeUndefined();
  });

  it('flags duplicates across calls and across a reopen', () => {
    h.store.journalTaps([makeTap('t1')], T0);
    expect(h.store.journalTaps([makeTap('t1'), makeTap('t2')], T0 + 1).map((r) => r.status)).toEqual([
      'duplicate',
      'accepted',
    ]);
    const store = h.reopen();
    expect(store.journalTaps([makeTap('t2'), makeTap('t3')], T0 + 2).map((r) => r.status)).toEqual([
      'duplicate',
      'accepted',
    ]);
  });

  it('lists pending taps in acceptance order, page by page, and forgets decided ones', () => {
    const taps = ['t1', 't2', 't3', 't4', 't5'].map((id) => makeTap(id));
    taps[4] = { ...makeTap('t5'), signature: 'c2ln' };
    h.store.journalTaps(taps, T0);
    const first = h.store.pendingTaps(0, 2);
    expect(first.map((p) => p.tap.tapId)).toEqual(['t1', 't2']);
    expect(first[0]?.acceptedAtMs).toBe(T0);
    const rest = h.store.pendingTaps(first[1]?.seq ?? 0, 10);
    expect(rest.map((p) => p.tap.tapId)).toEqual(['t3', 't4', 't5']);
    expect(rest[2]?.tap).toEqual(taps[4]);
    h.store.commitOutcomes([ok(makeTap('t2'), 100)], T0 + 1);
    expect(h.store.pendingTaps(0, 10).map((p) => p.tap.tapId)).toEqual(['t1', 't3', 't4', 't5']);
  });

  it('reports a tap state, with the ticket once issued', () => {
    expect(h.store.getTapState('t1')).toBeUndefined();
    h.store.journalTaps([makeTap('t1')], T0);
    expect(h.store.getTapState('t1')).toEqual({ tapId: 't1', status: 'pending' });
    h.store.commitOutcomes([ok(makeTap('t1'), 250)], T0 + 5);
    const state = h.store.getTapState('t1');
    expect(state?.status).toBe('issued');
    expect(state?.ticket).toMatchObject({ tapId: 't1', price: 250, balanceAfter: 9_750, customerId: 'c1' });
    expect(state?.ticket?.issuedAt).toBe(new Date(T0 + 5).toISOString());
  });

  it('journals a batch all or nothing and bounds its size', () => {
    expect(codeOf(() => h.store.journalTaps([makeTap('t1'), makeTap('')], T0))).toBe('ERR_INVALID_ARGUMENT');
    expect(h.store.getTapState('t1')).toBeUndefined();
    const big = Array.from({ length: 10_001 }, (_, i) => makeTap(`b${i}`));
    expect(codeOf(() => h.store.journalTaps(big, T0))).toBe('ERR_BATCH_TOO_LARGE');
    expect(codeOf(() => h.store.pendingTaps(-1, 10))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => h.store.pendingTaps(0, 0))).toBe('ERR_INVALID_ARGUMENT');
  });
});
