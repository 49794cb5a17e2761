import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoPark } from '../../src/domain/demo-park.ts';
import type { PricingTable } from '../../src/domain/types.ts';
import { NEUTRAL_PRICING, type ParkSeed } from '../../src/store/index.ts';
import { codeOf, makeHarness, T0, type Harness } from './helpers.ts';

const PRICING: PricingTable = {
  timeZone: 'Europe/Amsterdam',
  peakWindows: [{ name: 'afternoon', start: '13:00', end: '17:00', multiplierBp: 12_500 }],
  tierDiscountsBp: { 'season-pass': 5_000 },
};

const PARK: ParkSeed = {
  customers: [
    { id: 'c1', name: 'Ada', tier: 'standard', balance: 5_000 },
    { id: 'c2', name: 'Bo', tier: 'season-pass', balance: 2_000 },
  ],
  rides: [{ id: 'r1', name: 'Wheel', price: 300, open: true }],
  machines: [{ id: 'm1' }, { id: 'm2', publicKey: 'PEM' }],
  pricing: PRICING,
};

describe('catalog', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
  });
  afterEach(() => h.cleanup());

  it('creates a customer with an opening ledger entry, then updates only name and tier', () => {
    const first = h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 1_500 }, T0);
    expect(first).toEqual({
      created: true,
      customer: { id: 'c1', name: 'Ada', tier: 'standard', balance: 1_500, currency: 'EUR' },
    });
    // The opening balance is for a new customer only: a different one is refused rather than ignored; the same one
    // (a retried creating PUT) describes the customer as it is and is accepted.
    expect(codeOf(() => h.store.upsertCustomer('c1', { name: 'Ada L.', tier: 'season-pass', balance: 99 }, T0 + 1))).toBe(
      'ERR_BALANCE_NOT_SETTABLE',
    );
    expect(h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 1_500 }, T0 + 1)).toEqual({ ...first, created: false });
    const second = h.store.upsertCustomer('c1', { name: 'Ada L.', tier: 'season-pass' }, T0 + 1);
    expect(second).toEqual({
      created: false,
      customer: { id: 'c1', name: 'Ada L.', tier: 'season-pass', balance: 1_500, currency: 'EUR' },
    });
    expect(h.store.getCustomer('c1')?.balance).toBe(1_500);
    expect(h.store.auditBalances()).toEqual([{ customerId: 'c1', balance: 1_500, ledgerSum: 1_500 }]);
    expect(h.store.getCustomer('nobody')).toBeUndefined();
  });

  it('bumps the catalog version on every change and only on a change', () => {
    const v0 = h.store.loadCatalog().version;
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 0 }, T0);
    const v1 = h.store.loadCatalog().version;
    expect(v1).toBe(v0 + 1);
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard' }, T0);
    h.store.upsertRide('r1', { name: 'Wheel', price: 300, open: true });
    h.store.upsertRide('r1', { name: 'Wheel', price: 300, open: true });
    h.store.upsertMachine('m1', {});
    h.store.upsertMachine('m1', {});
    h.store.setPricing(PRICING);
    h.store.setPricing(PRICING);
    expect(h.store.loadCatalog().version).toBe(v1 + 3);
    h.store.upsertRide('r1', { name: 'Wheel', price: 300, open: false });
    h.store.upsertMachine('m1', { publicKey: 'PEM' });
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'season-pass' }, T0);
    expect(h.store.loadCatalog().version).toBe(v1 + 6);
    h.store.patchCustomer('c1', { tier: 'season-pass' });
    expect(h.store.loadCatalog().version).toBe(v1 + 6);
    h.store.patchCustomer('c1', { name: 'Ada L.' });
    expect(h.store.loadCatalog().version).toBe(v1 + 7);
  });

  it('patches only the given fields of a customer, and refuses an unknown one', () => {
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard' }, T0);
    expect(h.store.patchCustomer('c1', { tier: 'season-pass' })).toEqual({
      id: 'c1', name: 'Ada', tier: 'season-pass', balance: 0, currency: 'EUR',
    });
    expect(h.store.getCustomer('c1')?.tier).toBe('season-pass');
    expect(codeOf(() => h.store.patchCustomer('c9', { name: 'Bo' }))).toBe('ERR_UNKNOWN_CUSTOMER');
  });

  it('tells a created ride or machine from a replaced one, and lists machines', () => {
    expect(h.store.upsertRide('r1', { name: 'Wheel', price: 300, open: true }).created).toBe(true);
    expect(h.store.upsertRide('r1', { name: 'Wheel', price: 300, open: true }).created).toBe(false);
    expect(h.store.upsertMachine('m1', {})).toEqual({ machine: { id: 'm1' }, created: true });
    expect(h.store.upsertMachine('m1', { publicKey: 'PEM' })).toEqual({ machine: { id: 'm1', publicKey: 'PEM' }, created: false });
    expect(h.store.listMachines()).toEqual([{ id: 'm1', publicKey: 'PEM' }]);
  });

  it('loads the catalog the workers need, with neutral pricing before any is set', () => {
    expect(h.store.loadCatalog().pricing).toEqual(NEUTRAL_PRICING);
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'season-pass', balance: 0 }, T0);
    h.store.upsertRide('r1', { name: 'Wheel', price: 300, open: false });
    h.store.upsertMachine('m1', { publicKey: 'PEM' });
    h.store.setPricing(PRICING);
    const catalog = h.store.loadCatalog();
    expect(catalog.customers).toEqual({ c1: { id: 'c1', tier: 'season-pass' } });
    expect(catalog.rides).toEqual({ r1: { id: 'r1', name: 'Wheel', price: 300, open: false } });
    expect(catalog.machines).toEqual({ m1: { id: 'm1', publicKey: 'PEM' } });
    expect(catalog.pricing).toEqual(PRICING);
    h.store.upsertMachine('m1', {});
    expect(h.store.loadCatalog().machines).toEqual({ m1: { id: 'm1' } });
  });

  it('seeds the park only into a store without customers', () => {
    expect(h.store.seedIfEmpty(PARK, T0)).toBe(true);
    const other: ParkSeed = { ...PARK, customers: [{ id: 'c9', name: 'X', tier: 'standard', balance: 1 }] };
    expect(h.store.seedIfEmpty(other, T0)).toBe(false);
    const catalog = h.store.loadCatalog();
    expect(Object.keys(catalog.customers).sort()).toEqual(['c1', 'c2']);
    expect(Object.keys(catalog.machines).sort()).toEqual(['m1', 'm2']);
    expect(catalog.pricing).toEqual(PRICING);
    expect(h.store.getCustomer('c2')?.balance).toBe(2_000);
    expect(h.store.auditBalances().map((a) => a.ledgerSum)).toEqual([5_000, 2_000]);
  });

  it('seeds the demo park as src/domain builds it', () => {
    const park = demoPark('-----BEGIN PUBLIC KEY-----\nTEST\n-----END PUBLIC KEY-----\n');
    expect(h.store.seedIfEmpty(park, T0)).toBe(true);
    const catalog = h.store.loadCatalog();
    expect(Object.keys(catalog.customers)).toHaveLength(park.customers.length);
    expect(Object.values(catalog.rides)).toEqual(park.rides);
    expect(catalog.machines['gate-s1']?.publicKey).toContain('TEST');
    expect(h.store.getCustomer('customer-1')).toEqual(park.customers[0]);
  });

  it('rejects bad input with ERR_INVALID_ARGUMENT', () => {
    expect(codeOf(() => h.store.upsertCustomer('c1', { name: 'A', tier: 'standard', balance: -1 }, T0))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => h.store.upsertCustomer('c1', { name: 'A', tier: 'standard', balance: 1.5 }, T0))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => h.store.upsertCustomer('', { name: 'A', tier: 'standard', balance: 1 }, T0))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => h.store.upsertRide('r1', { name: 'W', price: -5, open: true }))).toBe('ERR_INVALID_ARGUMENT');
    expect(h.store.getCustomer('c1')).toBeUndefined();
  });
});
