/**
 * What the ledger's group commits tell Prometheus: taps decided by outcome and reason, taps per commit, the time of
 * a commit and of its COMMIT statement. Recorded once per commit, never per tap: the outcomes of a batch are counted
 * into a tally of plain numbers (no allocation once every outcome and reason has been seen) and added to the
 * counter per label pair at the end.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { TapResult } from '../store/store-types.ts';
import type { CommitTiming } from '../store/ticket-store.ts';

/** Taps per commit: the ledger commits at most `commitBatchMax` (default 4,000) at once. */
const BATCH_TAPS_BUCKETS = [1, 5, 10, 50, 100, 250, 500, 1_000, 2_000, 4_000, 10_000];
const COMMIT_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** A synced 4 KB write takes ~0.19 ms on the machine this was built on; a large WAL commit, tens of ms. */
const SYNC_SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** The label value of outcomes that carry no reason (issued, duplicate, conflict). */
export const NO_REASON = 'none';

interface TallyEntry {
  readonly labels: { outcome: string; reason: string };
  count: number;
}

/**
 * @example
 * const started = pipeline.nowMs();
 * const { results } = store.commitOutcomes(outcomes, nowMs, pipeline.commitTiming);
 * pipeline.committed(results, started);
 */
export class PipelineMetrics {
  /** Handed to `TicketStore.commitOutcomes`, which sets `syncMs` to the time of each commit's COMMIT statement. */
  readonly commitTiming: CommitTiming;
  readonly nowMs: () => number;
  readonly #taps: Counter<'outcome' | 'reason'>;
  readonly #batchTaps: Histogram;
  readonly #commitSeconds: Histogram;
  readonly #syncSeconds: Histogram;
  /** outcome → reason → running count of the commit being recorded; entries are made once and kept. */
  readonly #tally = new Map<string, Map<string, TallyEntry>>();
  readonly #entries: TallyEntry[] = [];

  constructor(registry: Registry, nowMs: () => number) {
    this.nowMs = nowMs;
    this.commitTiming = { now: nowMs, syncMs: 0 };
    const registers = [registry];
    this.#taps = new Counter({
      name: 'ticketd_taps_total',
      help: 'Taps decided by the ledger, by outcome (issued, rejected, failed, duplicate, conflict) and reason '
        + `(the rejection or failure reason; "${NO_REASON}" otherwise). Rejected and failed taps are also dead letters.`,
      labelNames: ['outcome', 'reason'],
      registers,
    });
    this.#batchTaps = new Histogram({
      name: 'ticketd_commit_batch_taps',
      help: 'Taps per group commit (one SQLite transaction).',
      buckets: BATCH_TAPS_BUCKETS,
      registers,
    });
    this.#commitSeconds = new Histogram({
      name: 'ticketd_commit_duration_seconds',
      help: 'Time of a whole group commit: reading wallets, deciding, writing rows and the COMMIT itself.',
      buckets: COMMIT_SECONDS_BUCKETS,
      registers,
    });
    this.#syncSeconds = new Histogram({
      name: 'ticketd_commit_sync_seconds',
      help: 'Time of the COMMIT statement of a group commit: in WAL mode with synchronous=FULL this is where SQLite '
        + 'writes the transaction to the WAL and fsyncs it.',
      buckets: SYNC_SECONDS_BUCKETS,
      registers,
    });
  }

  /** Records a commit that succeeded: its taps by outcome, its size, its time since `startedMs` and its sync time. */
  committed(results: readonly TapResult[], startedMs: number): void {
    this.#commitSeconds.observe((this.nowMs() - startedMs) / 1_000);
    this.#syncSeconds.observe(this.commitTiming.syncMs / 1_000);
    this.#batchTaps.observe(results.length);
    // Neighbouring taps mostly share their outcome: the tally is looked up only when it changes.
    let entry: TallyEntry | undefined;
    for (let i = 0; i < results.length; i++) {
      const result = results[i] as TapResult;
      const reason = result.status === 'rejected' || result.status === 'failed' ? result.reason : NO_REASON;
      if (entry === undefined || entry.labels.outcome !== result.status || entry.labels.reason !== reason) {
        entry = this.#entry(result.status, reason);
      }
      entry.count++;
    }
    for (const entry of this.#entries) {
      if (entry.count === 0) continue;
      this.#taps.inc(entry.labels, entry.count);
      entry.count = 0;
    }
  }

  #entry(outcome: string, reason: string): TallyEntry {
    let byReason = this.#tally.get(outcome);
    if (byReason === undefined) this.#tally.set(outcome, (byReason = new Map<string, TallyEntry>()));
    let entry = byReason.get(reason);
    if (entry === undefined) {
      // Outcomes and reasons are closed sets in the code (domain/types.ts RejectReason, the pipeline's failures).
      entry = { labels: { outcome, reason }, count: 0 };
      byReason.set(reason, entry);
      this.#entries.push(entry);
    }
    return entry;
  }
}
