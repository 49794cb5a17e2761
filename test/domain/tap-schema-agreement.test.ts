/**
 * `POST /v1/taps` is read by a hand-written parser (tap-input.ts, faster) while the OpenAPI document shows a zod
 * schema (tap-schema.ts): both must accept and refuse the same bodies. Bodies come from the fuzz tests'
 * generators (good taps and batches, and near-good ones with exactly one thing wrong), plus arbitrary JSON values
 * and tap objects with one field replaced by an arbitrary value. Seeded: a failure prints its seed; replay with
 * `SEED=… npx vitest run test/domain/tap-schema-agreement.test.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTapsBody, TAPS_PER_REQUEST_MAX } from '../../src/domain/tap-input.ts';
import { TapsBody } from '../../src/domain/tap-schema.ts';
import { goodTap, tapsBody } from '../fuzz/body-arbitraries.ts';
import { toJsonText } from '../fuzz/json-text.ts';

const seed = process.env.SEED === undefined || process.env.SEED === '' ? 20_261_122 : Number(process.env.SEED);
const RUNS = 1_000;
/** Accepted and refused bodies seen: both must occur, or agreement would prove little. */
const seen = { accepted: 0, refused: 0 };

/** The value the server sees: the generators may hold raw number literals, written out as JSON text. */
function asParsed(body: unknown): unknown {
  return JSON.parse(toJsonText(body)) as unknown;
}

function agree(body: unknown): void {
  const hand = parseTapsBody(body);
  const schema = TapsBody.safeParse(body);
  const why = hand.ok ? schema.error?.issues[0]?.message : hand.error.message;
  expect(schema.success, `${JSON.stringify(body)?.slice(0, 300)}: hand ${hand.ok}, schema ${schema.success} (${why})`).toBe(hand.ok);
  if (hand.ok) seen.accepted++;
  else seen.refused++;
}

const TAP_KEYS = ['tapId', 'customerId', 'rideId', 'machineId', 'tappedAt', 'signature', 'price', '__proto__', 'constructor'];

/** A good tap with one key set to an arbitrary JSON value (or removed). */
const oneFieldChanged = fc.tuple(goodTap, fc.constantFrom(...TAP_KEYS), fc.option(fc.jsonValue(), { nil: undefined }))
  .map(([tap, key, value]) => {
    const changed = asParsed(tap) as Record<string, unknown>;
    if (value === undefined) delete changed[key];
    else Object.defineProperty(changed, key, { value, enumerable: true, writable: true, configurable: true });
    return changed;
  });

describe('the tap parser and the tap schema agree', () => {
  it(`on generated bodies: one tap or a batch, good or with one thing wrong (seed ${seed})`, () => {
    const before = { ...seen };
    fc.assert(fc.property(tapsBody, (c) => agree(asParsed(c.body))), { seed, numRuns: RUNS });
    expect(seen.accepted - before.accepted).toBeGreaterThan(RUNS / 20);
    expect(seen.refused - before.refused).toBeGreaterThan(RUNS / 20);
  });

  it(`on single taps and batches with one field replaced by any JSON value (seed ${seed})`, () => {
    const body = fc.oneof(oneFieldChanged, fc.array(fc.oneof(goodTap.map(asParsed), oneFieldChanged), { minLength: 1, maxLength: 5 }));
    const before = { ...seen };
    fc.assert(fc.property(body, agree), { seed, numRuns: RUNS });
    expect(seen.accepted - before.accepted).toBeGreaterThan(0);
    expect(seen.refused - before.refused).toBeGreaterThan(RUNS / 20);
  });

  it(`on arbitrary JSON values (seed ${seed})`, () => {
    fc.assert(fc.property(fc.jsonValue(), agree), { seed, numRuns: RUNS });
  });

  it('on the batch bounds: 0, 1, 1000 and 1001 taps', () => {
    const tap = { tapId: 't-1', customerId: 'c-1', rideId: 'r-1', machineId: 'g-1', tappedAt: '2026-11-22T10:00:00+01:00' };
    for (const n of [0, 1, TAPS_PER_REQUEST_MAX, TAPS_PER_REQUEST_MAX + 1]) agree(Array.from({ length: n }, () => ({ ...tap })));
    expect(parseTapsBody([]).ok).toBe(false);
    expect(parseTapsBody([tap]).ok).toBe(true);
  });
});
