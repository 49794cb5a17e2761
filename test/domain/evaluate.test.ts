import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { evaluateBatch, evaluateTap } from '../../src/domain/evaluate.ts';
import { KeyCache } from '../../src/domain/key-cache.ts';
import { buildCatalog } from '../../src/domain/catalog.ts';
import { demoPark } from '../../src/domain/demo-park.ts';
import { parseTappedAt } from '../../src/domain/rfc3339.ts';
import { signTap } from '../../src/domain/signing.ts';
import type { Catalog, Evaluation, StalenessBounds, Tap } from '../../src/domain/types.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const park = demoPark(pem);
const catalog = buildCatalog(1, park);
const closedCatalog = buildCatalog(2, { ...park, rides: park.rides.map((r) => ({ ...r, open: r.id !== 'ride-b' })) });
const bounds: StalenessBounds = { maxAgeMs: 60_000, maxFutureMs: 5_000 };
const tappedAt = '2026-11-22T10:00:00+01:00'; // 10:00 in Amsterdam: off-peak
const nowMs = parseTappedAt(tappedAt);

function tap(fields: Partial<Tap> = {}): Tap {
  return { tapId: 'tap-1', customerId: 'customer-1', rideId: 'ride-a', machineId: 'gate-1', tappedAt, ...fields };
}

function signed(fields: Partial<Tap> = {}): Tap {
  const t = tap({ machineId: 'gate-s1', ...fields });
  return { ...t, signature: signTap(t, privateKey) };
}

function evaluate(t: Tap, cat: Catalog = catalog, now = nowMs): Evaluation {
  return evaluateTap(t, cat, now, bounds, new KeyCache({ capacity: 8 }));
}

function reasonOf(e: Evaluation): string {
  return e.ok ? 'ok' : e.reason;
}

describe('evaluateTap: accepted taps', () => {
  it('prices a tap of an unsigned machine', () => {
    expect(evaluate(tap())).toEqual({ tapId: 'tap-1', ok: true, quote: { basePrice: 500, price: 500, rules: [] } });
  });

  it('accepts a tap with a valid signature', () => {
    expect(reasonOf(evaluate(signed()))).toBe('ok');
  });

  it('lets a machine without a key send taps with or without a signature, even a bad one', () => {
    expect(reasonOf(evaluate(tap({ signature: signTap(tap(), stranger.privateKey) })))).toBe('ok');
    expect(reasonOf(evaluate(tap({ signature: 'AAAA' })))).toBe('ok');
  });

  it('treats a null publicKey as no key', () => {
    const cat = buildCatalog(3, { ...park, machines: [{ id: 'gate-1', publicKey: null as unknown as string }] });
    expect(reasonOf(evaluate(tap(), cat))).toBe('ok');
  });

  it('prices with the ride and the tier: season pass at the afternoon peak', () => {
    const t = tap({ customerId: 'customer-3', rideId: 'ride-e', tappedAt: '2026-07-01T12:30:00+02:00' });
    const e = evaluate(t, catalog, parseTappedAt(t.tappedAt));
    expect(e.ok && e.quote).toEqual({
      basePrice: 2_000, price: 1_250,
      rules: [
        { rule: 'afternoon-peak', kind: 'peak', factorBp: 12_500, before: 2_000, after: 2_500 },
        { rule: 'season-pass', kind: 'tier', factorBp: 5_000, before: 2_500, after: 1_250 },
      ],
    });
  });
});

