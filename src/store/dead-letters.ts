/**
 * Dead letters: rejected and failed taps, kept with why and how often they failed, listed newest first, and
 * replayable until a replay issues the ticket.
 */
import type { Tap } from '../domain/types.ts';
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

/**
 * The tap of an open dead letter, to run through the pipeline again with `replayOf` set to the letter's id. Nothing
 * is written here: the commit that decides the tap again also marks the letter replayed (issued), or counts one more
 * attempt on it (rejected or failed again), in the same transaction.
 */
export function tapToReplay(ctx: StoreContext, id: number): Tap {
  const letter = getDeadLetter(ctx, id);
  if (letter === undefined) throw new StoreError('ERR_UNKNOWN_DEAD_LETTER', `no dead letter ${id}`);
  if (letter.status === 'replayed') throw new StoreError('ERR_ALREADY_REPLAYED', `dead letter ${id} was replayed`);
  return letter.tap;
}
