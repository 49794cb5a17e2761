/**
 * Dead letters: rejected and failed taps, kept with why and how often they failed, listed newest first, and
 * replayable once each (reopening sets the tap back to pending for the pipeline to run again).
 */
import type { Tap } from '../domain/types.ts';
import { checkTimeMs } from './check-input.ts';
import { decodeCursor, pageOf } from './page-cursor.ts';
import { deadLetterFromRow } from './rows.ts';
import type { StoreContext } from './statements.ts';
import { StoreError } from './store-error.ts';
import type { DeadLetter, DeadLetterPage, DeadLetterQuery } from './store-types.ts';

export function listDeadLetters({ st }: StoreContext, query: DeadLetterQuery): DeadLetterPage {
  const before = decodeCursor(query.cursor);
  const { reason } = query;
  const page = pageOf(
    (n) =>
      reason === undefined ? st.deadLettersBefore.all(before, n) : st.deadLettersByReasonBefore.all(reason, before, n),
    query.limit,
    (row) => row.id,
  );
  const result: DeadLetterPage = { deadLetters: page.rows.map(deadLetterFromRow) };
  if (page.nextCursor !== undefined) result.nextCursor = page.nextCursor;
  return result;
}

export function getDeadLetter({ st }: StoreContext, id: number): DeadLetter | undefined {
  const row = Number.isSafeInteger(id) ? st.deadLetter.get(id) : undefined;
  return row === undefined ? undefined : deadLetterFromRow(row);
}

/** Runs inside a transaction opened by TicketStore: the letter and its tap change together or not at all. */
export function reopenDeadLetter(ctx: StoreContext, id: number, nowMs: number): Tap {
  checkTimeMs(nowMs, 'nowMs');
  const letter = getDeadLetter(ctx, id);
  if (letter === undefined) throw new StoreError('ERR_UNKNOWN_DEAD_LETTER', `no dead letter ${id}`);
  if (letter.status === 'replayed') throw new StoreError('ERR_ALREADY_REPLAYED', `dead letter ${id} was replayed`);
  if (ctx.st.reopenTap.run(letter.tapId).changes !== 1) {
    // Only a rejected or failed tap goes back to pending: one that is pending or issued must not run again.
    throw new StoreError('ERR_TAP_NOT_REPLAYABLE', `tap ${letter.tapId} is not rejected or failed`);
  }
  ctx.st.markReplayed.run(id);
  return letter.tap;
}
