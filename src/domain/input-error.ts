/**
 * The one error class of request-body validation. Code and tests match on `code`; `message` is for humans and names
 * the field and, in a batch, the index (`taps[3].tappedAt: not RFC 3339 with an offset`).
 */

export type InputErrorCode =
  | 'invalid_body'
  | 'too_many_taps'
  | 'empty_batch'
  | 'invalid_field'
  | 'unknown_field';

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
