/**
 * Request bodies for every body-taking route: good ones, and near-good ones with exactly one thing wrong (a field
 * of the wrong type, too long, out of range, missing, or one field too many). `mustFail` says the body is wrong
 * by construction; `tapIds` names the taps a `POST /v1/taps` body carries.
 */
import fc from 'fast-check';
import {
  ED25519_PUBLIC_PEM, badAmount, badId, notAString, badName, badOpen, badPublicKey, badSignature, badTappedAt, badTier, goodAmount,
  goodName, goodSignature, goodTappedAt,
} from './field-values.ts';
import { withField, withoutField } from './json-text.ts';

export interface BodyCase {
  body: unknown;
  mustFail: boolean;
  tapIds: string[];
}

export type Fields = Record<string, unknown>;

export const DEMO_CUSTOMERS = ['customer-1', 'customer-2', 'customer-3', 'customer-4', 'customer-5', 'customer-6'];
const TAP_CUSTOMERS = [...DEMO_CUSTOMERS, 'nobody'];
const TAP_RIDES = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e', 'ride-x'];
const TAP_MACHINES = ['gate-1', 'gate-2', 'gate-3', 'gate-4', 'gate-s1', 'gate-x'];
const TAP_FIELDS = ['tapId', 'customerId', 'rideId', 'machineId', 'tappedAt', 'signature'];

/** Mostly fresh tap ids; a few from a small pool, so some taps are sent again (duplicates across requests). */
export const tapId: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: fc.nat({ max: 10_000_000 }).map((n) => `fz-${n}`) },
  { weight: 1, arbitrary: fc.nat({ max: 30 }).map((n) => `fz-again-${n}`) },
);

export const goodTap: fc.Arbitrary<Fields> = fc.record(
  {
    tapId,
    customerId: fc.constantFrom(...TAP_CUSTOMERS),
    rideId: fc.constantFrom(...TAP_RIDES),
    machineId: fc.constantFrom(...TAP_MACHINES),
    tappedAt: goodTappedAt,
    signature: goodSignature,
  },
  { requiredKeys: ['tapId', 'customerId', 'rideId', 'machineId', 'tappedAt'] },
);

/** A field name that is none of `known` (including the ones that trip careless code: `__proto__`, `constructor`). */
function unknownKey(known: readonly string[]): fc.Arbitrary<string> {
  return fc
    .oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'extra', ' tapId', 'TapId', 'amount ', ''), fc.string({ maxLength: 12 }))
    .filter((key) => !known.includes(key));
}

/** `good` with one field made bad, or a required one dropped, or an unknown one added. */
function oneThingWrong(
  good: fc.Arbitrary<Fields>,
  bad: Record<string, fc.Arbitrary<unknown>>,
  required: readonly string[],
  known: readonly string[],
): fc.Arbitrary<Fields> {
  const setBad = fc
    .constantFrom(...Object.keys(bad))
    .chain((key) => (bad[key] as fc.Arbitrary<unknown>).map((value) => ({ key, value })));
  type Mutation = (fields: Fields) => Fields;
  const mutations: fc.Arbitrary<Mutation>[] = [
    setBad.map(({ key, value }) => (fields: Fields) => withField(fields, key, value)),
    fc.tuple(unknownKey(known), fc.jsonValue({ maxDepth: 1 })).map(([key, value]) => (fields: Fields) => withField(fields, key, value)),
  ];
  if (required.length > 0) mutations.push(fc.constantFrom(...required).map((key) => (fields: Fields) => withoutField(fields, key)));
  return fc.tuple(good, fc.oneof(...mutations)).map(([fields, mutate]) => mutate(fields));
}

const badTap = oneThingWrong(
  goodTap,
  { tapId: badId, customerId: badId, rideId: badId, machineId: badId, tappedAt: badTappedAt, signature: badSignature },
  ['tapId', 'customerId', 'rideId', 'machineId', 'tappedAt'],
  TAP_FIELDS,
);

export function tapIdsOf(taps: readonly Fields[]): string[] {
  return taps.flatMap((t) => (typeof t.tapId === 'string' ? [t.tapId] : []));
}

/** A batch of `n` taps made from one, for the over-1000 case (generating 1001 taps one by one is slow). */
function repeated(template: Fields, n: number, tag: number): Fields[] {
  return Array.from({ length: n }, (_, i) => ({ ...template, tapId: `fz-many-${tag}-${i}` }));
}

