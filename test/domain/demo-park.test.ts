import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { demoPark } from '../../src/domain/demo-park.ts';
import { buildCatalog } from '../../src/domain/catalog.ts';
import { validatePricingTable } from '../../src/domain/pricing.ts';
import { parseCustomerBody, parseMachineBody, parseRideBody } from '../../src/domain/request-bodies.ts';

const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
const park = demoPark(pem);

describe('demoPark', () => {
  it('has six customers with 100.00 EUR each, customer-3 on a season pass', () => {
    expect(park.customers.map((c) => [c.id, c.tier, c.balance, c.currency])).toEqual([
      ['customer-1', 'standard', 10_000, 'EUR'], ['customer-2', 'standard', 10_000, 'EUR'],
      ['customer-3', 'season-pass', 10_000, 'EUR'], ['customer-4', 'standard', 10_000, 'EUR'],
      ['customer-5', 'standard', 10_000, 'EUR'], ['customer-6', 'standard', 10_000, 'EUR'],
    ]);
    for (const c of park.customers) expect(parseCustomerBody({ name: c.name, tier: c.tier, balance: c.balance }).ok).toBe(true);
  });

  it('has five open rides at their prices', () => {
    expect(park.rides.map((r) => [r.id, r.price, r.open])).toEqual([
      ['ride-a', 500, true], ['ride-b', 1_000, true], ['ride-c', 1_500, true], ['ride-d', 1_500, true], ['ride-e', 2_000, true],
    ]);
    for (const r of park.rides) expect(parseRideBody({ name: r.name, price: r.price, open: r.open }).ok).toBe(true);
  });

  it('has four unsigned gates and gate-s1 with the given key', () => {
    expect(park.machines).toEqual([
      { id: 'gate-1' }, { id: 'gate-2' }, { id: 'gate-3' }, { id: 'gate-4' }, { id: 'gate-s1', publicKey: pem },
    ]);
    expect(parseMachineBody({ publicKey: pem }).ok).toBe(true);
  });

  it('has a valid pricing table: Amsterdam, afternoon peak × 1.25, season pass −50 %', () => {
    expect(validatePricingTable(park.pricing)).toEqual({ ok: true, value: {
      timeZone: 'Europe/Amsterdam',
      peakWindows: [{ name: 'afternoon-peak', start: '12:00', end: '15:00', multiplierBp: 12_500 }],
      tierDiscountsBp: { 'season-pass': 5_000 },
    } });
  });
});

describe('buildCatalog', () => {
  it('indexes the park by id, keeping only id and tier of customers', () => {
    const catalog = buildCatalog(7, park);
    expect(catalog.version).toBe(7);
    expect(catalog.customers['customer-3']).toEqual({ id: 'customer-3', tier: 'season-pass' });
    expect(catalog.rides['ride-e']?.price).toBe(2_000);
    expect(catalog.machines['gate-s1']?.publicKey).toBe(pem);
    expect(Object.keys(catalog.machines)).toHaveLength(5);
  });
});
