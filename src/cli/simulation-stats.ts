/**
 * The counters of a simulation run, fed by batch outcomes; the progress line and the summary read them.
 */

import type { BatchOutcome } from './batch-sender.ts';
import { TAP_MIX, type GeneratedTap, type TapKind } from './tap-generator.ts';

export interface HttpErrorCount {
  status: number;
  code: string;
  /** The first message seen with this status and code. */
  message: string;
  /** Requests that ended with it. */
  requests: number;
}

/** Distinct (status, code) pairs kept; any further new pair is counted under one `other` entry. */
const HTTP_ERROR_KINDS_MAX = 16;
/** Distinct rejection reasons kept; any further new reason is counted under `other`. */
const REJECT_REASONS_MAX = 16;

/**
 * @example
 * const stats = new SimulationStats();
 * stats.recordGenerated(batch);
 * stats.recordOutcome({ kind: 'answered', counts }, batch.length);
 * stats.issued; // 95
 */
export class SimulationStats {
  sent = 0;
  requests = 0;
  /** Taps the server answered, by what it decided. */
  issued = 0;
  failed = 0;
  duplicates = 0;
  conflicts = 0;
  /** Taps of requests answered 4xx/5xx (a 429 only once its retries ran out): nothing of them decided. */
  refusedByHttp = 0;
  /** Taps of requests that got no answer (refused, reset, timed out). */
  networkErrors = 0;
  /** Requests that got an HTTP answer, 2xx or not. */
  answeredRequests = 0;
  /** 429 answers that were retried. */
  throttled = 0;
  /** Milliseconds that batches waited before those retries, all added up. */
  throttledWaitMs = 0;
  firstNetworkError: string | undefined;
  readonly mix = Object.fromEntries(TAP_MIX.map(([kind]) => [kind, 0])) as Record<TapKind, number>;
  readonly #rejected = new Map<string, number>();
  readonly #httpErrors = new Map<string, HttpErrorCount>();

  /** Taps the server rejected, all reasons together. */
  get rejected(): number {
    let sum = 0;
    for (const n of this.#rejected.values()) sum += n;
    return sum;
  }

  /** Rejected taps by reason, most frequent first. */
  get rejectedByReason(): Record<string, number> {
    return Object.fromEntries([...this.#rejected].sort(([, a], [, b]) => b - a));
  }

  /** Taps answered with an outcome (200): decided now, or duplicates and conflicts of taps decided before. */
  get answered(): number {
    return this.issued + this.rejected + this.failed + this.duplicates + this.conflicts;
  }

  /** Taps that ended in an HTTP or network error. */
  get errors(): number {
    return this.refusedByHttp + this.networkErrors;
  }

  get httpErrors(): HttpErrorCount[] {
    return [...this.#httpErrors.values()];
  }

  recordGenerated(batch: readonly GeneratedTap[]): void {
    this.sent += batch.length;
    for (const { kind } of batch) this.mix[kind]++;
  }

  /** One request's end (after its retries), carrying `tapCount` taps. */
  recordOutcome(outcome: BatchOutcome, tapCount: number): void {
    this.requests++;
    switch (outcome.kind) {
      case 'answered': {
        const { counts } = outcome;
        this.answeredRequests++;
        this.issued += counts.issued;
        this.failed += counts.failed;
        this.duplicates += counts.duplicate;
        this.conflicts += counts.conflict;
        for (const [reason, n] of counts.rejected) this.#countRejected(reason, n);
        break;
      }
      case 'http-error':
        this.answeredRequests++;
        this.refusedByHttp += tapCount;
        this.#countHttpError(outcome.status, outcome.code, outcome.message);
        break;
      case 'network-error':
        this.networkErrors += tapCount;
        this.firstNetworkError ??= outcome.message;
        break;
    }
  }

  #countRejected(reason: string, n: number): void {
    const key = this.#rejected.has(reason) || this.#rejected.size < REJECT_REASONS_MAX ? reason : 'other';
    this.#rejected.set(key, (this.#rejected.get(key) ?? 0) + n);
  }

  #countHttpError(status: number, code: string, message: string): void {
    let key = `${status} ${code}`;
    if (!this.#httpErrors.has(key) && this.#httpErrors.size >= HTTP_ERROR_KINDS_MAX) {
      key = 'other';
      if (!this.#httpErrors.has(key)) this.#httpErrors.set(key, { status: 0, code: 'other', message: '', requests: 0 });
    }
    const entry = this.#httpErrors.get(key);
    if (entry === undefined) this.#httpErrors.set(key, { status, code, message, requests: 1 });
    else entry.requests++;
  }
}
