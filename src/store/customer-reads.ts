/**
 * What a customer's screens and ticket machines read from the event log: the stream (SSE replay after a
 * reconnect), the tickets newest first, and a tap's outcome. A customer's events are found by walking the chain of
 * `prev_id`s back from the customer's head (v3-event-log.ts); a tap's by the tap window.
 */
import type { TapState } from '../domain/types.ts';
import { checkKey } from './check-input.ts';
import { checkLimit, decodeCursor, encodeCursor } from './page-cursor.ts';
import { notificationFromEvent, tapStateFromEvent, ticketFromEvent, type EventRow } from './rows.ts';
import type { StoreContext } from './statements.ts';
import { StoreError } from './store-error.ts';
import type { Notification, TicketPage } from './store-types.ts';

/** Most events one page may walk past (rows it does not keep) before it answers with what it has. */
const CHAIN_WALK_MAX = 100_000;

/** Stream events with `id > afterId`, oldest first: what an SSE client missed since `Last-Event-ID`. */
export function streamAfter({ st }: StoreContext, customerId: string, afterId: number, limit: number): Notification[] {
  const after = checkKey(afterId, 'afterId');
  return st.streamAfter.all({ customer: customerId, after, limit: checkLimit(limit) }).map(notificationFromEvent);
}

/** One page of a customer's events, newest first, walked back along its chain: the rows kept and the next cursor. */
export interface ChainPage {
  rows: EventRow[];
  nextCursor?: string;
}

/**
 * Walks a customer's chain of events back from its head (or from just below `cursor`, one of its events) and keeps
 * the rows `keep` accepts, up to `limit`; it stops at an id at or below `floor` (default 0) and after `walkMax` rows
 * (then `nextCursor` resumes where it stopped). The tickets page and the inbox are this walk with another `keep`.
 *
 * @example
 * walkChain(ctx.st, 'c1', { limit: 20, keep: (row) => row.type === 'ticket.issued' }); // { rows, nextCursor? }
 */
export function walkChain(
  st: StoreContext['st'], customerId: string,
  options: { limit: number; cursor?: string | undefined; keep: (row: EventRow) => boolean; floor?: number; walkMax?: number },
): ChainPage {
  const { limit, keep, floor = 0, walkMax = CHAIN_WALK_MAX } = options;
  checkLimit(limit);
  let id: number | null | undefined;
  if (options.cursor === undefined) id = st.headOf.get(customerId);
  else {
    // A cursor names one of this customer's events; another's would walk another customer's chain.
    const from = st.eventById.get(decodeCursor(options.cursor));
    if (from?.customer_id !== customerId) throw new StoreError('ERR_INVALID_CURSOR', 'cursor is not one this store handed out');
    id = from.prev_id;
  }
  const rows: EventRow[] = [];
  let last: EventRow | undefined;
  for (let walked = 0; id !== null && id !== undefined && id > floor && rows.length <= limit && walked < walkMax; walked++) {
    const row = st.eventById.get(id);
    if (row === undefined) break;
    if (keep(row)) rows.push(row);
    last = row;
    id = row.prev_id;
  }
  // One more row than asked for means there is a next page; a walk stopped by its bound resumes where it stopped.
  if (rows.length > limit) return { rows: rows.slice(0, limit), nextCursor: encodeCursor(rows[limit - 1]!.id) };
  if (id !== null && id !== undefined && id > floor && last !== undefined && last.prev_id !== null) return { rows, nextCursor: encodeCursor(last.id) };
  return { rows };
}

/** Tickets newest first, in the order they were issued; the cursor is the id of the last ticket handed out. */
export function listTickets({ st }: StoreContext, customerId: string, limit: number, cursor?: string): TicketPage {
  const { rows, nextCursor } = walkChain(st, customerId, { limit, cursor, keep: (row) => row.type === 'ticket.issued' });
  const page: TicketPage = { tickets: rows.map(ticketFromEvent) };
  if (nextCursor !== undefined) page.nextCursor = nextCursor;
  return page;
}

/** A tap's latest outcome, with the customer it is for; undefined for a tap the window does not know. */
export function tapOutcome(ctx: StoreContext, tapId: string): { state: TapState; customerId: string } | undefined {
  const row = latestTapEvent(ctx, tapId);
  if (row === undefined) return undefined;
  const state = tapStateFromEvent(row);
  return state === undefined ? undefined : { state, customerId: row.customer_id };
}

/** The latest event of a tap the window remembers, read and confirmed to be that tap's. */
export function latestTapEvent({ st, taps }: StoreContext, tapId: string): EventRow | undefined {
  let latest: EventRow | undefined;
  taps.eventOf(tapId, (eventId) => {
    const row = st.eventById.get(eventId);
    if (row?.tap_id !== tapId) return false;
    latest = row;
    return true;
  });
  return latest;
}
