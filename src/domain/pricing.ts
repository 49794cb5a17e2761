/**
 * Pricing: peak windows by local time of day, then a tier discount, in integer basis-point arithmetic.
 */

import {
  AMOUNT_MAX, TIERS, type AppliedRule, type PeakWindow, type PricingTable, type Quote, type Tier,
} from './types.ts';
import { fail, type InputResult } from './input-error.ts';
import { nameProblem, shapeFailure } from './field-checks.ts';
import { isKnownTimeZone, localMinuteOfDay } from './local-time.ts';

export const BP_ONE = 10_000;
export const MULTIPLIER_BP_MAX = 100_000;
export const PEAK_WINDOWS_MAX = 24;
export const RULE_NAME_LENGTH_MAX = 64;

/**
 * Prices one tap. Rules apply in this order, each recorded as an {@link AppliedRule}:
 * 1. every peak window whose `[start, end)` holds the tap's local time of day in `table.timeZone` multiplies the
 *    price by its `multiplierBp` (windows with `start > end` wrap midnight: 22:00–02:00);
 * 2. the tier's discount multiplies it by `10_000 - discountBp` (a tier without a discount, or 0, adds no rule).
 *
 * Rounding: after each rule, half up to the cent, in integers: `after = Math.floor((before * factorBp + 5000) / 10000)`
 * (333 × 1.25 = 416.25 → 416; 1 × 0.5 = 0.5 → 1). Each result is capped at AMOUNT_MAX so the products stay exact
 * integers (≤ 10^13) whatever the windows; no wallet can pay more anyway.
 *
 * @example
 * priceTap(1_000, 'season-pass', parseTappedAt('2026-07-01T12:30:00+02:00'), demoPricing);
 * // { basePrice: 1000, price: 625, rules: [{ rule: 'afternoon-peak', kind: 'peak', factorBp: 12500, before: 1000,
 * //   after: 1250 }, { rule: 'season-pass', kind: 'tier', factorBp: 5000, before: 1250, after: 625 }] }
 */
export function priceTap(basePrice: number, tier: Tier, tappedAtMs: number, table: PricingTable): Quote {
  const rules: AppliedRule[] = [];
  let price = basePrice;
  const windows = table.peakWindows;
  if (windows.length > 0) {
    const minute = localMinuteOfDay(tappedAtMs, table.timeZone);
    for (const window of windows) {
      if (!windowHolds(window, minute)) continue;
      const after = applyBp(price, window.multiplierBp);
      rules.push({ rule: window.name, kind: 'peak', factorBp: window.multiplierBp, before: price, after });
      price = after;
    }
  }
  const discountBp = table.tierDiscountsBp[tier];
  if (discountBp !== undefined && discountBp > 0) {
    const factorBp = BP_ONE - discountBp;
    const after = applyBp(price, factorBp);
    rules.push({ rule: tier, kind: 'tier', factorBp, before: price, after });
    price = after;
  }
  return { basePrice, price, rules };
}

/**
 * `amount × factorBp / 10_000`, rounded half up to the cent, capped at AMOUNT_MAX.
 *
 * @example
 * applyBp(333, 12_500); // 416
 * applyBp(1, 5_000);    // 1
 */
export function applyBp(amount: number, factorBp: number): number {
  return Math.min(AMOUNT_MAX, Math.floor((amount * factorBp + 5_000) / BP_ONE));
}

