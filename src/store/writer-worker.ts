/**
 * The writer thread: its own SQLite connection for the journal, the group commit, top-ups and customers,
 * exposed with comlink. Store errors cross the thread as `{ code, message }` (an Error's class and fields do
 * not survive structured cloning), and become StoreErrors again on the other side.
 */
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Customer, Tap } from '../domain/types.ts';
import { randomIds } from '../platform/ids.ts';
import { StoreError } from './store-error.ts';
import type { CommitResult, CustomerInput, JournalResult, Outcome, TopUpResult } from './store-types.ts';
import { TicketStore } from './ticket-store.ts';

export type Answer<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

let store: TicketStore | undefined;

function answer<T>(work: (store: TicketStore) => T): Answer<T> {
  if (store === undefined) return { ok: false, code: 'ERR_STORE_CLOSED', message: 'the writer has no open store' };
  try {
    return { ok: true, value: work(store) };
  } catch (error) {
    if (error instanceof StoreError) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: 'ERR_WRITER', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

export const writerApi = {
  open(dataDir: string, busyTimeoutMs: number): Answer<true> {
    store = TicketStore.open({ dataDir, ids: randomIds, busyTimeoutMs });
    return { ok: true, value: true };
  },
  journalTaps: (taps: Tap[], nowMs: number): Answer<JournalResult[]> => answer((s) => s.journalTaps(taps, nowMs)),
  commitOutcomes: (outcomes: Outcome[], nowMs: number): Answer<CommitResult> => answer((s) => s.commitOutcomes(outcomes, nowMs)),
  topUp: (customerId: string, topUpId: string, amount: number, nowMs: number): Answer<TopUpResult> =>
    answer((s) => s.topUp(customerId, topUpId, amount, nowMs)),
  upsertCustomer: (id: string, input: CustomerInput, nowMs: number): Answer<{ customer: Customer; created: boolean }> =>
    answer((s) => s.upsertCustomer(id, input, nowMs)),
  close(): Answer<true> {
    store?.close();
    store = undefined;
    return { ok: true, value: true };
  },
};

export type WriterApi = typeof writerApi;

if (parentPort !== null) Comlink.expose(writerApi, nodeEndpoint(parentPort));
