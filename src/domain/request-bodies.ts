/**
 * The request bodies and fields of the administrative API as zod schemas: `PUT`/`PATCH /v1/customers/:id`,
 * `PUT /v1/rides/:id`, `PUT /v1/machines/:id` and a wallet top-up. These are the one place the field rules live:
 * the HTTP routes validate with them and the OpenAPI document is generated from them (src/http/api/). Not a hot
 * path: zod copies each body into a fresh object holding only the known fields.
 */

import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { AMOUNT_MAX, TIERS, type Tier } from './types.ts';
import { parseWith, type InputResult } from './input-error.ts';
import { ID_LENGTH_MAX, ID_PATTERN, ID_PROBLEM_CHARS, nameProblem } from './field-checks.ts';

export const NAME_LENGTH_MAX = 100;
export const PUBLIC_KEY_LENGTH_MAX = 1_000;

/**
 * The type part of a field's error: `required` when it is absent, else `must be <what>`.
 *
 * @example
 * z.string(expected('a string'));
 */
export function expected(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? 'required' : `must be ${what}`) };
}

/** An id as in paths and bodies: 1–64 chars of `[A-Za-z0-9_-]`. */
export const Id = z.string(expected('a string'))
  .min(1, `must be 1-${ID_LENGTH_MAX} characters`)
  .max(ID_LENGTH_MAX, `must be 1-${ID_LENGTH_MAX} characters`)
  .regex(ID_PATTERN, ID_PROBLEM_CHARS)
  .meta({ example: 'customer-1' });

/**
 * Integer cents in `min..AMOUNT_MAX` (`min` is 0 for balances and prices, 1 for top-ups).
 *
 * @example
 * amount(1).parse(2_500); // 2500
 */
export function amount(min: 0 | 1): z.ZodNumber {
  const problem = `must be an integer number of cents in ${min}..${AMOUNT_MAX}`;
  return z.number(expected('a number')).int(problem).min(min, problem).max(AMOUNT_MAX, problem);
}

/** A display name: 1–100 code points of text, no control characters or bidirectional overrides (field-checks.ts). */
export const Name = z.string(expected('a string')).superRefine((value, ctx) => {
  const problem = nameProblem(value, NAME_LENGTH_MAX);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
}).meta({ description: `1-${NAME_LENGTH_MAX} characters of text; no control characters or bidirectional overrides` });

export const TierField = z.enum(TIERS as [Tier, ...Tier[]], expected(`one of ${TIERS.join(', ')}`));

/** Base64 lines between the markers; the line class and the line end are disjoint, so matching is linear. */
const PEM_PUBLIC_KEY_BLOCK = /^\s*-----BEGIN PUBLIC KEY-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END PUBLIC KEY-----\s*$/;

/**
 * One PEM `PUBLIC KEY` block (SPKI), nothing around it but blanks, of at most 1000 chars that node:crypto reads as
 * Ed25519. The whole string must be the one block: node:crypto reads the first block and ignores what follows, so
 * a private key after it would pass and be stored. A private key alone is refused too, even though
 * `createPublicKey` would derive the public half from it: it must not be sent to, or stored by, the server.
 */
export const PublicKey = z.string(expected('a string'))
  .max(PUBLIC_KEY_LENGTH_MAX, `must be at most ${PUBLIC_KEY_LENGTH_MAX} characters`)
  .superRefine((pem, ctx) => {
    if (pem.length > PUBLIC_KEY_LENGTH_MAX) return;
    if (!PEM_PUBLIC_KEY_BLOCK.test(pem)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be one PEM public key block (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----) and nothing else',
      });
      return;
    }
    let keyType: string | undefined;
    try {
      keyType = createPublicKey({ key: pem, format: 'pem' }).asymmetricKeyType;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a readable PEM public key' });
      return;
    }
    if (keyType !== 'ed25519') ctx.addIssue({ code: 'custom', message: `must be an Ed25519 key, got ${keyType}` });
  })
  .meta({ description: 'Ed25519 public key, one PEM block (SPKI)' });

/** An object body: anything else is `invalid_body`, an unknown field `unknown_field`. */
function body<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) });
}

/** `PUT /v1/customers/:id`: `balance` is the opening balance, only for a new customer (default 0). */
export const CustomerPutBody = body({ name: Name, tier: TierField, balance: amount(0).optional() })
  .meta({ id: 'CustomerPut', example: { name: 'Ada Lovelace', tier: 'standard', balance: 10_000 } });
export type CustomerBody = z.output<typeof CustomerPutBody>;

/** `PATCH /v1/customers/:id`: the fields to change. */
export const CustomerPatchBody = body({ name: Name.optional(), tier: TierField.optional() })
  .meta({ id: 'CustomerPatch', example: { tier: 'season-pass' } });
export type CustomerPatch = z.output<typeof CustomerPatchBody>;

export const RideBody = body({ name: Name, price: amount(0), open: z.boolean(expected('a boolean')) })
  .meta({ id: 'RidePut', example: { name: 'Carousel', price: 500, open: true } });
export type RideInputBody = z.output<typeof RideBody>;

/** A machine without `publicKey` need not sign its taps; with one, it must. */
export const MachineBody = body({ publicKey: PublicKey.optional() })
  .meta({ id: 'MachinePut', example: {} });
export type MachineBody = z.output<typeof MachineBody>;

/** `topUpId` makes a retried top-up idempotent. */
export const TopUpBody = body({ topUpId: Id, amount: amount(1) })
  .meta({ id: 'TopUp', example: { topUpId: 'topup-7', amount: 2_500 } });
export type TopUpBody = z.output<typeof TopUpBody>;

/**
 * @example
 * parseCustomerBody({ name: 'Ada', tier: 'standard', balance: 10_000 }); // { ok: true, value: {...} }
 */
export function parseCustomerBody(value: unknown): InputResult<CustomerBody> {
  return parseWith(CustomerPutBody, value);
}

/** @example parseRideBody({ name: 'Carousel', price: 500, open: true }); // { ok: true, value: {...} } */
export function parseRideBody(value: unknown): InputResult<RideInputBody> {
  return parseWith(RideBody, value);
}

/** @example parseMachineBody({}); // { ok: true, value: {} }: a machine that need not sign */
export function parseMachineBody(value: unknown): InputResult<MachineBody> {
  return parseWith(MachineBody, value);
}

/** @example parseTopUpBody({ topUpId: 'topup-7', amount: 2_500 }); // { ok: true, value: {...} } */
export function parseTopUpBody(value: unknown): InputResult<TopUpBody> {
  return parseWith(TopUpBody, value);
}
