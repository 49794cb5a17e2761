/**
 * The worker pool against evaluating on the main thread, with demo-park taps (all valid: each is priced, the peak
 * rule applies). `node --import tsx bench/pool.bench.ts [filter]`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { buildCatalog } from '../src/domain/catalog.ts';
import { demoPark } from '../src/domain/demo-park.ts';
import { signTap } from '../src/domain/signing.ts';
import { DEFAULT_STALENESS, type Evaluation, type Tap } from '../src/domain/types.ts';
import type { Evaluator } from '../src/workers/evaluator.ts';
import { InlineEvaluator } from '../src/workers/inline-evaluator.ts';
import { PoolEvaluator } from '../src/workers/pool-evaluator.ts';
import {
  isMainModule, printTable, runSubjectCases, settingsFromEnv, type SubjectCase, type SubjectResults,
} from './bench-fixtures.ts';
import type { BenchSettings } from './harness.ts';

/** Batches in flight at once, as the pricing actor keeps them (`evaluateConcurrency` 4). */
const IN_FLIGHT = 4;
const THREADS = 2;
/** Server time of every evaluation: 13:30 Amsterdam, inside the demo park's peak. */
const NOW_MS = Date.parse('2026-11-22T13:30:00+01:00');
const MACHINES = ['gate-1', 'gate-2', 'gate-3', 'gate-4'];
const RIDES = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e'];

export const POOL_BASELINES = { unsigned: 'inline.unsigned', signed: 'inline.signed' } as const;

/** Taps `n…n+count-1` of the demo park, a few seconds old; signed by gate-s1 when `key` is given. */
function demoTaps(first: number, count: number, key?: KeyObject): Tap[] {
  const taps: Tap[] = [];
  for (let n = first; n < first + count; n++) {
    const tap: Tap = {
      tapId: `pool-${n}`,
      customerId: `customer-${1 + (n % 6)}`,
      rideId: RIDES[n % RIDES.length] as string,
      machineId: key === undefined ? (MACHINES[n % MACHINES.length] as string) : 'gate-s1',
      tappedAt: new Date(NOW_MS - 5_000 - (n % 1_000)).toISOString().replace('Z', '+00:00'),
    };
    if (key !== undefined) tap.signature = signTap(tap, key);
    taps.push(tap);
  }
  return taps;
}

/** `batchCount` batches of `batchSize` distinct taps. */
function batchesOf(batchCount: number, batchSize: number, key?: KeyObject): Tap[][] {
  return Array.from({ length: batchCount }, (_, b) => demoTaps(b * batchSize, batchSize, key));
}

/**
 * Evaluates every batch with at most `IN_FLIGHT` in flight, starting the next as one finishes (what the pricing
 * actor does), and checks that every tap came back priced.
 */
async function pump(evaluator: Evaluator, batches: readonly Tap[][]): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++] as Tap[];
      const evaluations = await evaluator.evaluate(batch, NOW_MS);
      checkAllPriced(batch, evaluations);
    }
  };
  const lanes: Promise<void>[] = [];
  for (let i = 0; i < IN_FLIGHT; i++) lanes.push(lane());
  await Promise.all(lanes);
}

function checkAllPriced(batch: readonly Tap[], evaluations: readonly Evaluation[]): void {
  if (evaluations.length !== batch.length) {
    throw new Error(`${batch.length} taps gave ${evaluations.length} evaluations`);
  }
  for (const evaluation of evaluations) {
    if (!evaluation.ok) throw new Error(`bench taps must all be valid; got ${JSON.stringify(evaluation)}`);
  }
}

interface Rig {
  key: KeyObject;
  pool: PoolEvaluator;
  inline: InlineEvaluator;
}

