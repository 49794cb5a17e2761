/**
 * Bodies of `PUT /v1/shows/:id` for the fuzzer: good ones (general admission or seated, times that fit), and ones
 * with one thing wrong, each of which the server must refuse.
 */
import fc from 'fast-check';
import type { BodyCase, Fields } from './body-arbitraries.ts';
import { badName, goodName } from './field-values.ts';

const goodTime = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2098, 0, 1) }).map((ms) => Math.floor(ms / 60_000) * 60_000);

const goodCategory = (i: number): fc.Arbitrary<Fields> => fc.oneof(
  fc.record({ name: goodName, price: fc.integer({ min: 0, max: 100_000_000 }), capacity: fc.integer({ min: 1, max: 100_000 }) })
    .map((c) => ({ id: `cat-${i}`, ...c })),
  fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: 5 }).chain((seats) => fc.record({ name: goodName, price: fc.nat({ max: 10_000 }) })
    .map((c) => ({
      id: `cat-${i}`, ...c, capacity: seats.reduce((a, b) => a + b, 0), rows: seats.map((n, r) => ({ row: `R${r}`, seats: n })),
    }))),
);

export const goodShow: fc.Arbitrary<Fields> = fc.tuple(
  goodName, goodName, goodName, goodTime, fc.integer({ min: 1, max: 48 }), fc.boolean(),
  fc.constantFrom('draft', 'on_sale', undefined), fc.integer({ min: 1, max: 4 }),
).chain(([name, venue, location, startMs, hours, withEnd, status, n]) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => goodCategory(i))).map((categories) => ({
    name, venue, location, startsAt: new Date(startMs).toISOString(),
    ...(withEnd && { endsAt: new Date(startMs + hours * 3_600_000).toISOString(), salesStartAt: new Date(startMs - 86_400_000).toISOString() }),
    ...(status !== undefined && { status }),
    categories,
  })));

/** One thing wrong, each a rule of the schema. */
const breakages: ReadonlyArray<(show: Fields) => Fields> = [
  (s) => ({ ...s, startsAt: '2026-12-05T20:00:00' }),
  (s) => ({ ...s, startsAt: '2100-01-01T00:00:00Z' }),
  (s) => ({ ...s, endsAt: s.startsAt }),
  (s) => ({ ...s, salesStartAt: s.startsAt }),
  (s) => ({ ...s, status: 'sold_out' }),
  (s) => ({ ...s, categories: [] }),
  (s) => ({ ...s, categories: [...(s.categories as Fields[]), (s.categories as Fields[])[0]] }),
  (s) => ({ ...s, categories: (s.categories as Fields[]).map((c) => ({ ...c, capacity: (c.capacity as number) + 100_001 })) }),
  (s) => ({ ...s, categories: (s.categories as Fields[]).map((c) => ({ ...c, price: -1 })) }),
  (s) => ({ ...s, categories: (s.categories as Fields[]).map((c) => ({ ...c, rows: [{ row: 'A', seats: 0 }] })) }),
  (s) => ({ ...s, seating: true }),
  (s) => {
    const { name: _name, ...rest } = s;
    return rest;
  },
];

const badShow: fc.Arbitrary<Fields> = fc.oneof(
  fc.tuple(goodShow, fc.constantFrom(...breakages)).map(([show, breakIt]) => breakIt(show)),
  fc.tuple(goodShow, fc.constantFrom('name', 'venue', 'location'), badName).map(([show, key, value]) => ({ ...show, [key]: value })),
);

export const showBody: fc.Arbitrary<BodyCase> = fc.oneof(
  { weight: 1, arbitrary: goodShow.map((body) => ({ body, mustFail: false, tapIds: [] })) },
  { weight: 3, arbitrary: badShow.map((body) => ({ body, mustFail: true, tapIds: [] })) },
);
