import type { ActorRef } from '../actors/actor-ref.ts';
import type { Props } from '../actors/types.ts';
import type { Customer, TapState } from '../domain/types.ts';
import type { Logger } from '../platform/logger.ts';
import { StoreError } from '../store/store-error.ts';
import type { Outcome, TopUpResult } from '../store/store-types.ts';
import type { TicketStore } from '../store/ticket-store.ts';
import type { LedgerMessage, NotifierMessage } from './messages.ts';

export type LedgerReply =
  | { kind: 'none' }
  | { kind: 'customer'; customer: Customer; created: boolean }
  | { kind: 'top-up'; result: TopUpResult }
  | { kind: 'refused'; code: string; message: string };

export interface LedgerDeps {
  store: Pick<TicketStore, 'commitOutcomes' | 'upsertCustomer' | 'topUp'>;
  notifier: ActorRef<NotifierMessage>;
  now: () => number;
  commitBatchMax: number;
  mailboxCapacity: number;
  /** Called after every commit with the decided taps, in commit order. */
  onCommitted: (results: TapState[], outcomeCount: number) => void;
  onCustomerChanged: () => void;
  log: Logger;
}

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
      let pending: Outcome[][] = [];
      let pendingCount = 0;
      let flushQueued = false;
      const queueFlush = (): void => {
        if (flushQueued || pendingCount === 0) return;
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
        receive(message): LedgerReply {
          switch (message.kind) {
            case 'outcomes':
              pending.push(message.outcomes);
              pendingCount += message.outcomes.length;
              queueFlush();
              return { kind: 'none' };
            case 'flush':
              flushQueued = false;
              message.batch ??= take();
              commit(message.batch, deps);
              queueFlush();
              return { kind: 'none' };
            case 'put-customer': {
              const { customer, created } = deps.store.upsertCustomer(message.id, message.input, deps.now());
              deps.onCustomerChanged();
              return { kind: 'customer', customer, created };
            }
            case 'top-up':
              return topUp(message, deps);
          }
        },
      };
    },
  };
}

function commit(batch: Outcome[], deps: LedgerDeps): void {
  if (batch.length === 0) return;
  // A StoreError (busy, I/O) is thrown on: the supervisor restarts the ledger with backoff and the same flush,
  // batch included, is delivered again, up to the delivery limit.
  const { results, notifications } = deps.store.commitOutcomes(batch, deps.now());
  deps.onCommitted(results, batch.length);
  if (notifications.length > 0) deps.notifier.tell({ kind: 'notify', notifications });
}

function topUp(message: Extract<LedgerMessage, { kind: 'top-up' }>, deps: LedgerDeps): LedgerReply {
  try {
    const result = deps.store.topUp(message.customerId, message.topUpId, message.amount, deps.now());
    if (result.status === 'applied') deps.notifier.tell({ kind: 'notify', notifications: [result.notification] });
    return { kind: 'top-up', result };
  } catch (error) {
    if (error instanceof StoreError && (error.code === 'ERR_UNKNOWN_CUSTOMER' || error.code === 'ERR_TOPUP_CONFLICT')) {
      return { kind: 'refused', code: error.code, message: error.message };
    }
    throw error;
  }
}
