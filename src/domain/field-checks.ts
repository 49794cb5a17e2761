/**
 * Field checks written as char-code loops: `idProblem` and `base64Problem` for the hot path of `POST /v1/taps`
 * (tap-input.ts), `nameProblem` for every display name (the zod schemas of request-bodies.ts and the pricing table
 * call it, so the rule lives here once), and `shapeFailure` for the pricing file. Each `…Problem` function answers
 * `null` for a good value or a short constant describing what is wrong, so the hot path allocates nothing unless a
 * value is bad.
 */

import { fail, type InputFailure } from './input-error.ts';

export const ID_LENGTH_MAX = 64;
export const SIGNATURE_LENGTH_MAX = 200;
/** The id rule as a pattern, for the schemas and the OpenAPI document; `idProblem` is the same rule as a loop. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ID_PROBLEM_CHARS = 'may only contain A-Z, a-z, 0-9, _ and -';

/**
 * Why `value` is not an id (1–64 chars of `[A-Za-z0-9_-]`), or `null` if it is one.
 *
 * @example
 * idProblem('gate-1');   // null
 * idProblem('gate 1');   // 'may only contain A-Z, a-z, 0-9, _ and -'
 */
export function idProblem(value: unknown): string | null {
  if (value === undefined) return 'required';
  if (typeof value !== 'string') return 'must be a string';
  const n = value.length;
  if (n === 0 || n > ID_LENGTH_MAX) return `must be 1-${ID_LENGTH_MAX} characters`;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    const ok =
      (c >= 97 && c <= 122) || // a-z
      (c >= 65 && c <= 90) || // A-Z
      (c >= 48 && c <= 57) || // 0-9
      c === 95 || // _
      c === 45; // -
    if (!ok) return ID_PROBLEM_CHARS;
  }
  return null;
}

/**
 * Why `value` is not standard padded base64 of at most `lengthMax` chars, or `null` if it is.
 *
 * @example
 * base64Problem('AAEC', 200); // null
 * base64Problem('AA=C', 200); // 'must be base64'
 */
export function base64Problem(value: unknown, lengthMax: number): string | null {
  if (typeof value !== 'string') return 'must be a string';
  const n = value.length;
  if (n === 0 || n > lengthMax) return `must be 1-${lengthMax} characters`;
  // A regular expression on purpose: V8 runs this one as native code, twice as fast as a char-code loop over an
  // 88-char signature. It cannot backtrack more than linearly: `=` is outside the class, so a failed match gives
  // back at most `lengthMax` chars, once.
  if (n % 4 !== 0 || !BASE64.test(value)) return 'must be base64';
  return null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Why `value` is not a display name, or `null` if it is one: a string of 1–`lengthMax` characters counted as
 * Unicode code points (an emoji is one, not two UTF-16 units), with no control characters (C0, DEL, C1), no
 * bidirectional overrides or isolates (U+202A–U+202E, U+2066–U+2069: they make a name display as another) and no
 * unpaired surrogate.
 *
 * @example
 * nameProblem('Ada', 100);        // null
 * nameProblem('Ada\u202e', 100);  // 'must not contain control characters or bidirectional overrides'
 */
export function nameProblem(value: unknown, lengthMax: number): string | null {
  if (value === undefined) return 'required';
  if (typeof value !== 'string') return 'must be a string';
  // A code point is at most two units: a string longer than twice the bound cannot fit, whatever it holds.
  if (value.length === 0 || value.length > 2 * lengthMax) return `must be 1-${lengthMax} characters`;
  let points = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    points++;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return NAME_FORBIDDEN;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return NAME_FORBIDDEN;
    if (c < 0xd800 || c > 0xdfff) continue;
    // JSON can spell an unpaired surrogate (`"\ud800"`), but UTF-8 cannot: what SQLite keeps reads back as U+FFFD,
    // so the name read back would differ from the one acknowledged.
    const next = value.charCodeAt(i + 1); // NaN past the end
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return 'must be Unicode text (no unpaired surrogate)';
    i++; // a high surrogate with its low one: one code point
  }
  if (points > lengthMax) return `must be 1-${lengthMax} characters`;
  return null;
}

const NAME_FORBIDDEN = 'must not contain control characters or bidirectional overrides';

/**
 * Why `value` is not an object holding only `allowed` fields, as a failure naming `path`, or `null`. At the top
 * (`path` empty) a non-object is `invalid_body`; nested, `invalid_field`. Not for hot paths: it scans `allowed`.
 *
 * @example
 * shapeFailure({ name: 'Ada', age: 3 }, '', ['name']); // fails: unknown_field 'age'
 */
export function shapeFailure(value: unknown, path: string, allowed: readonly string[]): InputFailure | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(path === '' ? 'invalid_body' : 'invalid_field', path, 'must be a JSON object');
  }
  for (const key in value) {
    if (!allowed.includes(key)) {
      const where = path === '' ? key : `${path}.${key}`;
      return fail('unknown_field', where, `not a field here; expected ${allowed.join(', ')}`);
    }
  }
  return null;
}
