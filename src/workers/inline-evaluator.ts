import { evaluateBatch } from '../domain/evaluate.ts';
import { KeyCache } from '../domain/key-cache.ts';
import type { Evaluation, Tap } from '../domain/types.ts';
import type { Evaluator, EvaluatorOptions } from './evaluator.ts';

/**
 * Evaluates on the calling thread. Asynchronous like the pool, so callers cannot come to rely on it answering
 * before they continue.
 *
 * @example
 * const evaluator = new InlineEvaluator({ catalog: () => catalog, bounds: DEFAULT_STALENESS });
 * await evaluator.evaluate(taps, clock.now());
 */
export class InlineEvaluator implements Evaluator {
  readonly threads = 0;
  readonly #keys = new KeyCache({ capacity: 4_096 });

  constructor(private readonly options: EvaluatorOptions) {}

  async evaluate(taps: Tap[], nowMs: number): Promise<Evaluation[]> {
    await Promise.resolve();
    return evaluateBatch(taps, this.options.catalog(), nowMs, this.options.bounds, this.#keys);
  }

  async close(): Promise<void> {}
}
