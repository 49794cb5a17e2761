/**
 * The tap journal: every accepted tap is a row before the gate answers 202, numbered by `seq` in acceptance
 * order, and stays `pending` until the ledger commits its outcome. The unique tap id makes a retried tap a
 * duplicate rather than a second charge.
 */
import type { Tap, TapState } from '../domain/types.ts';
import { checkId, checkKey, checkTimeMs } from './check-input.ts';
import { checkLimit } from './page-cursor.ts';
import { journaledTapFromRow, ticketFromRow } from './rows.ts';
import type { StoreContext } from './statements.ts';
import type { JournaledTap, JournalResult } from './store-types.ts';

/** Runs inside a transaction opened by TicketStore: the whole batch is journaled, or none of it. */
export function journalTaps({ st }: StoreContext, taps: readonly Tap[], nowMs: number): JournalResult[] {
  checkTimeMs(nowMs, 'nowMs');
  const results: JournalResult[] = new Array(taps.length);
  for (let i = 0; i < taps.length; i++) {
    const tap = taps[i] as Tap;
    checkId(tap.tapId, 'tap.tapId');
    const run = st.insertTap.run(
      tap.tapId,
      tap.customerId,
      tap.rideId,
      tap.machineId,
      tap.tappedAt,
      tap.signature ?? null,
      nowMs,
    );
    results[i] =
      run.changes === 1
        ? { tapId: tap.tapId, status: 'accepted', seq: Number(run.lastInsertRowid) }
        : { tapId: tap.tapId, status: 'duplicate' };
  }
  return results;
}

/** Pending taps with `seq > afterSeq`, oldest first: what a restarted pipeline must still run. */
export function pendingTaps({ st }: StoreContext, afterSeq: number, limit: number): JournaledTap[] {
  return st.pendingTaps.all(checkKey(afterSeq, 'afterSeq'), checkLimit(limit)).map(journaledTapFromRow);
}

export function getTapState({ st }: StoreContext, tapId: string): TapState | undefined {
  const row = st.tapStatus.get(tapId);
  if (row === undefined) return undefined;
  const state: TapState = { tapId, status: row.status };
  if (row.reason !== null) state.reason = row.reason;
  if (row.status === 'issued') {
    const ticket = st.ticketBySeq.get(row.seq);
    if (ticket !== undefined) state.ticket = ticketFromRow(ticket);
  }
  return state;
}
