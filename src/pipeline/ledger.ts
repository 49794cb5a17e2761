import type { ActorRef } from '../actors/actor-ref.ts';
import type { Props } from '../actors/types.ts';
import type { Customer } from '../domain/types.ts';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { runSoon } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { StoreError, type StoreErrorCode } from '../store/store-error.ts';
import type { TicketStore } from '../store/ticket-store.ts';
import type { TopUpResult } from '../store/store-types.ts';
import type { Evaluated, LedgerMessage, NotifierMessage, PendingWrite } from './messages.ts';

export type LedgerReply =
  | { kind: 'none' }
  | { kind: 'customer'; customer: Customer; created: boolean }
  | { kind: 'top-up'; result: TopUpResult }
  | { kind: 'refused'; code: string; message: string };

export interface LedgerDeps {
  store: Pick<TicketStore, 'commitOutcomes' | 'commitGroup' | 'upsertCustomer' | 'patchCustomer' | 'topUp'>;
  notifier: ActorRef<NotifierMessage>;
  now: () => number;
  commitBatchMax: number;
  mailboxCapacity: number;
  /** Called after every commit with the number of taps it decided (each has been answered to its submission). */
  onCommitted: (tapCount: number) => void;
  onCustomerChanged: () => void;
  /** Attempts at one group commit while the database is busy or failing, with backoff between them. */
  commitAttempts: number;
  /** A commit failed with a busy or failing database; `abandoned` when it gave up on the batch after its attempts. */
  onStorageTrouble: (error: StoreError, abandoned: Evaluated | undefined) => void;
  log: Logger;
  /** Where each successful commit is recorded (taps by outcome, batch size, times); absent: nothing is. */
  metrics?: PipelineMetrics;
}

const RETRY_BASE_MS = 10;
/** Most box-office writes in one group commit; more wait for the next. */
const WRITES_PER_COMMIT_MAX = 2_000;
const RETRY_CAP_MS = 1_000;

/**
 * The single writer of money: it decides taps and applies top-ups, serially, in group commits. Outcomes that
 * arrive while a commit is being prepared share it; each commit decides and writes its taps in one transaction,
 * and only then is each tap's request told its result and are the notifications handed to the notifier.
 */
export function ledgerProps(deps: LedgerDeps): Props<LedgerMessage, LedgerReply> {
  return {
    name: 'ledger',
    mailbox: { capacity: deps.mailboxCapacity, overflow: 'reject' },
    deliveryLimit: 5,
    create: (ctx) => {
      const pending: Evaluated[] = [];
      let pendingCount = 0;
      const pendingWrites: PendingWrite[] = [];
      let flushQueued = false;
      // While a failed commit waits for its retry, no other batch may commit before it: order is per customer.
      let retrying = false;
      const queueFlush = (): void => {
        if (flushQueued || retrying || (pendingCount === 0 && pendingWrites.length === 0)) return;
        flushQueued = true;
        // Taps come batched by pricing: flush now. Box-office writes come one per request: flush after the event
        // loop's next I/O, so the writes of every request read meanwhile share the commit (and its fsync).
        if (pendingCount > 0 || pendingWrites.length >= WRITES_PER_COMMIT_MAX) ctx.self.tell({ kind: 'flush' });
        else runSoon(() => ctx.self.tell({ kind: 'flush' }));
      };
      const take = (): Evaluated => {
        const batch: Evaluated = { origins: [], outcomes: [] };
        while (pending.length > 0 && (batch.outcomes.length === 0 || batch.outcomes.length + pending[0]!.outcomes.length <= deps.commitBatchMax)) {
          const next = pending.shift()!;
          for (let i = 0; i < next.outcomes.length; i++) {
            batch.origins.push(next.origins[i]!);
            batch.outcomes.push(next.outcomes[i]!);
          }
        }
        pendingCount -= batch.outcomes.length;
        return batch;
      };
      return {
        receive(message): LedgerReply | Promise<LedgerReply> {
          switch (message.kind) {
            case 'outcomes':
              pending.push({ origins: message.origins, outcomes: message.outcomes });
              pendingCount += message.outcomes.length;
              queueFlush();
              return { kind: 'none' };
            case 'write':
              pendingWrites.push({ write: message.write, done: message.done });
              queueFlush();
              return { kind: 'none' };
            case 'flush':
              if (message.attempts === undefined) flushQueued = false;
              else if (!retrying) return { kind: 'none' }; // a retry that a restart made stale
              message.batch ??= take();
              message.writes ??= pendingWrites.splice(0, WRITES_PER_COMMIT_MAX);
              retrying = !commitOrRetry(message as Flush, deps, (delayMs, retry) => ctx.scheduleOnce(delayMs, retry), ctx.runtime.random.next());
              queueFlush();
              return { kind: 'none' };
            case 'put-customer':
              return refusing(['ERR_BALANCE_NOT_SETTABLE'], () => {
                const { customer, created } = deps.store.upsertCustomer(message.id, message.input, deps.now());
                deps.onCustomerChanged();
                return { kind: 'customer', customer, created };
              });
            case 'patch-customer':
              return refusing(['ERR_UNKNOWN_CUSTOMER'], () => {
                const customer = deps.store.patchCustomer(message.id, message.patch);
                deps.onCustomerChanged();
                return { kind: 'customer', customer, created: false };
              });
            case 'top-up':
              return topUp(message, deps);
          }
        },
      };
    },
  };
}

