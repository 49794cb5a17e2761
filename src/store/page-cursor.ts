/**
 * Opaque page cursors: a page of rows newest first ends at some row key; the cursor carries that key so the
 * next page starts just below it. Encoded so that callers treat it as a token, not a number to do sums with.
 */
import { StoreError } from './store-error.ts';

/** The most rows one page may ask for; bigger pages are a caller's bug, not a wish to honour. */
export const PAGE_LIMIT_MAX = 1_000;

const PREFIX = 'k1.';

/** @example encodeCursor(42) // 'k1.NDI' */
export function encodeCursor(key: number): string {
  return PREFIX + Buffer.from(String(key), 'utf8').toString('base64url');
}

/**
 * The row key a cursor carries; no cursor means "from the newest", i.e. above every key.
 *
 * @example decodeCursor(encodeCursor(42)) // 42
 */
export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return Number.MAX_SAFE_INTEGER;
  if (typeof cursor === 'string' && cursor.startsWith(PREFIX)) {
    const text = Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8');
    const key = Number(text);
    if (/^[0-9]{1,16}$/.test(text) && Number.isSafeInteger(key)) return key;
  }
  throw new StoreError('ERR_INVALID_CURSOR', 'cursor is not one this store handed out');
}

/** @example checkLimit(50) // 50; checkLimit(0) throws ERR_INVALID_ARGUMENT */
export function checkLimit(limit: number, name = 'limit'): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT_MAX) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `${name} must be an integer in [1, ${PAGE_LIMIT_MAX}], got ${limit}`);
  }
  return limit;
}

/**
 * Runs a page query for `limit + 1` rows: the extra row only says whether there is a next page.
 *
 * @example pageOf((n) => rows.slice(0, n), 2, (r) => r.id)
 */
export function pageOf<R>(
  query: (limitPlusOne: number) => R[],
  limit: number,
  keyOf: (row: R) => number,
): { rows: R[]; nextCursor?: string } {
  const rows = query(checkLimit(limit) + 1);
  if (rows.length <= limit) return { rows };
  rows.length = limit;
  const last = rows[limit - 1] as R;
  return { rows, nextCursor: encodeCursor(keyOf(last)) };
}
