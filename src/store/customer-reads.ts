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

/** Most events one tickets page may walk past (rejections, top-ups) before it answers with what it has. */
const TICKET_WALK_MAX = 100_000;

/** Stream events with `id > afterId`, oldest first: what an SSE client missed since `Last-Event-ID`. */
export function streamAfter({ st }: StoreContext, customerId: string, afterId: number, limit: number): Notification[] {
  const after = checkKey(afterId, 'afterId');
  return st.streamAfter.all({ customer: customerId, after, limit: checkLimit(limit) }).map(notificationFromEvent);
}

/** Tickets newest first, in the order they were issued; the cursor is the id of the last ticket handed out. */
export function listTickets({ st }: StoreContext, customerId: string, limit: number, cursor?: string): TicketPage {
  checkLimit(limit);
  let id: number | null | undefined;
  if (cursor === undefined) id = st.headOf.get(customerId);
  else {
    // A cursor names one of this customer's events; another's would walk another customer's chain.
    const from = st.eventById.get(decodeCursor(cursor));
    if (from?.customer_id !== customerId) throw new StoreError('ERR_INVALID_CURSOR', 'cursor is not one this store handed out');
    id = from.prev_id;
  }
  const rows: EventRow[] = [];
  let last: EventRow | undefined;
  for (let walked = 0; id !== null && id !== undefined && rows.length <= limit && walked < TICKET_WALK_MAX; walked++) {
    const row = st.eventById.get(id);
    if (row === undefined) break;
    if (row.type === 'ticket.issued') rows.push(row);
    last = row;
    id = row.prev_id;
  }
  const page: TicketPage = { tickets: rows.slice(0, limit).map(ticketFromEvent) };
  // One more ticket than asked for means there is a next page; a walk stopped by its bound resumes where it stopped.
  if (rows.length > limit) page.nextCursor = encodeCursor(rows[limit - 1]!.id);
  else if (id !== null && id !== undefined && last !== undefined && last.prev_id !== null) page.nextCursor = encodeCursor(last.id);
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
