/**
 * Search of the shows catalogue: the user's words as a safe FTS5 query, the opaque cursor of a page ordered by
 * start time then id, and the two prepared searches (with and without words). A user's `q` never reaches FTS5 as
 * syntax: it is cut into words of letters and digits, each quoted, so `OR`, `NEAR`, `*`, `"` and `:` are text.
 */
import type Database from 'better-sqlite3';
import { StoreError } from './store-error.ts';

/** Longest `q` and most words taken from it. */
export const QUERY_LENGTH_MAX = 200;
export const QUERY_TERMS_MAX = 10;
export const SHOWS_PAGE_MAX = 100;
export const SHOWS_PAGE_DEFAULT = 20;

export interface ShowSearch {
  /** Words to find in name, venue or location: every word must match (as a prefix). */
  q?: string;
  /** Shows starting at or after / at or before these epoch milliseconds. */
  fromMs?: number;
  toMs?: number;
  /** Only shows on sale: the inventory actor moves a show that runs out to `sold_out`. */
  onSaleOnly?: boolean;
  /** Drafts are shown to admins only. */
  includeDrafts: boolean;
  limit: number;
  cursor?: string;
}

/** Where a page starts: after this show (its start and id). */
export interface ShowKey { startsAtMs: number; id: string }

const PREFIX = 's1.';

/**
 * The FTS5 query for a user's words, or `undefined` when they hold no letter or digit. Each word is quoted (a
 * quote in it doubled, though words hold none) and matched as a prefix; words are ANDed.
 *
 * @example
 * ftsQuery('gala  AMSTERDAM"*'); // '"gala"* "AMSTERDAM"*'
 * ftsQuery('!!!');               // undefined
 */
export function ftsQuery(q: string): string | undefined {
  if (q.length > QUERY_LENGTH_MAX) throw new StoreError('ERR_INVALID_ARGUMENT', `q must be at most ${QUERY_LENGTH_MAX} characters`);
  const words = q.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '').slice(0, QUERY_TERMS_MAX);
  if (words.length === 0) return undefined;
  return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' ');
}

/** @example encodeShowCursor({ startsAtMs: 1, id: 'gala' }) // 's1.…' */
export function encodeShowCursor(key: ShowKey): string {
  return PREFIX + Buffer.from(JSON.stringify([key.startsAtMs, key.id]), 'utf8').toString('base64url');
}

/**
 * The key a cursor carries; `ERR_INVALID_CURSOR` for anything this store did not hand out.
 *
 * @example decodeShowCursor(encodeShowCursor({ startsAtMs: 1, id: 'gala' })) // { startsAtMs: 1, id: 'gala' }
 */
export function decodeShowCursor(cursor: string): ShowKey {
  if (cursor.startsWith(PREFIX) && cursor.length <= 300) {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'));
      if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
        return { startsAtMs: value[0] as number, id: value[1] };
      }
    } catch {
      // falls through to the refusal
    }
  }
  throw new StoreError('ERR_INVALID_CURSOR', 'cursor is not one this store handed out');
}

export interface ShowSearchRow { seq: number; id: string; starts_at_ms: number }

const WHERE = `
  s.starts_at_ms BETWEEN :fromMs AND :toMs
  AND (:onSaleOnly = 0 OR s.status = 'on_sale')
  AND (:includeDrafts = 1 OR s.status <> 'draft')
  AND (s.starts_at_ms > :afterMs OR (s.starts_at_ms = :afterMs AND s.id > :afterId))
ORDER BY s.starts_at_ms, s.id
LIMIT :limit`;

/** The two searches, prepared once. */
export function prepareSearches(db: Database.Database) {
  return {
    all: db.prepare<Record<string, unknown>, ShowSearchRow>(`SELECT s.seq, s.id, s.starts_at_ms FROM shows s WHERE ${WHERE}`),
    words: db.prepare<Record<string, unknown>, ShowSearchRow>(
      `SELECT s.seq, s.id, s.starts_at_ms FROM shows s WHERE s.seq IN (SELECT rowid FROM shows_fts WHERE shows_fts MATCH :match) AND ${WHERE}`,
    ),
  };
}

/**
 * One page of matching shows (`limit + 1` read to tell whether there is a next page).
 *
 * @example searchPage(searches, { q: 'gala', includeDrafts: false, limit: 20 })
 */
export function searchPage(
  searches: ReturnType<typeof prepareSearches>,
  search: ShowSearch,
): { rows: ShowSearchRow[]; nextCursor?: string } {
  const { limit } = search;
  if (!Number.isInteger(limit) || limit < 1 || limit > SHOWS_PAGE_MAX) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `limit must be an integer in [1, ${SHOWS_PAGE_MAX}], got ${limit}`);
  }
  const after = search.cursor === undefined ? { startsAtMs: Number.MIN_SAFE_INTEGER, id: '' } : decodeShowCursor(search.cursor);
  const match = search.q === undefined ? undefined : ftsQuery(search.q);
  // Words with no letter or digit in them can match nothing.
  if (search.q !== undefined && match === undefined) return { rows: [] };
  const params = {
    fromMs: search.fromMs ?? Number.MIN_SAFE_INTEGER, toMs: search.toMs ?? Number.MAX_SAFE_INTEGER,
    onSaleOnly: search.onSaleOnly === true ? 1 : 0, includeDrafts: search.includeDrafts ? 1 : 0,
    afterMs: after.startsAtMs, afterId: after.id, limit: limit + 1,
  };
  const rows = match === undefined ? searches.all.all(params) : searches.words.all({ ...params, match });
  if (rows.length <= limit) return { rows };
  rows.length = limit;
  const last = rows[limit - 1] as ShowSearchRow;
  return { rows, nextCursor: encodeShowCursor({ startsAtMs: last.starts_at_ms, id: last.id }) };
}