export const tapsBody: fc.Arbitrary<BodyCase> = fc.oneof(
  { weight: 3, arbitrary: badTap.map((t) => ({ body: t, mustFail: true, tapIds: tapIdsOf([t]) })) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.array(goodTap, { minLength: 1, maxLength: 6 }), badTap, fc.nat()).map(([taps, bad, at]) => {
      // The good taps of a refused batch are the ones a half-done request would have decided.
      const batch = [...taps];
      batch.splice(at % (taps.length + 1), 0, bad);
      return { body: batch, mustFail: true, tapIds: tapIdsOf(batch) };
    }),
  },
  {
    // A tap id twice in one batch is valid: the later copy is answered as a duplicate (the same tap: here half the
    // time) or a conflict (other content under the id).
    weight: 1,
    arbitrary: fc.tuple(fc.array(goodTap, { minLength: 2, maxLength: 6 }), fc.nat(), fc.nat(), fc.boolean()).map(([taps, from, to, copy]) => {
      const batch = taps.map((t) => ({ ...t }));
      const i = from % batch.length;
      const j = (i + 1 + (to % (batch.length - 1))) % batch.length;
      batch[j] = copy ? { ...(batch[i] as Fields) } : { ...(batch[j] as Fields), tapId: (batch[i] as Fields).tapId };
      return { body: batch, mustFail: false, tapIds: tapIdsOf(batch) };
    }),
  },
  { weight: 1, arbitrary: fc.constant<BodyCase>({ body: [], mustFail: true, tapIds: [] }) },
  {
    weight: 1,
    arbitrary: fc.tuple(goodTap, fc.integer({ min: 1_001, max: 1_010 }), fc.nat()).map(([tap, n, tag]) => {
      const batch = repeated(tap, n, tag);
      return { body: batch, mustFail: true, tapIds: tapIdsOf(batch) };
    }),
  },
  { weight: 2, arbitrary: goodTap.map((t) => ({ body: t, mustFail: false, tapIds: tapIdsOf([t]) })) },
  {
    weight: 1,
    arbitrary: fc
      .uniqueArray(goodTap, { minLength: 1, maxLength: 8, selector: (t) => t.tapId })
      .map((taps) => ({ body: taps, mustFail: false, tapIds: tapIdsOf(taps) })),
  },
);

export const goodCustomer: fc.Arbitrary<Fields> = fc.record({
  name: goodName,
  tier: fc.constantFrom('standard', 'season-pass'),
  balance: goodAmount(0),
});

export const goodTopUp: fc.Arbitrary<Fields> = fc.record({
  topUpId: fc.oneof(
    fc.nat({ max: 10_000_000 }).map((n) => `fz-topup-${n}`),
    // A small pool: the same top-up again (answered as a duplicate), or for another amount (a 409).
    fc.nat({ max: 20 }).map((n) => `fz-topup-again-${n}`),
  ),
  amount: goodAmount(1),
});

export const goodRide: fc.Arbitrary<Fields> = fc.record({ name: goodName, price: goodAmount(0), open: fc.boolean() });

export const goodMachine: fc.Arbitrary<Fields> = fc.oneof(fc.constant({}), fc.constant({ publicKey: ED25519_PUBLIC_PEM }));

/** Good and one-thing-wrong bodies of the same kind, about one good in four. */
function bodies(good: fc.Arbitrary<Fields>, bad: fc.Arbitrary<Fields>): fc.Arbitrary<BodyCase> {
  return fc.oneof(
    { weight: 1, arbitrary: good.map((body) => ({ body, mustFail: false, tapIds: [] })) },
    { weight: 3, arbitrary: bad.map((body) => ({ body, mustFail: true, tapIds: [] })) },
  );
}

export const customerBody = bodies(
  goodCustomer,
  // `balance` is the opening balance, optional: leaving it out is not wrong.
  oneThingWrong(goodCustomer, { name: badName, tier: badTier, balance: badAmount(0) }, ['name', 'tier'], ['name', 'tier', 'balance']),
);

export const topUpBody = bodies(
  goodTopUp,
  oneThingWrong(goodTopUp, { topUpId: badId, amount: badAmount(1) }, ['topUpId', 'amount'], ['topUpId', 'amount']),
);

export const rideBody = bodies(
  goodRide,
  oneThingWrong(goodRide, { name: badName, price: badAmount(0), open: badOpen }, ['name', 'price', 'open'], ['name', 'price', 'open']),
);

export const machineBody = bodies(
  goodMachine,
  oneThingWrong(goodMachine, { publicKey: badPublicKey }, [], ['publicKey']),
);

export const goodTokenScope: fc.Arbitrary<Fields> = fc.oneof(
  fc.constant({ role: 'admin' }),
  fc.constantFrom('gate-1', 'gate-x', 'fz-m-1').map((machineId) => ({ role: 'machine', machineId })),
  fc.constantFrom('customer-1', 'nobody').map((customerId) => ({ role: 'customer', customerId })),
);

/** Token scopes with one thing wrong: the role, the id the role needs (missing or bad), an id it must not have. */
const badTokenScope: fc.Arbitrary<Fields> = fc.oneof(
  fc.oneof(notAString, fc.constantFrom('', 'root', 'Admin', 'admin ', 'machines')).map((role) => ({ role })),
  fc.constantFrom({ role: 'machine' }, { role: 'customer' }, {}),
  fc.constantFrom(
    { role: 'admin', machineId: 'gate-1' },
    { role: 'admin', customerId: 'customer-1' },
    { role: 'machine', machineId: 'gate-1', customerId: 'customer-1' },
    { role: 'customer', customerId: 'customer-1', machineId: 'gate-1' },
  ),
  badId.map((machineId) => ({ role: 'machine', machineId })),
  badId.map((customerId) => ({ role: 'customer', customerId })),
  fc.tuple(goodTokenScope, unknownKey(['role', 'machineId', 'customerId'])).map(([scope, key]) => withField(scope, key, 1)),
);

export const tokenBody = bodies(goodTokenScope, badTokenScope);
