import { describe, it, expect } from 'vitest';
import { applyBp, priceTap, validatePricingTable, PEAK_WINDOWS_MAX } from '../../src/domain/pricing.ts';
import { parseTappedAt } from '../../src/domain/rfc3339.ts';
import { AMOUNT_MAX, type PricingTable } from '../../src/domain/types.ts';

const amsterdam: PricingTable = {
  timeZone: 'Europe/Amsterdam',
  peakWindows: [{ name: 'afternoon-peak', start: '12:00', end: '15:00', multiplierBp: 12_500 }],
  tierDiscountsBp: { 'season-pass': 5_000 },
};
const at = (s: string): number => parseTappedAt(s);

describe('priceTap', () => {
  it('charges the base price outside every window for a tier without discount', () => {
    expect(priceTap(1_000, 'standard', at('2026-07-01T10:00:00+02:00'), amsterdam)).toEqual({
      basePrice: 1_000, price: 1_000, rules: [],
    });
  });

  it('applies a peak window', () => {
    expect(priceTap(1_000, 'standard', at('2026-07-01T12:30:00+02:00'), amsterdam)).toEqual({
      basePrice: 1_000, price: 1_250,
      rules: [{ rule: 'afternoon-peak', kind: 'peak', factorBp: 12_500, before: 1_000, after: 1_250 }],
    });
  });

  it('applies the tier discount alone', () => {
    expect(priceTap(1_000, 'season-pass', at('2026-07-01T09:00:00+02:00'), amsterdam)).toEqual({
      basePrice: 1_000, price: 500,
      rules: [{ rule: 'season-pass', kind: 'tier', factorBp: 5_000, before: 1_000, after: 500 }],
    });
  });

  it('applies peak, then tier, rounding after each', () => {
    const q = priceTap(333, 'season-pass', at('2026-07-01T13:00:00+02:00'), amsterdam);
    expect(q.rules.map((r) => [r.rule, r.before, r.after])).toEqual([['afternoon-peak', 333, 416], ['season-pass', 416, 208]]);
    expect(q.price).toBe(208);
  });

  it('treats [start, end) as inclusive start, exclusive end', () => {
    expect(priceTap(100, 'standard', at('2026-07-01T11:59:59+02:00'), amsterdam).price).toBe(100);
    expect(priceTap(100, 'standard', at('2026-07-01T12:00:00+02:00'), amsterdam).price).toBe(125);
    expect(priceTap(100, 'standard', at('2026-07-01T14:59:59+02:00'), amsterdam).price).toBe(125);
    expect(priceTap(100, 'standard', at('2026-07-01T15:00:00+02:00'), amsterdam).price).toBe(100);
  });

  it('uses local time in summer (CEST) and winter (CET) alike', () => {
    expect(priceTap(100, 'standard', at('2026-07-01T10:30:00Z'), amsterdam).price).toBe(125); // 12:30 CEST
    expect(priceTap(100, 'standard', at('2026-01-15T11:30:00Z'), amsterdam).price).toBe(125); // 12:30 CET
    // 13:30 UTC is 14:30 in winter (peak) but 15:30 in summer (not).
    expect(priceTap(100, 'standard', at('2026-01-15T13:30:00Z'), amsterdam).price).toBe(125);
    expect(priceTap(100, 'standard', at('2026-07-01T13:30:00Z'), amsterdam).price).toBe(100);
    // On the day the clocks go forward (2026-03-29), 12:30 local is 10:30 UTC.
    expect(priceTap(100, 'standard', at('2026-03-29T10:30:00Z'), amsterdam).price).toBe(125);
    expect(priceTap(100, 'standard', at('2026-03-29T13:30:00Z'), amsterdam).price).toBe(100);
  });

  it('handles windows that wrap midnight', () => {
    const night: PricingTable = {
      timeZone: 'UTC', peakWindows: [{ name: 'night', start: '22:00', end: '02:00', multiplierBp: 20_000 }], tierDiscountsBp: {},
    };
    const cases: [string, number][] = [
      ['21:59', 100], ['22:00', 200], ['23:59', 200], ['00:00', 200], ['01:59', 200], ['02:00', 100], ['12:00', 100],
    ];
    for (const [time, price] of cases) {
      expect(priceTap(100, 'standard', at(`2026-11-22T${time}:00Z`), night).price, time).toBe(price);
    }
  });

  it('multiplies by every window that holds, in table order', () => {
    const table: PricingTable = {
      timeZone: 'UTC',
      peakWindows: [
        { name: 'lunch', start: '12:00', end: '13:00', multiplierBp: 15_000 },
        { name: 'day', start: '09:00', end: '17:00', multiplierBp: 11_000 },
        { name: 'evening', start: '18:00', end: '20:00', multiplierBp: 30_000 },
      ],
      tierDiscountsBp: { standard: 1_000 },
    };
    const q = priceTap(1_000, 'standard', at('2026-11-22T12:30:00Z'), table);
    expect(q.rules.map((r) => [r.rule, r.kind, r.factorBp, r.after])).toEqual([
      ['lunch', 'peak', 15_000, 1_500], ['day', 'peak', 11_000, 1_650], ['standard', 'tier', 9_000, 1_485],
    ]);
  });

  it('adds no rule for a zero discount', () => {
    const table: PricingTable = { timeZone: 'UTC', peakWindows: [], tierDiscountsBp: { standard: 0 } };
    expect(priceTap(700, 'standard', 0, table)).toEqual({ basePrice: 700, price: 700, rules: [] });
  });

  it('caps at AMOUNT_MAX', () => {
    const table: PricingTable = {
      timeZone: 'UTC', peakWindows: [{ name: 'x', start: '00:00', end: '23:59', multiplierBp: 100_000 }], tierDiscountsBp: {},
    };
    expect(priceTap(AMOUNT_MAX, 'standard', 0, table).price).toBe(AMOUNT_MAX);
  });
});

