/**
 * Argument checks at the store's edge. The HTTP layer validates requests first; these catch a caller's bug
 * before it reaches a CHECK constraint, with the argument named in the error.
 */
import { AMOUNT_MAX, TIERS, type Tier } from '../domain/types.ts';
import { StoreError } from './store-error.ts';

/** @example checkId('c1', 'customerId') // 'c1' */
export function checkId(value: string, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `${name} must be a string of 1 to 200 characters`);
  }
  return value;
}

/** Integer cents in [min, AMOUNT_MAX]. @example checkCents(500, 'amount', 1) // 500 */
export function checkCents(value: number, name: string, min: 0 | 1): number {
  if (!Number.isInteger(value) || value < min || value > AMOUNT_MAX) {
    const range = `[${min}, ${AMOUNT_MAX}]`;
    throw new StoreError('ERR_INVALID_ARGUMENT', `${name} must be integer cents in ${range}, got ${value}`);
  }
  return value;
}

/** @example checkTier('standard') // 'standard' */
export function checkTier(value: Tier): Tier {
  if (!TIERS.includes(value)) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `tier must be one of ${TIERS.join(', ')}, got ${String(value)}`);
  }
  return value;
}

/** @example checkTimeMs(1_700_000_000_000, 'nowMs') */
export function checkTimeMs(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `${name} must be epoch milliseconds, got ${value}`);
  }
  return value;
}

/** A row key to page from (`afterSeq`, `afterId`): a non-negative safe integer. @example checkKey(0, 'afterId') */
export function checkKey(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}
