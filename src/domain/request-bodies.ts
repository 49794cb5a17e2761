/**
 * Bodies of the administrative requests: `PUT /v1/customers/:id`, `PUT /v1/rides/:id`, `PUT /v1/machines/:id` and a
 * wallet top-up. Not a hot path, so each answer is a fresh object holding only the known fields.
 */

import { createPublicKey } from 'node:crypto';
import { TIERS, type Tier } from './types.ts';
import { fail, type InputResult } from './input-error.ts';
import { amountProblem, idProblem, nameProblem, shapeFailure } from './field-checks.ts';

export const NAME_LENGTH_MAX = 100;
export const PUBLIC_KEY_LENGTH_MAX = 1_000;

export interface CustomerBody {
  name: string;
  tier: Tier;
  balance: number;
}

export interface RideBody {
  name: string;
  price: number;
  open: boolean;
}

export interface MachineBody {
  /** Ed25519 public key, PEM (SPKI). */
  publicKey?: string;
}

export interface TopUpBody {
  topUpId: string;
  amount: number;
}

/**
 * Validates `{ name (1–100 chars), tier ('standard' | 'season-pass'), balance (cents 0..AMOUNT_MAX) }`.
 *
 * @example
 * parseCustomerBody({ name: 'Ada', tier: 'standard', balance: 10_000 }); // { ok: true, value: {...} }
 */
export function parseCustomerBody(body: unknown): InputResult<CustomerBody> {
  const shape = shapeFailure(body, '', ['name', 'tier', 'balance']);
  if (shape !== null) return shape;
  const { name, tier, balance } = body as Record<string, unknown>;
  const nameBad = nameProblem(name, NAME_LENGTH_MAX);
  if (nameBad !== null) return fail('invalid_field', 'name', nameBad);
  if (tier === undefined) return fail('invalid_field', 'tier', 'required');
  if (!(TIERS as readonly unknown[]).includes(tier)) {
    return fail('invalid_field', 'tier', `must be one of ${TIERS.join(', ')}`);
  }
  const balanceBad = amountProblem(balance, 0);
  if (balanceBad !== null) return fail('invalid_field', 'balance', balanceBad);
  return { ok: true, value: { name: name as string, tier: tier as Tier, balance: balance as number } };
}

/**
 * Validates `{ name (1–100 chars), price (cents 0..AMOUNT_MAX), open (boolean) }`.
 *
 * @example
 * parseRideBody({ name: 'Carousel', price: 500, open: true }); // { ok: true, value: {...} }
 */
export function parseRideBody(body: unknown): InputResult<RideBody> {
  const shape = shapeFailure(body, '', ['name', 'price', 'open']);
  if (shape !== null) return shape;
  const { name, price, open } = body as Record<string, unknown>;
  const nameBad = nameProblem(name, NAME_LENGTH_MAX);
  if (nameBad !== null) return fail('invalid_field', 'name', nameBad);
  const priceBad = amountProblem(price, 0);
  if (priceBad !== null) return fail('invalid_field', 'price', priceBad);
  if (open === undefined) return fail('invalid_field', 'open', 'required');
  if (typeof open !== 'boolean') return fail('invalid_field', 'open', 'must be a boolean');
  return { ok: true, value: { name: name as string, price: price as number, open } };
}

/** Base64 lines between the markers; the line class and the line end are disjoint, so matching is linear. */
const PEM_PUBLIC_KEY_BLOCK = /^\s*-----BEGIN PUBLIC KEY-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END PUBLIC KEY-----\s*$/;

/**
 * Validates `{ publicKey? }`: one PEM `PUBLIC KEY` block (SPKI), nothing around it but blanks, of at most 1000 chars
 * that node:crypto reads as Ed25519. A private key is refused even though `createPublicKey` would derive the public
 * half from it: it must not be sent to, or stored by, the server.
 *
 * @example
 * parseMachineBody({});                   // { ok: true, value: {} }: a machine that need not sign
 * parseMachineBody({ publicKey: pem });   // { ok: true, value: { publicKey: pem } }
 */
export function parseMachineBody(body: unknown): InputResult<MachineBody> {
  const shape = shapeFailure(body, '', ['publicKey']);
  if (shape !== null) return shape;
  const { publicKey } = body as Record<string, unknown>;
  if (publicKey === undefined) return { ok: true, value: {} };
  if (typeof publicKey !== 'string') return fail('invalid_field', 'publicKey', 'must be a string');
  if (publicKey.length > PUBLIC_KEY_LENGTH_MAX) {
    return fail('invalid_field', 'publicKey', `must be at most ${PUBLIC_KEY_LENGTH_MAX} characters`);
  }
  // The whole string must be the one block: node:crypto reads the first block and ignores what follows, so a
  // private key after it would pass and be stored.
  if (!PEM_PUBLIC_KEY_BLOCK.test(publicKey)) {
    return fail('invalid_field', 'publicKey', 'must be one PEM public key block (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----) and nothing else');
  }
  let keyType: string | undefined;
  try {
    keyType = createPublicKey({ key: publicKey, format: 'pem' }).asymmetricKeyType;
  } catch {
    return fail('invalid_field', 'publicKey', 'not a readable PEM public key');
  }
  if (keyType !== 'ed25519') return fail('invalid_field', 'publicKey', `must be an Ed25519 key, got ${keyType}`);
  return { ok: true, value: { publicKey } };
}

/**
 * Validates a top-up `{ topUpId (id), amount (cents 1..AMOUNT_MAX) }`; `topUpId` makes a retried top-up idempotent.
 *
 * @example
 * parseTopUpBody({ topUpId: 'topup-7', amount: 2_500 }); // { ok: true, value: {...} }
 */
export function parseTopUpBody(body: unknown): InputResult<TopUpBody> {
  const shape = shapeFailure(body, '', ['topUpId', 'amount']);
  if (shape !== null) return shape;
  const { topUpId, amount } = body as Record<string, unknown>;
  const idBad = idProblem(topUpId);
  if (idBad !== null) return fail('invalid_field', 'topUpId', idBad);
  const amountBad = amountProblem(amount, 1);
  if (amountBad !== null) return fail('invalid_field', 'amount', amountBad);
  return { ok: true, value: { topUpId: topUpId as string, amount: amount as number } };
}