describe('applyBp rounds half up to the cent', () => {
  it.each([
    [333, 12_500, 416], // 416.25
    [1, 5_000, 1], // 0.5
    [3, 5_000, 2], // 1.5
    [2, 12_500, 3], // 2.5
    [5, 12_500, 6], // 6.25
    [7, 12_500, 9], // 8.75
    [999, 3_333, 333], // 332.9667
    [0, 12_500, 0],
    [1_000, 10_000, 1_000],
  ])('%i × %i bp = %i', (amount, bp, expected) => {
    expect(applyBp(amount, bp)).toBe(expected);
  });
});

describe('validatePricingTable', () => {
  it('accepts a table and copies it', () => {
    const r = validatePricingTable(amsterdam);
    expect(r).toEqual({ ok: true, value: amsterdam });
    expect(r.ok && r.value).not.toBe(amsterdam);
  });

  const withWindow = (w: Record<string, unknown>): unknown => ({
    ...amsterdam, peakWindows: [{ name: 'p', start: '12:00', end: '15:00', multiplierBp: 12_500, ...w }],
  });

  it.each([
    ['timeZone', { ...amsterdam, timeZone: 'Mars/Olympus' }],
    ['timeZone', { ...amsterdam, timeZone: '' }],
    ['timeZone', { ...amsterdam, timeZone: 7 }],
    ['peakWindows', { ...amsterdam, peakWindows: 'all day' }],
    ['peakWindows', { ...amsterdam, peakWindows: Array.from({ length: PEAK_WINDOWS_MAX + 1 }, (_, i) => ({
      name: `w${i}`, start: '01:00', end: '02:00', multiplierBp: 10_000,
    })) }],
    ['peakWindows[0].start', withWindow({ start: '25:00' })],
    ['peakWindows[0].start', withWindow({ start: '12:60' })],
    ['peakWindows[0].start', withWindow({ start: '1200' })],
    ['peakWindows[0].start', withWindow({ start: '9:00' })],
    ['peakWindows[0].end', withWindow({ end: '24:00' })],
    ['peakWindows[0].end', withWindow({ end: 'ab:cd' })],
    ['peakWindows[0].end', withWindow({ end: '12:00' })],
    ['peakWindows[0].multiplierBp', withWindow({ multiplierBp: 0 })],
    ['peakWindows[0].multiplierBp', withWindow({ multiplierBp: -12_500 })],
    ['peakWindows[0].multiplierBp', withWindow({ multiplierBp: 100_001 })],
    ['peakWindows[0].multiplierBp', withWindow({ multiplierBp: 1.25 })],
    ['peakWindows[0].name', withWindow({ name: '' })],
    ['peakWindows[0]', { ...amsterdam, peakWindows: [null] }],
    ['tierDiscountsBp.season-pass', { ...amsterdam, tierDiscountsBp: { 'season-pass': 10_001 } }],
    ['tierDiscountsBp.standard', { ...amsterdam, tierDiscountsBp: { standard: -1 } }],
    ['tierDiscountsBp.standard', { ...amsterdam, tierDiscountsBp: { standard: '5' } }],
  ])('names %s', (field, table) => {
    const r = validatePricingTable(table);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('invalid_field');
      expect(r.error.path).toBe(field);
    }
  });

  it('rejects unknown fields and tiers, duplicate window names and non-objects', () => {
    const dup = { ...amsterdam, peakWindows: [amsterdam.peakWindows[0], amsterdam.peakWindows[0]] };
    const cases: [unknown, string, string][] = [
      [{ ...amsterdam, currency: 'EUR' }, 'unknown_field', 'currency'],
      [withWindow({ days: 'weekend' }), 'unknown_field', 'peakWindows[0].days'],
      [{ ...amsterdam, tierDiscountsBp: { gold: 1 } }, 'unknown_field', 'tierDiscountsBp.gold'],
      [dup, 'invalid_field', 'peakWindows[1].name'],
      [null, 'invalid_body', ''],
    ];
    for (const [table, code, path] of cases) {
      const r = validatePricingTable(table);
      expect(r.ok ? null : [r.error.code, r.error.path]).toEqual([code, path]);
    }
  });

  it('accepts the edges: 00:00, 23:59, 1 bp, 100000 bp, 0 and 10000 bp discounts', () => {
    const table = {
      timeZone: 'UTC',
      peakWindows: [
        { name: 'a', start: '00:00', end: '23:59', multiplierBp: 1 },
        { name: 'b', start: '23:59', end: '00:00', multiplierBp: 100_000 },
      ],
      tierDiscountsBp: { standard: 0, 'season-pass': 10_000 },
    };
    expect(validatePricingTable(table).ok).toBe(true);
  });
});