function evaluateCase(
  name: string, evaluator: Evaluator, batches: Tap[][], baseline: string | undefined, minCalls: number,
): SubjectCase {
  const taps = batches.reduce((sum, b) => sum + b.length, 0);
  return {
    name,
    messagesPerTask: taps,
    async: true,
    minCalls,
    ...(baseline !== undefined && { baseline }),
    fn: () => pump(evaluator, batches),
    extra: () => ({ batchSize: (batches[0] as Tap[]).length, batchesPerCall: batches.length, inFlight: IN_FLIGHT }),
  };
}

function cases(rig: Rig): SubjectCase[] {
  const { pool, inline } = rig;
  const { unsigned, signed } = POOL_BASELINES;
  return [
    evaluateCase(unsigned, inline, batchesOf(4, 1_000), undefined, 32),
    evaluateCase('pool.unsigned-1', pool, batchesOf(256, 1), unsigned, 16),
    evaluateCase('pool.unsigned-100', pool, batchesOf(16, 100), unsigned, 32),
    evaluateCase('pool.unsigned-1000', pool, batchesOf(4, 1_000), unsigned, 32),
    evaluateCase(signed, inline, batchesOf(4, 1_000, rig.key), undefined, 8),
    evaluateCase('pool.signed-100', pool, batchesOf(16, 100, rig.key), signed, 8),
    evaluateCase('pool.signed-1000', pool, batchesOf(4, 1_000, rig.key), signed, 8),
  ];
}

/**
 * `inline.*`: InlineEvaluator on the main thread (the baselines). `pool.*-N`: PoolEvaluator with 2 worker threads,
 * batches of N taps, 4 batches in flight. `unsigned` taps come from gate-1…4 (catalog lookups and pricing only);
 * `signed` ones from gate-s1 (an Ed25519 check each). One op is one tap evaluated and returned. The target
 * is `pool.signed-1000` ≥ 1.7 × `inline.signed`.
 *
 * @example
 * const results = await runPoolBenches({ timeMs: 1_500, warmupMs: 300, filter: undefined });
 * results['pool.signed-1000']?.ratioToBaseline; // pool / inline, signed taps
 */
export async function runPoolBenches(settings: BenchSettings): Promise<SubjectResults> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const catalog = buildCatalog(1, demoPark(publicKey.export({ type: 'spki', format: 'pem' }).toString()));
  const options = { catalog: () => catalog, bounds: DEFAULT_STALENESS };
  const rig: Rig = {
    key: privateKey,
    pool: new PoolEvaluator({ ...options, threads: THREADS, maxQueue: 64 }),
    inline: new InlineEvaluator(options),
  };
  try {
    // Both workers started (tsx loaded) and holding the catalog before anything is timed.
    await Promise.all(Array.from({ length: 8 }, (_, i) => rig.pool.evaluate(demoTaps(i * 10, 10, privateKey), NOW_MS)));
    return await runSubjectCases(cases(rig), settings);
  } finally {
    await rig.pool.close();
    await rig.inline.close();
  }
}

if (isMainModule(import.meta.url)) {
  const results = await runPoolBenches(settingsFromEnv({ timeMs: 1_500, warmupMs: 300 }));
  printTable('pool (2 threads) vs inline', 'taps/s', results);
  const pool = results['pool.signed-1000'];
  const inline = results[POOL_BASELINES.signed];
  if (pool?.ratioToBaseline !== undefined && inline !== undefined) {
    // On a shared machine the pool may not get its two cores; CPU per tap says what it would do if it did.
    const cores = `cores used: pool ${Number(pool.coresUsed).toFixed(2)}, ` +
      `inline ${Number(inline.coresUsed).toFixed(2)}`;
    const perCore = (Number(inline.cpuUsPerOp) / Number(pool.cpuUsPerOp)).toFixed(3);
    console.log(`pool.signed-1000 / inline.signed = ${pool.ratioToBaseline.toFixed(3)} (target ≥ 1.7); ${cores}; ` +
      `inline CPU per tap / pool CPU per tap = ${perCore} (× ${THREADS} threads on free cores)`);
  }
}
