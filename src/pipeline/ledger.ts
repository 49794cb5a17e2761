import type { ActorRef } from '../actors/actor-ref.ts';
import type { Props } from '../actors/types.ts';
import type { Customer, TapState } from '../domain/types.ts';
import type { Logger } from '../platform/logger.ts';
import { StoreError } from '../store/store-error.ts';
import type { Outcome, TopUpResult } from '../store/store-types.ts';
import type { WritePath } from '../store/write-path.ts';
import type { LedgerMessage, NotifierMessage } from './messages.ts';

export type LedgerReply =
  | { kind: 'none' }
  | { kind: 'customer'; customer: Customer; created: boolean }
  | { kind: 'top-up'; result: TopUpResult }
  | { kind: 'refused'; code: string; message: string };

export interface LedgerDeps {
  store: Pick<WritePath, 'commitOutcomes' | 'upsertCustomer' | 'topUp'>;
  notifier: ActorRef<NotifierMessage>;
  now: () => number;
  commitBatchMax: number;
  mailboxCapacity: number;
  /** Called after every commit with the decided taps, in commit order. */
  onCommitted: (results: TapState[], outcomeCount: number) => void;
  onCustomerChanged: () => void;
  /** Attempts at one group commit while the database is busy or failing, with backoff between them. */
  commitAttempts: number;
  /** A commit failed with a busy or failing database; `abandoned` when it gave up on the batch after its attempts. */
  onStorageTrouble: (error: StoreError, abandoned: Outcome[] | undefined) => void;
  log: Logger;
}

const RETRY_BASE_MS = 10;
const RETRY_CAP_MS = 1_000;

/**
 * The single writer of money: it charges taps and applies top-ups, serially, in group commits. Outcomes that
 * arrive while a commit is being prepared share it; each commit writes tickets, ledger entries, the notification
 * outbox and tap outcomes in one transaction, and only then are the notifications handed to the notifier.
 */
export function ledgerProps(deps: LedgerDeps): Props<LedgerMessage, LedgerReply> {
  return {
    name: 'ledger',
    mailbox: { capacity: deps.mailboxCapacity, overflow: 'reject' },
    deliveryLimit: 5,
    create: (ctx) => {
      const pending: Outcome[][] = [];
      let pendingCount = 0;
      let flushQueued = false;
      // While a failed commit waits for its retry, no other batch may commit before it: order is per customer.
      let retrying = false;
      const queueFlush = (): void => {
        if (flushQueued || retrying || pendingCount === 0) return;
        flushQueued = true;
        ctx.self.tell({ kind: 'flush' });
      };
      const take = (): Outcome[] => {
        const batch: Outcome[] = [];
        while (pending.length > 0 && (batch.length === 0 || batch.length + pending[0]!.length <= deps.commitBatchMax)) {
          for (const outcome of pending.shift()!) batch.push(outcome);
        }
        pendingCount -= batch.length;
        return batch;
      };
      return {
        receive(message): LedgerReply | Promise<LedgerReply> {
          switch (message.kind) {
            case 'outcomes':
              pending.push(message.outcomes);
              pendingCount += message.outcomes.length;
              queueFlush();
              return { kind: 'none' };
            case 'flush':
              if (message.attempts === undefined) flushQueued = false;
              else if (!retrying) return { kind: 'none' }; // a retry that a restart made stale
              message.batch ??= take();
              return commitOrRetry(message as Flush, deps, (delayMs, retry) => ctx.scheduleOnce(delayMs, retry), ctx.runtime.random.next()).then(
                (committed): LedgerReply => {
                  retrying = !committed;
                  queueFlush();
                  return { kind: 'none' };
                },
              );
            case 'put-customer':
              return deps.store.upsertCustomer(message.id, message.input, deps.now()).then(({ customer, created }): LedgerReply => {
                deps.onCustomerChanged();
                return { kind: 'customer', customer, created };
              });
            case 'top-up':
              return topUp(message, deps);
          }
        },
      };
    },
  };
}

type Flush = Extract<LedgerMessage, { kind: 'flush' }> & { batch: Outcome[] };

/**
 * Commits the flush's batch. A busy or failing database is an operating error: the same batch is retried after an
 * exponential backoff with jitter, up to `commitAttempts`; then it is given up (its taps stay pending in SQLite,
 * where recovery finds them). Resolves false while a retry is scheduled.
 */
async function commitOrRetry(flush: Flush, deps: LedgerDeps, schedule: (delayMs: number, retry: Flush) => void, jitter: number): Promise<boolean> {
  if (flush.batch.length === 0) return true;
  try {
    const { results, notifications } = await deps.store.commitOutcomes(flush.batch, deps.now());
    deps.onCommitted(results, flush.batch.length);
    if (notifications.length > 0) deps.notifier.tell({ kind: 'notify', notifications });
    return true;
  } catch (error) {
    if (!(error instanceof StoreError) || (error.code !== 'ERR_STORE_BUSY' && error.code !== 'ERR_STORE_IO')) throw error;
    const attempts = (flush.attempts ?? 0) + 1;
    if (attempts >= deps.commitAttempts) {
      deps.onStorageTrouble(error, flush.batch);
      return true;
    }
    deps.onStorageTrouble(error, undefined);
    const delayMs = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempts - 1)) * (0.75 + jitter / 2);
    schedule(Math.round(delayMs), { kind: 'flush', batch: flush.batch, attempts });
    return false;
  }
}

async function topUp(message: Extract<LedgerMessage, { kind: 'top-up' }>, deps: LedgerDeps): Promise<LedgerReply> {
  try {
    const result = await deps.store.topUp(message.customerId, message.topUpId, message.amount, deps.now());
    if (result.status === 'applied') deps.notifier.tell({ kind: 'notify', notifications: [result.notification] });
    return { kind: 'top-up', result };
  } catch (error) {
    if (error instanceof StoreError && (error.code === 'ERR_UNKNOWN_CUSTOMER' || error.code === 'ERR_TOPUP_CONFLICT')) {
      return { kind: 'refused', code: error.code, message: error.message };
    }
    throw error;
  }
}