function windowHolds(window: PeakWindow, minute: number): boolean {
  const start = hhmmMinutes(window.start);
  const end = hhmmMinutes(window.end);
  if (start < 0 || end < 0) throw new Error(`pricing table not validated: window ${window.name}`);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** Minutes since midnight of `HH:MM` (00:00–23:59), or -1. */
function hhmmMinutes(s: string): number {
  if (s.length !== 5 || s.charCodeAt(2) !== 58) return -1;
  const h1 = s.charCodeAt(0) - 48;
  const h2 = s.charCodeAt(1) - 48;
  const m1 = s.charCodeAt(3) - 48;
  const m2 = s.charCodeAt(4) - 48;
  if (!(h1 >= 0 && h1 <= 2 && h2 >= 0 && h2 <= 9 && m1 >= 0 && m1 <= 5 && m2 >= 0 && m2 <= 9)) return -1;
  const hour = h1 * 10 + h2;
  return hour > 23 ? -1 : hour * 60 + m1 * 10 + m2;
}

/**
 * Checks a pricing table from configuration and answers a fresh copy holding only the known fields. The error names
 * the field: `peakWindows[0].start: must be HH:MM (00:00-23:59)`, `tierDiscountsBp.season-pass: …`, `timeZone: …`.
 *
 * @example
 * const r = validatePricingTable(JSON.parse(text));
 * if (!r.ok) throw r.error; // r.error.code === 'invalid_field'
 */
export function validatePricingTable(value: unknown): InputResult<PricingTable> {
  const shape = shapeFailure(value, '', ['timeZone', 'peakWindows', 'tierDiscountsBp']);
  if (shape !== null) return shape;
  const { timeZone, peakWindows, tierDiscountsBp } = value as Record<string, unknown>;
  if (typeof timeZone !== 'string' || !isKnownTimeZone(timeZone)) {
    return fail('invalid_field', 'timeZone', 'must be a known IANA time zone such as Europe/Amsterdam');
  }
  if (!Array.isArray(peakWindows) || peakWindows.length > PEAK_WINDOWS_MAX) {
    return fail('invalid_field', 'peakWindows', `must be an array of at most ${PEAK_WINDOWS_MAX} windows`);
  }
  const windows: PeakWindow[] = [];
  for (let i = 0; i < peakWindows.length; i++) {
    const window = validateWindow(peakWindows[i], `peakWindows[${i}]`);
    if (!window.ok) return window;
    if (windows.some((w) => w.name === window.value.name)) {
      return fail('invalid_field', `peakWindows[${i}].name`, `'${window.value.name}' is used by another window`);
    }
    windows.push(window.value);
  }
  const discounts = validateDiscounts(tierDiscountsBp);
  if (!discounts.ok) return discounts;
  return { ok: true, value: { timeZone, peakWindows: windows, tierDiscountsBp: discounts.value } };
}

function validateWindow(value: unknown, path: string): InputResult<PeakWindow> {
  const shape = shapeFailure(value, path, ['name', 'start', 'end', 'multiplierBp']);
  if (shape !== null) return shape;
  const { name, start, end, multiplierBp } = value as Record<string, unknown>;
  const nameBad = nameProblem(name, RULE_NAME_LENGTH_MAX);
  if (nameBad !== null) return fail('invalid_field', `${path}.name`, nameBad);
  if (typeof start !== 'string' || hhmmMinutes(start) < 0) {
    return fail('invalid_field', `${path}.start`, 'must be HH:MM (00:00-23:59)');
  }
  if (typeof end !== 'string' || hhmmMinutes(end) < 0) {
    return fail('invalid_field', `${path}.end`, 'must be HH:MM (00:00-23:59)');
  }
  if (start === end) return fail('invalid_field', `${path}.end`, 'must differ from start');
  if (typeof multiplierBp !== 'number' || !Number.isInteger(multiplierBp) || multiplierBp < 1 ||
    multiplierBp > MULTIPLIER_BP_MAX) {
    const problem = `must be an integer in 1..${MULTIPLIER_BP_MAX} (basis points)`;
    return fail('invalid_field', `${path}.multiplierBp`, problem);
  }
  return { ok: true, value: { name: name as string, start, end, multiplierBp } };
}

function validateDiscounts(value: unknown): InputResult<Partial<Record<Tier, number>>> {
  const shape = shapeFailure(value, 'tierDiscountsBp', TIERS);
  if (shape !== null) return shape;
  const discounts: Partial<Record<Tier, number>> = {};
  for (const tier of TIERS) {
    const bp = (value as Record<string, unknown>)[tier];
    if (bp === undefined) continue;
    if (typeof bp !== 'number' || !Number.isInteger(bp) || bp < 0 || bp > BP_ONE) {
      return fail('invalid_field', `tierDiscountsBp.${tier}`, `must be an integer in 0..${BP_ONE} (basis points)`);
    }
    discounts[tier] = bp;
  }
  return { ok: true, value: discounts };
}