type Flush = Extract<LedgerMessage, { kind: 'flush' }> & { batch: Evaluated; writes: PendingWrite[] };

/**
 * Commits the flush's batch and answers each tap's request. A busy or failing database is an operating error: the
 * same batch is retried after an exponential backoff with jitter, up to `commitAttempts`; then it is given up (its
 * requests are refused, and their machines resend). Returns false while a retry is scheduled.
 */
function commitOrRetry(flush: Flush, deps: LedgerDeps, schedule: (delayMs: number, retry: Flush) => void, jitter: number): boolean {
  const { origins, outcomes } = flush.batch;
  const { writes } = flush;
  if (outcomes.length === 0 && writes.length === 0) return true;
  try {
    const { metrics } = deps;
    const startedMs = metrics === undefined ? 0 : metrics.nowMs();
    const { results, notifications, written } =
      writes.length === 0
        ? { ...deps.store.commitOutcomes(outcomes, deps.now(), metrics?.commitTiming), written: [] }
        : deps.store.commitGroup(outcomes, writes.map((w) => w.write), deps.now(), metrics?.commitTiming);
    if (outcomes.length > 0) metrics?.committed(results, startedMs);
    for (let i = 0; i < origins.length; i++) {
      const origin = origins[i]!;
      origin.submission.decided(origin.index, results[i]!);
    }
    if (outcomes.length > 0) deps.onCommitted(outcomes.length);
    const all = notifications.slice();
    for (let i = 0; i < writes.length; i++) {
      const outcome = written[i]!;
      if (outcome.ok) all.push(...outcome.notifications);
      writes[i]!.done(outcome);
    }
    if (all.length > 0) deps.notifier.tell({ kind: 'notify', notifications: all });
    return true;
  } catch (error) {
    if (!(error instanceof StoreError) || (error.code !== 'ERR_STORE_BUSY' && error.code !== 'ERR_STORE_IO')) throw error;
    const attempts = (flush.attempts ?? 0) + 1;
    if (attempts >= deps.commitAttempts) {
      deps.onStorageTrouble(error, flush.batch);
      for (const w of writes) w.done(error);
      return true;
    }
    deps.onStorageTrouble(error, undefined);
    const delayMs = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempts - 1)) * (0.75 + jitter / 2);
    schedule(Math.round(delayMs), { kind: 'flush', batch: flush.batch, writes, attempts });
    return false;
  }
}

function topUp(message: Extract<LedgerMessage, { kind: 'top-up' }>, deps: LedgerDeps): LedgerReply {
  return refusing(['ERR_UNKNOWN_CUSTOMER', 'ERR_TOPUP_CONFLICT', 'ERR_BALANCE_LIMIT'], () => {
    const result = deps.store.topUp(message.customerId, message.topUpId, message.amount, deps.now(), message.requestId);
    if (result.status === 'applied') deps.notifier.tell({ kind: 'notify', notifications: [result.notification] });
    return { kind: 'top-up', result };
  });
}

/** Runs `write`; a StoreError with one of `codes` is an answer about the data (a refusal), not a failure. */
function refusing(codes: readonly StoreErrorCode[], write: () => LedgerReply): LedgerReply {
  try {
    return write();
  } catch (error) {
    if (error instanceof StoreError && codes.includes(error.code)) {
      return { kind: 'refused', code: error.code, message: error.message };
    }
    throw error;
  }
}
