import type { Tap } from '../domain/types.ts';
import type { Outcome } from '../store/store-types.ts';
import type { Evaluator } from '../workers/evaluator.ts';

export interface IsolationOptions {
  evaluator: Evaluator;
  now: () => number;
  /** Attempts at a single tap before it is given up as `worker_failed`. */
  attempts: number;
}

/**
 * Evaluates a batch; when the pool fails on it (a worker threw, exited or ran out of memory), the batch is split
 * in halves and each half tried again, so one poison tap is cornered in about 2·log2(n) extra tasks while the
 * rest of its batch is evaluated normally. A single tap that keeps failing becomes a `failed` outcome with its
 * attempts and the last error.
 *
 * @example
 * const outcomes = await evaluateIsolated(taps, { evaluator, now: clock.now, attempts: 3 });
 */
export async function evaluateIsolated(taps: Tap[], options: IsolationOptions): Promise<Outcome[]> {
  const firstAtMs = options.now();
  try {
    return await evaluateAll(taps, options);
  } catch (error) {
    if (taps.length === 1) return [await retrySingle(taps[0]!, options, error, firstAtMs)];
    const middle = Math.ceil(taps.length / 2);
    const [left, right] = await Promise.all([
      evaluateIsolated(taps.slice(0, middle), options),
      evaluateIsolated(taps.slice(middle), options),
    ]);
    return left.concat(right);
  }
}

async function evaluateAll(taps: Tap[], options: IsolationOptions): Promise<Outcome[]> {
  const evaluations = await options.evaluator.evaluate(taps, options.now());
  if (evaluations.length !== taps.length) {
    throw new Error(`evaluator answered ${evaluations.length} evaluations for ${taps.length} taps`);
  }
  return taps.map((tap, i) => ({ tap, kind: 'evaluated', evaluation: evaluations[i]! }));
}

async function retrySingle(tap: Tap, options: IsolationOptions, firstError: unknown, firstAtMs: number): Promise<Outcome> {
  let lastError = firstError;
  for (let attempt = 2; attempt <= options.attempts; attempt++) {
    try {
      return (await evaluateAll([tap], options))[0]!;
    } catch (error) {
      lastError = error;
    }
  }
  return {
    tap,
    kind: 'failed',
    reason: 'worker_failed',
    error: lastError instanceof Error ? lastError.message : String(lastError),
    attempts: options.attempts,
    firstAtMs,
  };
}
