import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { TapGenerator, TAP_MIX, STALE_AGE_MS, type GeneratedTap, type TapKind } from '../../src/cli/tap-generator.ts';
import { buildCatalog } from '../../src/domain/catalog.ts';
import { demoPark } from '../../src/domain/demo-park.ts';
import { evaluateTap } from '../../src/domain/evaluate.ts';
import { KeyCache } from '../../src/domain/key-cache.ts';
import { parseTappedAt } from '../../src/domain/rfc3339.ts';
import { verifyTapSignature } from '../../src/domain/signing.ts';
import { parseTapsBody } from '../../src/domain/tap-input.ts';
import { DEFAULT_STALENESS } from '../../src/domain/types.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const catalog = buildCatalog(1, demoPark(publicKey.export({ type: 'spki', format: 'pem' }).toString()));
const NOW_MS = Date.UTC(2026, 10, 22, 9, 0, 0, 250);
const SEED = 20_261_122;

function generator(seed: number, signing: boolean): TapGenerator {
  return new TapGenerator({
    seed, runId: 'r1', customerCount: 6, unsignedMachineCount: 4, duplicatePoolSize: 1_000,
    utcOffsetMinutes: () => 60, ...(signing ? { signingKey: privateKey } : {}),
  });
}

function batches(g: TapGenerator, count: number, size: number): GeneratedTap[][] {
  return Array.from({ length: count }, (_, i) => g.nextBatch(size, NOW_MS + i * 100));
}

function counts(taps: GeneratedTap[]): Record<TapKind, number> {
  const result = Object.fromEntries(TAP_MIX.map(([kind]) => [kind, 0])) as Record<TapKind, number>;
  for (const { kind } of taps) result[kind]++;
  return result;
}

describe('TapGenerator', () => {
  it('is a pure function of its seed', () => {
    expect(batches(generator(SEED, true), 20, 50)).toEqual(batches(generator(SEED, true), 20, 50));
    expect(batches(generator(SEED + 1, true), 20, 50)).not.toEqual(batches(generator(SEED, true), 20, 50));
  });

  it('keeps the documented mix within tolerance', () => {
    const all = batches(generator(SEED, true), 200, 100).flat();
    const share = counts(all);
    for (const [kind, perMille] of TAP_MIX) {
      const tolerance = perMille >= 100 ? 15 : 5;
      expect(Math.abs((share[kind] / all.length) * 1_000 - perMille), `${kind}: ${share[kind]}`).toBeLessThan(tolerance);
    }
  });

  it('sends the signed share unsigned when it has no key', () => {
    const all = batches(generator(SEED, false), 100, 100).flat();
    const share = counts(all);
    expect(share.signed).toBe(0);
    expect(Math.abs(share.valid / all.length - 0.9)).toBeLessThan(0.015);
    const fromS1 = all.filter(({ kind, tap }) => kind !== 'duplicate' && tap.machineId === 'gate-s1');
    expect(fromS1.every(({ kind }) => kind === 'bad-signature')).toBe(true);
  });

  it('makes batches that pass parseTapsBody', () => {
    for (const batch of batches(generator(SEED, true), 50, 100)) {
      const result = parseTapsBody(JSON.parse(JSON.stringify(batch.map(({ tap }) => tap))));
      expect(result.ok, result.ok ? '' : result.error.message).toBe(true);
    }
  });

  it('makes each kind of tap meet the fate it is named after', () => {
    const expected: Record<TapKind, string> = {
      valid: 'ok', signed: 'ok', duplicate: 'ok', 'unknown-ride': 'unknown_ride',
      'unknown-customer': 'unknown_customer', 'bad-signature': 'invalid_signature', stale: 'stale_tap',
    };
    const keys = new KeyCache({ capacity: 8 });
    const seen = new Set<TapKind>();
    for (const { kind, tap } of batches(generator(SEED, true), 30, 100).flat()) {
      if (kind === 'duplicate') continue;
      const evaluation = evaluateTap(tap, catalog, NOW_MS + 3_000, DEFAULT_STALENESS, keys);
      expect(evaluation.ok ? 'ok' : evaluation.reason, `${kind} ${tap.tapId}`).toBe(expected[kind]);
      seen.add(kind);
    }
    expect(seen.size).toBe(6);
  });

  it('signs signed taps with gate-s1 key and gives bad-signature taps a well-formed wrong one', () => {
    const all = batches(generator(SEED, true), 20, 100).flat();
    const signed = all.filter(({ kind }) => kind === 'signed');
    const bad = all.filter(({ kind }) => kind === 'bad-signature');
    expect(signed.length).toBeGreaterThan(0);
    expect(bad.length).toBeGreaterThan(0);
    for (const { tap } of signed) expect(verifyTapSignature(tap, publicKey)).toBe(true);
    for (const { tap } of bad) {
      expect(tap.signature).toHaveLength(88);
      expect(verifyTapSignature(tap, publicKey)).toBe(false);
    }
  });

  it('writes tappedAt as now (stale taps a week earlier) in RFC 3339 with the offset', () => {
    const [batch] = batches(generator(SEED, true), 1, 200);
    for (const { kind, tap } of batch ?? []) {
      expect(tap.tappedAt).toMatch(/\+01:00$/);
      expect(parseTappedAt(tap.tappedAt)).toBe(kind === 'stale' ? NOW_MS - STALE_AGE_MS : NOW_MS);
    }
  });

  it('repeats an earlier batch tap, unchanged, as a duplicate and fresh ids are unique', () => {
    const all = batches(generator(SEED, true), 100, 50);
    const earlier = new Map<string, unknown>();
    let duplicates = 0;
    for (const batch of all) {
      const ids = batch.map(({ tap }) => tap.tapId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const { kind, tap } of batch) {
        if (kind === 'duplicate') {
          duplicates++;
          expect(earlier.get(tap.tapId)).toEqual(tap);
        } else {
          expect(earlier.has(tap.tapId)).toBe(false);
        }
      }
      for (const { kind, tap } of batch) if (kind !== 'duplicate') earlier.set(tap.tapId, tap);
    }
    expect(duplicates).toBeGreaterThan(50);
  });

  it('has no duplicates in the first batch', () => {
    const [first] = batches(generator(SEED, true), 1, 1_000);
    expect(counts(first ?? []).duplicate).toBe(0);
  });

  it('rejects options that are not positive integers, naming the option', () => {
    const options = { seed: 1, runId: 'x', customerCount: 0, unsignedMachineCount: 4, duplicatePoolSize: 10 };
    expect(() => new TapGenerator(options))
      .toThrow(/customerCount/);
  });
});
