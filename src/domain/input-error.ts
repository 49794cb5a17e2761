/**
 * The one error class of request validation. Code and tests match on `code`; `message` is for humans and names
 * the field and, in a batch, the index (`taps[3].tappedAt: not RFC 3339 with an offset`). `inputErrorOf` turns
 * the first issue of a zod schema's failure into one, so every schema answers in the same shape as the hand-written
 * tap parser.
 */
import type { z } from 'zod';

export type InputErrorCode =
  | 'invalid_body'
  | 'too_many_taps'
  | 'empty_batch'
  | 'invalid_field'
  | 'unknown_field'
  | 'invalid_query'
  | 'invalid_cursor'
  | 'invalid_last_event_id';

/**
 * A rejected request body.
 *
 * @example
 * const err = new InputError('invalid_field', 'taps[3].tappedAt', 'not RFC 3339 with an offset');
 * err.code;    // 'invalid_field'
 * err.message; // 'taps[3].tappedAt: not RFC 3339 with an offset'
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code: InputErrorCode;
  /** Where in the body the problem is (`taps[3].tappedAt`, `balance`); empty for the body as a whole. */
  readonly path: string;

  constructor(code: InputErrorCode, path: string, problem: string) {
    super(path === '' ? problem : `${path}: ${problem}`);
    this.code = code;
    this.path = path;
  }
}

/** The outcome of validating one body: the typed value, or the first problem found. */
export type InputResult<T> = { ok: true; value: T } | InputFailure;

export type InputFailure = { ok: false; error: InputError };

/**
 * Wraps a problem as a failed result.
 *
 * @example
 * return fail('invalid_field', 'balance', 'must be an integer number of cents');
 */
export function fail(code: InputErrorCode, path: string, problem: string): InputFailure {
  return { ok: false, error: new InputError(code, path, problem) };
}

/** Which code a failure gets: `whole` when the value as a whole is wrong (not an object), `field` for a field. */
export interface IssueCodes {
  whole: InputErrorCode;
  field: InputErrorCode;
}

/** What a body's failures are called: a body that is not an object is `invalid_body`, a bad field `invalid_field`. */
export const BODY_CODES: IssueCodes = { whole: 'invalid_body', field: 'invalid_field' };

/**
 * The first issue of a zod failure as an InputError. An unknown key is `unknown_field`; a schema may name the code
 * itself (`params: { code: 'invalid_cursor' }` on a refinement); otherwise `codes` decides. The message is the
 * schema's own, after the field's path.
 *
 * @example
 * const r = CustomerPutBody.safeParse({ name: 'Ada', tier: 'gold' });
 * if (!r.success) throw inputErrorOf(r.error, BODY_CODES); // invalid_field 'tier: must be one of standard, season-pass'
 */
export function inputErrorOf(error: z.ZodError, codes: IssueCodes): InputError {
  const issue = error.issues[0];
  if (issue === undefined) return new InputError(codes.whole, '', 'is not valid');
  const path = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return new InputError('unknown_field', path === '' ? key : `${path}.${key}`, 'not a field here');
  }
  const named = issue.code === 'custom' ? (issue.params as { code?: InputErrorCode } | undefined)?.code : undefined;
  const code = named ?? (path === '' ? codes.whole : codes.field);
  return new InputError(code, path, issue.message);
}

/**
 * Validates `value` with `schema`: the parsed value, or the first problem as an InputFailure.
 *
 * @example
 * parseWith(RideBody, { name: 'Carousel', price: 500, open: true }); // { ok: true, value: {...} }
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, codes: IssueCodes = BODY_CODES): InputResult<z.output<S>> {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: inputErrorOf(result.error, codes) };
}

/** `taps[3].tappedAt` from `['taps', 3, 'tappedAt']`. */
function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}
