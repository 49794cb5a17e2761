/**
 * The body of `POST /v1/taps` as a zod schema: one tap, or an array of 1–1000 taps. The route validates with the
 * hand-written parser of tap-input.ts (faster on the hot path, see bench/ingest.bench.ts); this schema is what the
 * OpenAPI document shows, and test/domain/tap-schema-agreement.test.ts checks that both accept and refuse the
 * same bodies.
 */
import { z } from 'zod';
import { SIGNATURE_LENGTH_MAX, base64Problem } from './field-checks.ts';
import { Id, expected } from './request-bodies.ts';
import { TAPPED_AT_LENGTH_MAX, parseTappedAt } from './rfc3339.ts';
import { TAPS_PER_REQUEST_MAX } from './tap-input.ts';

const TappedAt = z.string(expected('a string'))
  .max(TAPPED_AT_LENGTH_MAX, `must be at most ${TAPPED_AT_LENGTH_MAX} characters`)
  .refine((value) => !Number.isNaN(parseTappedAt(value)), 'not RFC 3339 with an offset')
  .meta({ description: 'RFC 3339 with an offset', example: '2026-11-22T10:00:00+01:00' });

const Signature = z.string(expected('a string'))
  .superRefine((value, ctx) => {
    const problem = base64Problem(value, SIGNATURE_LENGTH_MAX);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'base64 Ed25519 signature over tapId|customerId|rideId|machineId|tappedAt' });

const TAP_EXAMPLE = {
  tapId: 'tap-1', customerId: 'customer-1', rideId: 'ride-a', machineId: 'gate-1', tappedAt: '2026-11-22T10:00:00+01:00',
};

export const TapBody = z.strictObject({
  tapId: Id,
  customerId: Id,
  rideId: Id,
  machineId: Id,
  tappedAt: TappedAt,
  signature: Signature.optional(),
}, { error: (issue) => (issue.code === 'invalid_type' ? 'expected a tap object' : undefined) })
  .meta({ id: 'Tap', example: TAP_EXAMPLE });

/** One tap, or a batch of 1–1000 (answered in request order). */
export const TapsBody = z.union([
  TapBody,
  z.array(TapBody).min(1, 'a batch needs at least one tap').max(TAPS_PER_REQUEST_MAX, `a batch holds at most ${TAPS_PER_REQUEST_MAX} taps`),
]).meta({ id: 'Taps', example: [TAP_EXAMPLE] });
