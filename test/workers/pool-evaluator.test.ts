import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/domain/catalog.ts';
import { demoPark } from '../../src/domain/demo-park.ts';
import type { Catalog, Tap } from '../../src/domain/types.ts';
import { DEFAULT_STALENESS } from '../../src/domain/types.ts';
import { evaluateIsolated } from '../../src/pipeline/evaluate-isolated.ts';
import { PoolEvaluator } from '../../src/workers/pool-evaluator.ts';
import { generateKeyPairSync } from 'node:crypto';

const NOW = Date.UTC(2026, 10, 22, 9, 0, 0);
const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
const park = demoPark(pem);
let catalog: Catalog = buildCatalog(1, park);
const pool = new PoolEvaluator({ threads: 2, maxQueue: 64, catalog: () => catalog, bounds: DEFAULT_STALENESS });
afterAll(() => pool.close());
/** The real task, except that a tap named `poison-throw`, `poison-exit` or `poison-oom` makes its worker fail so. */
const FAULTY_TASK_FILE = new URL('./fixtures/faulty-task.ts', import.meta.url).href;

const tap = (tapId: string, rideId = 'ride-a'): Tap => ({
  tapId, customerId: 'customer-1', rideId, machineId: 'gate-1', tappedAt: new Date(NOW).toISOString(),
});

describe('PoolEvaluator on real worker threads', () => {
  it('evaluates a batch in a worker', async () => {
    const evaluations = await pool.evaluate([tap('a'), tap('b', 'ride-zz')], NOW);
    expect(evaluations).toEqual([
      { tapId: 'a', ok: true, quote: { basePrice: 500, price: 500, rules: [] } },
      expect.objectContaining({ tapId: 'b', ok: false, reason: 'unknown_ride' }),
    ]);
  });

  it('sends a changed catalog to the workers with the next batch', async () => {
    catalog = buildCatalog(2, { ...park, rides: [...park.rides, { id: 'ride-zz', name: 'New', price: 300, open: true }] });
    const results = await Promise.all([1, 2, 3, 4].map((i) => pool.evaluate([tap(`n${i}`, 'ride-zz')], NOW)));
    expect(results.flat().map((e) => e.ok)).toEqual([true, true, true, true]);
  });

});

describe('a worker that fails on a poison tap', () => {
  let faulty: PoolEvaluator;
  beforeAll(() => {
    faulty = new PoolEvaluator({ threads: 2, maxQueue: 64, catalog: () => catalog, bounds: DEFAULT_STALENESS, taskFile: FAULTY_TASK_FILE });
  });
  afterAll(() => faulty.close());

  it.each(['throw', 'exit'])('a worker that fails with %s on a poison tap is replaced; the rest of the batch is evaluated', async (kind) => {
    const taps = ['p1', 'p2', `poison-${kind}`, 'p4', 'p5'].map((id) => tap(id));
    const outcomes = await evaluateIsolated(taps, { evaluator: faulty, now: () => NOW, attempts: 2 });
    expect(outcomes.map((o) => [o.tap.tapId, o.kind])).toEqual([
      ['p1', 'evaluated'], ['p2', 'evaluated'], [`poison-${kind}`, 'failed'], ['p4', 'evaluated'], ['p5', 'evaluated'],
    ]);
    expect(outcomes[2]).toMatchObject({ reason: 'worker_failed', attempts: 2 });
    expect((await faulty.evaluate([tap('after')], NOW))[0]!.ok).toBe(true);
  });
});

describe('a worker that runs out of memory', () => {
  it('is stopped at its heap cap and replaced; the poison tap fails, the others are evaluated', async () => {
    const small = new PoolEvaluator({
      threads: 1, maxQueue: 16, catalog: () => catalog, bounds: DEFAULT_STALENESS, maxOldGenerationSizeMb: 32, taskFile: FAULTY_TASK_FILE,
    });
    try {
      const outcomes = await evaluateIsolated([tap('m1'), tap('poison-oom'), tap('m3')], { evaluator: small, now: () => NOW, attempts: 1 });
      expect(outcomes.map((o) => o.kind)).toEqual(['evaluated', 'failed', 'evaluated']);
      expect(outcomes[1]).toMatchObject({ reason: 'worker_failed', error: expect.stringMatching(/memory/i) });
    } finally {
      await small.close();
    }
  });
});

describe('SplitEvaluator', () => {
  it('sends only taps of machines with a key to the pool, and answers in the taps’ order', async () => {
    const { SplitEvaluator } = await import('../../src/workers/split-evaluator.ts');
    const { InlineEvaluator } = await import('../../src/workers/inline-evaluator.ts');
    const sentToPool: string[][] = [];
    const counting = { threads: 2, close: async () => {}, evaluate: (taps: Tap[], now: number) => (sentToPool.push(taps.map((t) => t.tapId)), pool.evaluate(taps, now)) };
    const split = new SplitEvaluator(counting, new InlineEvaluator({ catalog: () => catalog, bounds: DEFAULT_STALENESS }), (t) => t.machineId === 'gate-s1');
    const taps = [tap('u1'), { ...tap('s1'), machineId: 'gate-s1' }, tap('u2'), { ...tap('s2'), machineId: 'gate-s1' }];
    const evaluations = await split.evaluate(taps, NOW);
    expect(evaluations.map((e) => e.tapId)).toEqual(['u1', 's1', 'u2', 's2']);
    expect(evaluations.map((e) => (e.ok ? 'ok' : e.reason))).toEqual(['ok', 'invalid_signature', 'ok', 'invalid_signature']);
    expect(sentToPool).toEqual([['s1', 's2']]);
  });
});
