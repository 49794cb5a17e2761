import type { StalenessBounds } from '../domain/types.ts';
import { DEFAULT_STALENESS } from '../domain/types.ts';

/** Every bound of the tap pipeline, in one place. Each is finite; going over one gives a typed answer. */
export interface PipelineOptions {
  /** Taps submitted but not yet decided, across the pipeline; over it, `POST /v1/taps` gets 429. */
  maxInFlightTaps: number;
  /** Requests queued at pricing, the pipeline's intake; over it, `POST /v1/taps` gets 429. */
  intakeMailboxCapacity: number;
  /** Most taps in one worker-pool task. */
  evaluateBatchMax: number;
  /** Most pool tasks in flight at once. */
  evaluateConcurrency: number;
  /** Attempts at evaluating one tap (with batch splitting to isolate it) before it fails as `worker_failed`. */
  evaluateAttempts: number;
  /** Most outcomes committed in one SQLite transaction. */
  commitBatchMax: number;
  /** Attempts at one group commit while SQLite is busy or failing (exponential backoff, 10 ms to 1 s). */
  commitAttempts: number;
  /** While the disk is failing, how often a write is tried to learn whether it works again. */
  storageProbeMs: number;
  /** Longest a request waits for its taps to be decided before it is answered 503 (its machine resends). */
  waitTimeoutMs: number;
  /** Suggested retry delay sent with 429. */
  retryAfterMs: number;
  staleness: StalenessBounds;
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  maxInFlightTaps: 20_000,
  intakeMailboxCapacity: 10_000,
  evaluateBatchMax: 1_000,
  evaluateConcurrency: 4,
  evaluateAttempts: 3,
  commitBatchMax: 4_000,
  commitAttempts: 8,
  storageProbeMs: 1_000,
  waitTimeoutMs: 10_000,
  retryAfterMs: 1_000,
  staleness: DEFAULT_STALENESS,
};

export function resolvePipelineOptions(overrides: Partial<PipelineOptions> = {}): PipelineOptions {
  const options = { ...DEFAULT_PIPELINE_OPTIONS, ...overrides };
  for (const [name, value] of Object.entries(options)) {
    if (name === 'staleness') continue;
    const count = value as number;
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`pipeline option ${name} must be a positive integer, got ${count}`);
    }
  }
  return options;
}
