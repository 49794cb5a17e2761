import type { Customer, Tap } from '../domain/types.ts';
import type { TicketStore } from './ticket-store.ts';
import type { CommitResult, CustomerInput, JournalResult, Outcome, TopUpResult } from './store-types.ts';

/**
 * The writes of the hot path and of money: the journal, the group commit, top-ups and customers. Asynchronous,
 * because in production they run on the writer thread (`WriterThread`), off the event loop; tests and
 * `--writer inline` run them on this thread (`inProcessWritePath`).
 */
export interface WritePath {
  journalTaps(taps: Tap[], nowMs: number): Promise<JournalResult[]>;
  commitOutcomes(outcomes: Outcome[], nowMs: number): Promise<CommitResult>;
  topUp(customerId: string, topUpId: string, amount: number, nowMs: number): Promise<TopUpResult>;
  upsertCustomer(id: string, input: CustomerInput, nowMs: number): Promise<{ customer: Customer; created: boolean }>;
  close(): Promise<void>;
}

type WriteMethods = Pick<TicketStore, 'journalTaps' | 'commitOutcomes' | 'topUp' | 'upsertCustomer'>;

/**
 * Runs the writes on this thread, on `store`. Each method looks the store's method up when called, so a test
 * that replaces one (to inject a fault) is heard.
 *
 * @example
 * const writes = inProcessWritePath(store);
 */
export function inProcessWritePath(store: WriteMethods): WritePath {
  return {
    journalTaps: async (taps, nowMs) => store.journalTaps(taps, nowMs),
    commitOutcomes: async (outcomes, nowMs) => store.commitOutcomes(outcomes, nowMs),
    topUp: async (customerId, topUpId, amount, nowMs) => store.topUp(customerId, topUpId, amount, nowMs),
    upsertCustomer: async (id, input, nowMs) => store.upsertCustomer(id, input, nowMs),
    close: async () => {},
  };
}