describe('evaluateTap: each rejection', () => {
  it.each([
    ['unknown_machine', tap({ machineId: 'gate-9' })],
    ['invalid_signature', tap({ machineId: 'gate-s1' })],
    ['invalid_signature', tap({ machineId: 'gate-s1', signature: signTap(tap({ machineId: 'gate-s1' }), stranger.privateKey) })],
    ['invalid_signature', { ...signed(), rideId: 'ride-e' }],
    ['invalid_signature', { ...signed(), signature: 'bm90IGEgc2lnbmF0dXJl' }],
    ['invalid_signature', { ...signed(), signature: '!!!!' }],
    ['unknown_customer', tap({ customerId: 'customer-99' })],
    ['unknown_ride', tap({ rideId: 'ride-z' })],
    ['stale_tap', tap({ tappedAt: '2026-11-22T09:58:59+01:00' })],
    ['stale_tap', tap({ tappedAt: '2026-11-22T10:00:06+01:00' })],
    ['stale_tap', tap({ tappedAt: 'yesterday' })],
  ])('%s', (reason, t) => {
    const e = evaluate(t);
    expect(reasonOf(e)).toBe(reason);
    expect(e.ok ? '' : e.message.length).toBeGreaterThan(0);
  });

  it('ride_closed', () => {
    expect(reasonOf(evaluate(tap({ rideId: 'ride-b' }), closedCatalog))).toBe('ride_closed');
  });

  it('invalid_signature when the machine key in the catalog is unreadable', () => {
    const cat = buildCatalog(4, { ...park, machines: [{ id: 'gate-x', publicKey: 'not a pem' }] });
    expect(reasonOf(evaluate(signed({ machineId: 'gate-x' }), cat))).toBe('invalid_signature');
  });

  it('does not find Object.prototype members as catalog entries', () => {
    expect(reasonOf(evaluate(tap({ machineId: 'constructor' })))).toBe('unknown_machine');
    expect(reasonOf(evaluate(tap({ customerId: '__proto__' })))).toBe('unknown_customer');
    expect(reasonOf(evaluate(tap({ rideId: 'toString' })))).toBe('unknown_ride');
  });
});

describe('evaluateTap: order of checks', () => {
  it.each([
    ['unknown_machine', { machineId: 'gate-9', customerId: 'nobody', rideId: 'nothing', tappedAt: '2020-01-01T00:00:00Z' }],
    ['invalid_signature', { machineId: 'gate-s1', customerId: 'nobody', rideId: 'nothing', tappedAt: '2020-01-01T00:00:00Z' }],
    ['unknown_customer', { customerId: 'nobody', rideId: 'nothing', tappedAt: '2020-01-01T00:00:00Z' }],
    ['unknown_ride', { rideId: 'nothing', tappedAt: '2020-01-01T00:00:00Z' }],
    ['ride_closed', { rideId: 'ride-b', tappedAt: '2020-01-01T00:00:00Z' }],
  ])('%s wins over every later failure', (reason, fields) => {
    expect(reasonOf(evaluate(tap(fields), closedCatalog))).toBe(reason);
  });

  it('moves on to the customer once the signature is valid', () => {
    expect(reasonOf(evaluate(signed({ customerId: 'nobody' })))).toBe('unknown_customer');
  });
});

describe('evaluateTap: staleness bounds', () => {
  const t = tap();
  const tapMs = parseTappedAt(t.tappedAt);
  it.each([
    ['exactly maxAgeMs old', tapMs + bounds.maxAgeMs, 'ok'],
    ['1 ms past maxAgeMs', tapMs + bounds.maxAgeMs + 1, 'stale_tap'],
    ['exactly maxFutureMs ahead', tapMs - bounds.maxFutureMs, 'ok'],
    ['1 ms past maxFutureMs', tapMs - bounds.maxFutureMs - 1, 'stale_tap'],
  ])('%s', (_label, now, reason) => {
    expect(reasonOf(evaluate(t, catalog, now))).toBe(reason);
  });
});

describe('evaluateBatch', () => {
  it('answers one evaluation per tap, in order, sharing one key cache', () => {
    const keys = new KeyCache({ capacity: 8 });
    const taps = [signed({ tapId: 'a' }), tap({ tapId: 'b', rideId: 'ride-z' }), signed({ tapId: 'c', rideId: 'ride-c' })];
    const out = evaluateBatch(taps, catalog, nowMs, bounds, keys);
    expect(out.map((e) => [e.tapId, reasonOf(e)])).toEqual([['a', 'ok'], ['b', 'unknown_ride'], ['c', 'ok']]);
    expect(keys.size).toBe(1);
  });

  it('answers an empty array for no taps', () => {
    expect(evaluateBatch([], catalog, nowMs, bounds, new KeyCache({ capacity: 1 }))).toEqual([]);
  });
});
