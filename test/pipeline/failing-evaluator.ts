/** An evaluator that fails the batches a test picks, as a pool fails when a worker crashes, and passes the rest on. */
import type { Tap } from '../../src/domain/types.ts';
import { EvaluatorError, type Evaluator } from '../../src/workers/evaluator.ts';

/**
 * Wraps `inner`: a batch for which `fails(taps)` is true rejects with an `EvaluatorError`; any other goes to `inner`.
 *
 * @example
 * const h = await startEngine({ evaluator: (o) => failingWhen(new InlineEvaluator(o), (taps) => taps.some(isPoison)) });
 */
export function failingWhen(inner: Evaluator, fails: (taps: readonly Tap[]) => boolean): Evaluator {
  return {
    threads: inner.threads,
    evaluate: (taps, nowMs) => (fails(taps) ? Promise.reject(new EvaluatorError('injected fault: the batch failed')) : inner.evaluate(taps, nowMs)),
    close: () => inner.close(),
  };
}
