import { describe, it, expect } from 'vitest';
import { TAPS_PER_REQUEST_MAX, parseTapsBody, type TapsBodyResult } from '../../src/domain/tap-input.ts';
import type { InputErrorCode } from '../../src/domain/input-error.ts';

function tap(i = 0, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tapId: `tap-${i}`, customerId: 'customer-1', rideId: 'ride-a', machineId: 'gate-1',
    tappedAt: '2026-11-22T10:00:00+02:00', ...extra,
  };
}

function errorOf(result: TapsBodyResult): { code: InputErrorCode; message: string } {
  if (result.ok) throw new Error('expected a failure');
  return { code: result.error.code, message: result.error.message };
}

describe('parseTapsBody: accepted bodies', () => {
  it('accepts a single tap and says so', () => {
    const body = tap();
    const r = parseTapsBody(body);
    expect(r).toEqual({ ok: true, taps: [body], single: true });
  });

  it('accepts a batch and hands back the same objects', () => {
    const body = [tap(1), tap(2)];
    const r = parseTapsBody(body);
    expect(r.ok && r.single).toBe(false);
    expect(r.ok && r.taps[1]).toBe(body[1]);
  });

  it(`accepts ${TAPS_PER_REQUEST_MAX} taps`, () => {
    const body = Array.from({ length: TAPS_PER_REQUEST_MAX }, (_, i) => tap(i));
    const r = parseTapsBody(body);
    expect(r.ok && r.taps.length).toBe(1_000);
  });

  it('accepts a tap id repeated in a batch, in order, copies included (the ledger answers them duplicate or conflict)', () => {
    const body = [tap(1), tap(2), tap(1), tap(1, { rideId: 'ride-b' })];
    expect(parseTapsBody(body)).toEqual({ ok: true, taps: body, single: false });
  });

  it('accepts a base64 signature', () => {
    expect(parseTapsBody(tap(0, { signature: 'AAECAw==' })).ok).toBe(true);
  });

  it('accepts ids of 1 and 64 characters using every allowed character class', () => {
    const id64 = 'aZ09_-'.repeat(10) + 'abcd';
    expect(id64.length).toBe(64);
    expect(parseTapsBody(tap(0, { tapId: id64, customerId: 'x' })).ok).toBe(true);
  });
});

describe('parseTapsBody: rejected bodies', () => {
  it.each([null, 'tap', 42, true, undefined])('rejects %s as invalid_body', (body) => {
    expect(errorOf(parseTapsBody(body)).code).toBe('invalid_body');
  });

  it('rejects an empty array as empty_batch', () => {
    expect(errorOf(parseTapsBody([])).code).toBe('empty_batch');
  });

  it(`rejects ${TAPS_PER_REQUEST_MAX + 1} taps as too_many_taps`, () => {
    const body = Array.from({ length: TAPS_PER_REQUEST_MAX + 1 }, (_, i) => tap(i));
    expect(errorOf(parseTapsBody(body)).code).toBe('too_many_taps');
  });

  it('rejects a non-object element as invalid_body naming the index', () => {
    const e = errorOf(parseTapsBody([tap(0), 'x']));
    expect(e).toEqual({ code: 'invalid_body', message: 'taps[1]: expected a tap object' });
    expect(errorOf(parseTapsBody([[tap(0)]])).code).toBe('invalid_body');
  });

  it('rejects an extra field as unknown_field naming it', () => {
    const e = errorOf(parseTapsBody([tap(0), tap(1), tap(2), tap(3, { price: 0 })]));
    expect(e.code).toBe('unknown_field');
    expect(e.message).toBe('taps[3].price: not a tap field');
  });

  it('rejects __proto__ as a field', () => {
    const body = JSON.parse('{"tapId":"t","customerId":"c","rideId":"r","machineId":"m",' +
      '"tappedAt":"2026-11-22T10:00:00Z","__proto__":{"x":1}}') as unknown;
    expect(errorOf(parseTapsBody(body)).code).toBe('unknown_field');
  });

  it('reports the field and index of a bad date', () => {
    const e = errorOf(parseTapsBody([tap(0), tap(1), tap(2), tap(3, { tappedAt: '2026-02-30T10:00:00Z' })]));
    expect(e).toEqual({ code: 'invalid_field', message: 'taps[3].tappedAt: not RFC 3339 with an offset' });
  });

  it('names a single tap field without an index', () => {
    expect(errorOf(parseTapsBody(tap(0, { tappedAt: '2026-11-22T10:00:00' }))).message)
      .toBe('tappedAt: not RFC 3339 with an offset');
  });

  it.each([
    ['tapId', 'missing', undefined],
    ['tapId', 'a number', 7],
    ['tapId', 'empty', ''],
    ['tapId', '65 chars', 'a'.repeat(65)],
    ['tapId', 'a space', 'tap 1'],
    ['tapId', 'a dot', 'tap.1'],
    ['tapId', 'a pipe', 'tap|1'],
    ['tapId', 'non-ASCII', 'tapé'],
    ['customerId', 'null', null],
    ['rideId', 'an object', { id: 'ride-a' }],
    ['machineId', 'an array', ['gate-1']],
    ['tappedAt', 'missing', undefined],
    ['tappedAt', 'a number', 1_795_334_400_000],
    ['tappedAt', 'over 40 chars', `2026-11-22T10:00:00.${'1'.repeat(20)}Z`],
    ['tappedAt', 'month 13', '2026-13-22T10:00:00Z'],
    ['signature', 'a number', 5],
    ['signature', 'empty', ''],
    ['signature', 'not base64', 'not base64!'],
    ['signature', 'bad padding', 'AA=A'],
    ['signature', 'unpadded length', 'AAE'],
    ['signature', 'over 200 chars', 'A'.repeat(204)],
  ])('rejects %s that is %s as invalid_field', (field, _label, value) => {
    const t = tap(0);
    if (value === undefined) delete t[field];
    else t[field] = value;
    const e = errorOf(parseTapsBody([t]));
    expect(e.code).toBe('invalid_field');
    expect(e.message.startsWith(`taps[0].${field}: `)).toBe(true);
  });

  it('reports unknown fields before bad values, and fields in order', () => {
    expect(errorOf(parseTapsBody(tap(0, { tapId: 5, extra: 1 }))).code).toBe('unknown_field');
    expect(errorOf(parseTapsBody(tap(0, { tapId: 5, rideId: 5 }))).message.startsWith('tapId:')).toBe(true);
  });

  it('still checks every field of a batch whose tap ids repeat', () => {
    expect(errorOf(parseTapsBody([tap(1), tap(1), tap(2, { rideId: '' })])).message.startsWith('taps[2].rideId: ')).toBe(true);
  });
});
