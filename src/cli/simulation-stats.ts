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

/**
 * @example
 * const stats = new SimulationStats();
 * stats.recordGenerated(batch);
 * stats.recordOutcome({ kind: 'answered', accepted: 99, duplicates: 1 }, batch.length);
 * stats.accepted; // 99
 */
export class SimulationStats {
  sent = 0;
  requests = 0;
  accepted = 0;
  duplicates = 0;
  /** Taps of requests answered 4xx/5xx (a 429 only once its retries ran out). */
  rejectedByHttp = 0;
  /** Taps of requests that got no answer (refused, reset, timed out). */
  networkErrors = 0;
  /** Requests that got an HTTP answer, 2xx or not. */
  answeredRequests = 0;
  /** 429 answers that were retried. */
  throttled = 0;
  firstNetworkError: string | undefined;
  readonly mix = Object.fromEntries(TAP_MIX.map(([kind]) => [kind, 0])) as Record<TapKind, number>;
  readonly #httpErrors = new Map<string, HttpErrorCount>();

  /** Taps the server acknowledged with 202, accepted or duplicate. */
  get acknowledged(): number {
    return this.accepted + this.duplicates;
  }

  /** Taps that ended in an HTTP or network error. */
  get errors(): number {
    return this.rejectedByHttp + this.networkErrors;
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
      case 'answered':
        this.answeredRequests++;
        this.accepted += outcome.accepted;
        this.duplicates += outcome.duplicates;
        break;
      case 'http-error':
        this.answeredRequests++;
        this.rejectedByHttp += tapCount;
        this.#countHttpError(outcome.status, outcome.code, outcome.message);
        break;
      case 'network-error':
        this.networkErrors += tapCount;
        this.firstNetworkError ??= outcome.message;
        break;
    }
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
