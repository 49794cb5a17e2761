/**
 * The body of `POST /v1/taps`: one tap, or an array of 1–1000 taps, already JSON-parsed. This runs on the main
 * thread for every request, so it checks fields with char-code loops, builds no strings unless something is wrong,
 * and hands back the caller's own objects instead of copies (they are known to hold exactly the tap fields).
 *
 * Its schema, for the OpenAPI document and a property test that both accept and refuse the same bodies, is
 * tap-schema.ts: this parser stays hand-written because it is faster (bench/ingest.bench.ts measures both).
 */

import type { Tap } from './types.ts';
import { InputError, fail } from './input-error.ts';
import { SIGNATURE_LENGTH_MAX, base64Problem, idProblem } from './field-checks.ts';
import { TAPPED_AT_LENGTH_MAX, parseTappedAt } from './rfc3339.ts';

/** Most taps one request may carry. */
export const TAPS_PER_REQUEST_MAX = 1_000;

export type TapsBodyResult = { ok: true; taps: Tap[]; single: boolean } | { ok: false; error: InputError };

/**
 * Validates the body of `POST /v1/taps`. `single` tells whether the body was one tap rather than an array, so the
 * answer can take the same shape. A `tapId` repeated within one request is handed on: the ledger's unique tap id
 * decides, within a request as across requests.
 *
 * @example
 * const r = parseTapsBody(JSON.parse(text));
 * if (!r.ok) return c.json({ error: { code: r.error.code, message: r.error.message } }, 400);
 * r.taps; // Tap[]
 */
export function parseTapsBody(body: unknown): TapsBodyResult {
  if (Array.isArray(body)) {
    const n = body.length;
    if (n === 0) return fail('empty_batch', '', 'a batch needs at least one tap');
    if (n > TAPS_PER_REQUEST_MAX) {
      return fail('too_many_taps', '', `a batch holds at most ${TAPS_PER_REQUEST_MAX} taps, got ${n}`);
    }
    for (let i = 0; i < n; i++) {
      const error = tapError(body[i], i);
      if (error !== null) return { ok: false, error };
    }
    // A tap id repeated in one batch is not an error: a machine resending its buffer may repeat a tap, and the
    // ledger answers the later copy `duplicate` (or `conflict`) without losing the rest of the batch.
    return { ok: true, taps: body as Tap[], single: false };
  }
  if (isPlainObject(body)) {
    const error = tapError(body, -1);
    if (error !== null) return { ok: false, error };
    return { ok: true, taps: [body as unknown as Tap], single: true };
  }
  return fail('invalid_body', '', `expected a tap object or an array of 1-${TAPS_PER_REQUEST_MAX} taps`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `taps[3].tappedAt` in a batch, `tappedAt` for a single tap; only built once a problem is found. */
function pathOf(index: number, field: string): string {
  if (index < 0) return field;
  return field === '' ? `taps[${index}]` : `taps[${index}].${field}`;
}

/** The first problem with one tap, or `null`. Unknown fields are reported before bad values. */
function tapError(value: unknown, index: number): InputError | null {
  if (!isPlainObject(value)) return new InputError('invalid_body', pathOf(index, ''), 'expected a tap object');
  for (const key in value) {
    switch (key) {
      case 'tapId': case 'customerId': case 'rideId': case 'machineId': case 'tappedAt': case 'signature':
        break;
      default:
        return new InputError('unknown_field', pathOf(index, key), 'not a tap field');
    }
  }
  let problem = idProblem(value.tapId);
  if (problem !== null) return new InputError('invalid_field', pathOf(index, 'tapId'), problem);
  problem = idProblem(value.customerId);
  if (problem !== null) return new InputError('invalid_field', pathOf(index, 'customerId'), problem);
  problem = idProblem(value.rideId);
  if (problem !== null) return new InputError('invalid_field', pathOf(index, 'rideId'), problem);
  problem = idProblem(value.machineId);
  if (problem !== null) return new InputError('invalid_field', pathOf(index, 'machineId'), problem);
  problem = tappedAtProblem(value.tappedAt);
  if (problem !== null) return new InputError('invalid_field', pathOf(index, 'tappedAt'), problem);
  const signature = value.signature;
  if (signature !== undefined) {
    problem = base64Problem(signature, SIGNATURE_LENGTH_MAX);
    if (problem !== null) return new InputError('invalid_field', pathOf(index, 'signature'), problem);
  }
  return null;
}

function tappedAtProblem(value: unknown): string | null {
  if (value === undefined) return 'required';
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > TAPPED_AT_LENGTH_MAX) return `must be at most ${TAPPED_AT_LENGTH_MAX} characters`;
  return Number.isNaN(parseTappedAt(value)) ? 'not RFC 3339 with an offset' : null;
}

