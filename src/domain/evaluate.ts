/**
 * Validation and pricing of taps against the catalog: the work the piscina pool does. Pure apart from the key
 * cache the caller owns, and self-contained (only src/domain and node built-ins), so a worker can load it alone.
 */

import type { Catalog, Evaluation, RejectReason, StalenessBounds, Tap } from './types.ts';
import type { KeyCache } from './key-cache.ts';
import { parseTappedAt } from './rfc3339.ts';
import { priceTap } from './pricing.ts';
import { verifyTapSignature } from './signing.ts';

/**
 * Evaluates one tap. Checks run in this order and the first failure wins: `unknown_machine`, `invalid_signature`
 * (the machine has a key and the signature is missing or wrong; a machine without a key accepts taps with or
 * without one), `unknown_customer`, `unknown_ride`, `ride_closed`, `stale_tap` (more than `bounds.maxAgeMs` before
 * `nowMs` or more than `bounds.maxFutureMs` after it; exactly at a bound is accepted). A valid tap gets its quote
 * from {@link priceTap} with the ride's price and the customer's tier.
 *
 * @example
 * const keys = new KeyCache({ capacity: 1_024 });
 * evaluateTap(tap, catalog, clock.nowMs(), DEFAULT_STALENESS, keys);
 * // { tapId: 'tap-1', ok: true, quote: { basePrice: 500, price: 500, rules: [] } }
 */
export function evaluateTap(
  tap: Tap, catalog: Catalog, nowMs: number, bounds: StalenessBounds, keys: KeyCache,
): Evaluation {
  const machine = own(catalog.machines, tap.machineId);
  if (machine === undefined) return reject(tap, 'unknown_machine', `machine '${tap.machineId}' is not in the catalog`);
  const pem = machine.publicKey;
  // null as well as undefined means "no key", for stores that write SQL NULL; an empty string fails closed.
  if (typeof pem === 'string') {
    if (tap.signature === undefined) {
      return reject(tap, 'invalid_signature', `machine '${machine.id}' signs its taps; this tap has no signature`);
    }
    const key = keys.keyFor(catalog.version, tap.machineId, pem);
    if (key === null) return reject(tap, 'invalid_signature', `machine '${machine.id}' has an unreadable public key`);
    if (!verifyTapSignature(tap, key)) {
      return reject(tap, 'invalid_signature', `signature does not match machine '${machine.id}'`);
    }
  }
  const customer = own(catalog.customers, tap.customerId);
  if (customer === undefined) return reject(tap, 'unknown_customer', `customer '${tap.customerId}' is not known`);
  const ride = own(catalog.rides, tap.rideId);
  if (ride === undefined) return reject(tap, 'unknown_ride', `ride '${tap.rideId}' is not known`);
  if (!ride.open) return reject(tap, 'ride_closed', `ride '${ride.id}' is closed`);
  const tappedAtMs = parseTappedAt(tap.tappedAt);
  if (Number.isNaN(tappedAtMs)) return reject(tap, 'stale_tap', 'tappedAt is not RFC 3339 with an offset');
  if (nowMs - tappedAtMs > bounds.maxAgeMs) {
    return reject(tap, 'stale_tap', `tapped ${nowMs - tappedAtMs} ms ago; the limit is ${bounds.maxAgeMs} ms`);
  }
  if (tappedAtMs - nowMs > bounds.maxFutureMs) {
    const aheadMs = tappedAtMs - nowMs;
    return reject(tap, 'stale_tap', `tapped ${aheadMs} ms in the future; the limit is ${bounds.maxFutureMs} ms`);
  }
  return { tapId: tap.tapId, ok: true, quote: priceTap(ride.price, customer.tier, tappedAtMs, catalog.pricing) };
}

/**
 * Evaluates a batch against one catalog and one `nowMs`; answers one evaluation per tap, in order.
 *
 * @example
 * const evaluations = evaluateBatch(taps, catalog, nowMs, DEFAULT_STALENESS, keys);
 */
export function evaluateBatch(
  taps: readonly Tap[], catalog: Catalog, nowMs: number, bounds: StalenessBounds, keys: KeyCache,
): Evaluation[] {
  const evaluations = new Array<Evaluation>(taps.length);
  for (let i = 0; i < taps.length; i++) {
    evaluations[i] = evaluateTap(taps[i] as Tap, catalog, nowMs, bounds, keys);
  }
  return evaluations;
}

/** Own properties only: an id such as `constructor` or `__proto__` must not find Object.prototype members. */
function own<T>(record: Record<string, T>, id: string): T | undefined {
  return Object.hasOwn(record, id) ? record[id] : undefined;
}

function reject(tap: Tap, reason: RejectReason, message: string): Evaluation {
  return { tapId: tap.tapId, ok: false, reason, message };
}
