/**
 * What a customer's screens and ticket machines read from the event log: the stream (SSE replay after a
 * reconnect), the tickets newest first, and a tap's outcome.
 */
import type { TapState } from '../domain/types.ts';
import { checkKey } from './check-input.ts';
import { checkLimit, decodeCursor, pageOf } from './page-cursor.ts';
import { notificationFromEvent, tapStateFromEvent, ticketFromEvent } from './rows.ts';
import type { StoreContext } from './statements.ts';
import type { Notification, TicketPage } from './store-types.ts';

/** Stream events with `id > afterId`, oldest first: what an SSE client missed since `Last-Event-ID`. */
export function streamAfter({ st }: StoreContext, customerId: string, afterId: number, limit: number): Notification[] {
  return st.streamAfter.all(customerId, checkKey(afterId, 'afterId'), checkLimit(limit)).map(notificationFromEvent);
}

/** Tickets newest first, in the order they were issued. */
export function listTickets({ st }: StoreContext, customerId: string, limit: number, cursor?: string): TicketPage {
  const before = decodeCursor(cursor);
  const page = pageOf((n) => st.ticketsBefore.all(customerId, before, n), limit, (row) => row.id);
  const result: TicketPage = { tickets: page.rows.map(ticketFromEvent) };
  if (page.nextCursor !== undefined) result.nextCursor = page.nextCursor;
  return result;
}

/** A tap's latest outcome, with the customer it is for; undefined for a tap id never decided. */
export function tapOutcome({ st }: StoreContext, tapId: string): { state: TapState; customerId: string } | undefined {
  const row = st.latestTapEvent.get(tapId);
  if (row === undefined) return undefined;
  const state = tapStateFromEvent(row);
  return state === undefined ? undefined : { state, customerId: row.customer_id };
}
