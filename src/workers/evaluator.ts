import type { Catalog, Evaluation, StalenessBounds, Tap } from '../domain/types.ts';

/**
 * Validates and prices batches of taps. `PoolEvaluator` spreads them over worker threads (piscina);
 * `InlineEvaluator` runs them on the calling thread (tests, and `--workers 0`).
 */
export interface Evaluator {
  evaluate(taps: Tap[], nowMs: number): Promise<Evaluation[]>;
  close(): Promise<void>;
  readonly threads: number;
}

export interface EvaluatorOptions {
  /** The current catalog; called per batch, so a change reaches the workers with the next batch. */
  catalog: () => Catalog;
  bounds: StalenessBounds;
}

export class EvaluatorError extends Error {
  readonly code = 'ERR_EVALUATOR_FAILED';
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'EvaluatorError';
  }
}
