/**
 * Reading the parts of a request that the domain parsers do not cover: the JSON body itself, path ids, and query
 * parameters (`limit`, `cursor`, `wait`, `reason`, `lastEventId`). Each throws an error with a stable code, so a
 * bad request is always a 400, never a 500.
 */
import type { Context } from 'hono';
import { InputError, validateId } from '../domain/tap-input.ts';
import { HttpError } from './http-error.ts';

/** Default and largest page size of list endpoints. */
export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 1_000;
/** Longest cursor accepted; the store's are far shorter. */
export const CURSOR_LENGTH_MAX = 100;
/** Longest dead-letter reason filter accepted. */
export const REASON_LENGTH_MAX = 100;

/**
 * Fatal, unlike `c.req.text()`, which puts U+FFFD where bytes are not UTF-8: a name sent with such bytes would be
 * stored as something the client never sent. A leading byte order mark is still dropped.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The request body parsed as JSON; 400 `invalid_json` when it is not UTF-8 JSON (an empty body is not JSON either).
 *
 * @example
 * const body = await readJsonBody(c); // unknown: hand it to a domain parser
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const bytes = await c.req.arrayBuffer();
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid JSON');
  }
}

/**
 * A path id (`[A-Za-z0-9_-]{1,64}`), or a 400 `invalid_field` naming `field`.
 *
 * @example
 * const id = pathId(c.req.param('id'), 'id');
 */
export function pathId(value: string | undefined, field: string): string {
  const result = validateId(value, field);
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * A dead letter's id from the path: a positive safe integer, else 400 `invalid_field`.
 *
 * @example
 * deadLetterId('42'); // 42
 */
export function deadLetterId(value: string | undefined): number {
  const id = digitsToInt(value);
  if (id === undefined || id < 1) throw new InputError('invalid_field', 'id', 'must be a positive integer');
  return id;
}

/**
 * `?limit=`: absent means 50; otherwise an integer in 1..1000, else 400 `invalid_query`.
 *
 * @example
 * pageLimit(undefined); // 50
 */
export function pageLimit(value: string | undefined): number {
  if (value === undefined) return PAGE_LIMIT_DEFAULT;
  const limit = digitsToInt(value);
  if (limit === undefined || limit < 1 || limit > PAGE_LIMIT_MAX) {
    throw new HttpError(400, 'invalid_query', `limit: must be an integer in 1..${PAGE_LIMIT_MAX}`);
  }
  return limit;
}

/**
 * `?cursor=`: opaque, but it must look like one this server hands out (`[A-Za-z0-9._-]`, at most 100 chars).
 *
 * @example
 * pageCursor('k1.NDI'); // 'k1.NDI'
 */
export function pageCursor(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0 || value.length > CURSOR_LENGTH_MAX || !/^[A-Za-z0-9._-]+$/.test(value)) {
    throw new HttpError(400, 'invalid_cursor', 'cursor is not one this server handed out');
  }
  return value;
}

/**
 * `?wait=`: `true` or `false` (absent is `false`), else 400 `invalid_query`.
 *
 * @example
 * waitFlag('true'); // true
 */
export function waitFlag(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new HttpError(400, 'invalid_query', 'wait: must be true or false');
}

/**
 * `?reason=` of the dead-letter list: 1..100 characters when present.
 *
 * @example
 * reasonFilter('ride_closed'); // 'ride_closed'
 */
export function reasonFilter(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0 || value.length > REASON_LENGTH_MAX) {
    throw new HttpError(400, 'invalid_query', `reason: must be 1-${REASON_LENGTH_MAX} characters`);
  }
  return value;
}

/**
 * Where an SSE stream resumes: the `Last-Event-ID` header, else `?lastEventId=`; a non-negative integer, else 400
 * `invalid_last_event_id`. `undefined` when neither is given (the stream then starts live, without replay).
 *
 * @example
 * lastEventId('41', undefined); // 41
 */
export function lastEventId(header: string | undefined, query: string | undefined): number | undefined {
  const value = header ?? query;
  if (value === undefined) return undefined;
  const id = digitsToInt(value.trim());
  if (id === undefined) {
    throw new HttpError(400, 'invalid_last_event_id', 'Last-Event-ID must be a non-negative integer');
  }
  return id;
}

/** Plain decimal digits to a safe integer; `undefined` for anything else (signs, blanks, exponents, 16+ digits). */
function digitsToInt(value: string | undefined): number | undefined {
  if (value === undefined || value.length === 0 || value.length > 15) return undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(value);
}
