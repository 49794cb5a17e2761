import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { z } from 'zod';
import {
  CustomerPatchBody, Id, amount, parseCustomerBody, parseMachineBody, parseRideBody, parseTopUpBody,
} from '../../src/domain/request-bodies.ts';
import { parseWith, type InputResult } from '../../src/domain/input-error.ts';
import { AMOUNT_MAX } from '../../src/domain/types.ts';

function failure<T>(r: InputResult<T>): { code: string; message: string } {
  if (r.ok) throw new Error('expected a failure');
  return { code: r.error.code, message: r.error.message };
}

const edPem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('the Id and amount schemas', () => {
  const field = <T>(schema: Parameters<typeof parseWith>[0], name: string, value: T) =>
    parseWith(z.object({ [name]: schema }), { [name]: value });

  it('accepts good values and names the field on bad ones', () => {
    expect(field(Id, 'id', 'customer-1')).toEqual({ ok: true, value: { id: 'customer-1' } });
    expect(failure(field(Id, 'id', 'a/b'))).toEqual({
      code: 'invalid_field', message: 'id: may only contain A-Z, a-z, 0-9, _ and -',
    });
    expect(failure(field(Id, 'id', 'x'.repeat(65))).message).toBe('id: must be 1-64 characters');
    expect(failure(field(Id, 'id', undefined)).message).toBe('id: required');
    expect(field(amount(0), 'balance', 0).ok).toBe(true);
    expect(field(amount(0), 'balance', AMOUNT_MAX).ok).toBe(true);
  });

  it.each([[-1], [AMOUNT_MAX + 1], [1.5], [NaN], [Infinity], ['100'], [null]])('rejects amount %s', (v) => {
    expect(failure(field(amount(0), 'balance', v)).code).toBe('invalid_field');
  });

  it('applies the minimum', () => {
    expect(failure(field(amount(1), 'amount', 0)).message).toBe('amount: must be an integer number of cents in 1..100000000');
  });
});

describe('parseCustomerBody', () => {
  it('accepts a customer and copies only its fields', () => {
    expect(parseCustomerBody({ name: 'Ada', tier: 'season-pass', balance: 10_000 })).toEqual({
      ok: true, value: { name: 'Ada', tier: 'season-pass', balance: 10_000 },
    });
  });

  it.each([
    ['invalid_body', null],
    ['invalid_body', []],
    ['unknown_field', { name: 'Ada', tier: 'standard', balance: 0, id: 'x' }],
    ['invalid_field', { tier: 'standard', balance: 0 }],
    ['invalid_field', { name: '', tier: 'standard', balance: 0 }],
    ['invalid_field', { name: 'x'.repeat(101), tier: 'standard', balance: 0 }],
    ['invalid_field', { name: 'Ada', tier: 'gold', balance: 0 }],
    ['invalid_field', { name: 'Ada', balance: 0 }],
    ['invalid_field', { name: 'Ada', tier: 'standard', balance: -5 }],
    ['invalid_field', { name: 'Ada', tier: 'standard', balance: null }],
  ])('answers %s for %j', (code, body) => {
    expect(failure(parseCustomerBody(body)).code).toBe(code);
  });

  it('takes the opening balance as optional, and says which tiers there are', () => {
    expect(parseCustomerBody({ name: 'Ada', tier: 'standard' })).toEqual({ ok: true, value: { name: 'Ada', tier: 'standard' } });
    expect(failure(parseCustomerBody({ name: 'Ada', tier: 'gold' })).message).toBe('tier: must be one of standard, season-pass');
  });

  it('counts a name in characters, not UTF-16 units: 100 emoji fit, 101 do not', () => {
    expect(parseCustomerBody({ name: 'x'.repeat(100), tier: 'standard' }).ok).toBe(true);
    expect(parseCustomerBody({ name: '\u{1f3a2}'.repeat(100), tier: 'standard' }).ok).toBe(true);
    expect(failure(parseCustomerBody({ name: '\u{1f3a2}'.repeat(101), tier: 'standard' })).message).toBe('name: must be 1-100 characters');
  });

  it.each(['Ada\u0000', 'Ada\n', 'A\u0007da', 'Ada\u007f', 'Ada\u0085', 'Ada\u202e', '\u2066Ada\u2069', 'Ada\ud800'])(
    'refuses a name with control, bidirectional override or lone surrogate characters: %j',
    (name) => {
      expect(failure(parseCustomerBody({ name, tier: 'standard' })).code).toBe('invalid_field');
    },
  );
});

describe('parsing a customer PATCH', () => {
  it('takes any of name and tier, and nothing else', () => {
    expect(parseWith(CustomerPatchBody, {})).toEqual({ ok: true, value: {} });
    expect(parseWith(CustomerPatchBody, { tier: 'season-pass' })).toEqual({ ok: true, value: { tier: 'season-pass' } });
    expect(failure(parseWith(CustomerPatchBody, { balance: 5 })).code).toBe('unknown_field');
    expect(failure(parseWith(CustomerPatchBody, { name: '' })).message).toBe('name: must be 1-100 characters');
  });
});

describe('parseRideBody', () => {
  it('accepts a ride', () => {
    expect(parseRideBody({ name: 'Carousel', price: 500, open: false })).toEqual({
      ok: true, value: { name: 'Carousel', price: 500, open: false },
    });
  });

  it.each([
    ['open', { name: 'C', price: 500, open: 'yes' }],
    ['open', { name: 'C', price: 500 }],
    ['price', { name: 'C', price: 5.5, open: true }],
    ['name', { name: 7, price: 5, open: true }],
  ])('names %s when it is wrong', (field, body) => {
    const f = failure(parseRideBody(body));
    expect(f.code).toBe('invalid_field');
    expect(f.message.startsWith(`${field}: `)).toBe(true);
  });
});

describe('parseMachineBody', () => {
  it('accepts a machine without a key and one with an Ed25519 key', () => {
    expect(parseMachineBody({})).toEqual({ ok: true, value: {} });
    expect(parseMachineBody({ publicKey: edPem })).toEqual({ ok: true, value: { publicKey: edPem } });
  });

  it('rejects keys that are not Ed25519 public keys in PEM', () => {
    const rsaPem = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey
      .export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const mangled = edPem.replace(/[A-Za-z]{8}/, 'AAAAAAAA');
    for (const publicKey of [rsaPem, privatePem, 'hello', mangled, 42, edPem + ' '.repeat(1_000)]) {
      expect(failure(parseMachineBody({ publicKey })).code, String(publicKey)).toBe('invalid_field');
    }
  });

  it('rejects unknown fields', () => {
    expect(failure(parseMachineBody({ id: 'gate-1' })).code).toBe('unknown_field');
  });
});

describe('parseTopUpBody', () => {
  it('accepts a top-up', () => {
    expect(parseTopUpBody({ topUpId: 'topup-1', amount: 1 })).toEqual({ ok: true, value: { topUpId: 'topup-1', amount: 1 } });
  });

  it.each([
    [{ topUpId: 'topup-1', amount: 0 }, 'amount'],
    [{ topUpId: 'topup-1', amount: AMOUNT_MAX + 1 }, 'amount'],
    [{ topUpId: 'top up', amount: 5 }, 'topUpId'],
    [{ amount: 5 }, 'topUpId'],
  ])('rejects %j naming %s', (body, field) => {
    expect(failure(parseTopUpBody(body)).message.startsWith(`${field}: `)).toBe(true);
  });
});
