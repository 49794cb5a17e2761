import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AMOUNT_MAX } from '../../src/domain/types.ts';
import { codeOf, makeHarness, T0, type Harness } from './helpers.ts';

describe('topUp', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 100 }, T0);
    h.store.upsertCustomer('c2', { name: 'Bo', tier: 'standard', balance: 0 }, T0);
  });
  afterEach(() => h.cleanup());

  it('refuses a top-up that would take a balance over AMOUNT_MAX, and changes nothing', () => {
    expect(h.store.topUp('c1', 'tu-max', AMOUNT_MAX - 100, T0).status).toBe('applied');
    expect(codeOf(() => h.store.topUp('c1', 'tu-over', 1, T0))).toBe('ERR_BALANCE_LIMIT');
    expect(h.store.getCustomer('c1')?.balance).toBe(AMOUNT_MAX);
    expect(h.store.auditBalances().find((a) => a.customerId === 'c1')).toEqual({ customerId: 'c1', balance: AMOUNT_MAX, ledgerSum: AMOUNT_MAX });
  });

  it('credits once, writes the ledger and a balance.changed notification', () => {
    const applied = h.store.topUp('c1', 'tu1', 2_000, T0 + 5);
    expect(applied.status).toBe('applied');
    expect(applied.customer.balance).toBe(2_100);
    if (applied.status !== 'applied') throw new Error('expected applied');
    expect(applied.notification).toMatchObject({
      customerId: 'c1',
      type: 'balance.changed',
      data: {
        customerId: 'c1',
        balance: 2_100,
        change: 2_000,
        currency: 'EUR',
        cause: { kind: 'top-up', topUpId: 'tu1' },
      },
      createdAt: new Date(T0 + 5).toISOString(),
    });
    expect(h.store.streamAfter('c1', 0, 10)).toEqual([applied.notification]);
    expect(h.store.auditBalances()).toContainEqual({ customerId: 'c1', balance: 2_100, ledgerSum: 2_100 });
  });

  it('answers a repeated top-up id as a duplicate without crediting again', () => {
    h.store.topUp('c1', 'tu1', 2_000, T0);
    const again = h.store.topUp('c1', 'tu1', 2_000, T0 + 1);
    expect(again).toEqual({
      status: 'duplicate',
      customer: { id: 'c1', name: 'Ada', tier: 'standard', balance: 2_100, currency: 'EUR' },
    });
    expect(h.store.getCustomer('c1')?.balance).toBe(2_100);
    expect(h.store.streamAfter('c1', 0, 10)).toHaveLength(1);
  });

  it('refuses a top-up id reused for another customer or amount, and unknown customers', () => {
    h.store.topUp('c1', 'tu1', 2_000, T0);
    expect(codeOf(() => h.store.topUp('c2', 'tu1', 2_000, T0))).toBe('ERR_TOPUP_CONFLICT');
    expect(codeOf(() => h.store.topUp('c1', 'tu1', 2_001, T0))).toBe('ERR_TOPUP_CONFLICT');
    expect(codeOf(() => h.store.topUp('ghost', 'tu2', 100, T0))).toBe('ERR_UNKNOWN_CUSTOMER');
    expect(codeOf(() => h.store.topUp('c1', 'tu3', 0, T0))).toBe('ERR_INVALID_ARGUMENT');
    expect(h.store.getCustomer('c2')?.balance).toBe(0);
    expect(h.store.getCustomer('c1')?.balance).toBe(2_100);
  });
});
