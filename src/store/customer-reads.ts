/**
 * What a customer's screens read: the outbox (SSE replay after a reconnect) and the tickets, newest first.
 */
import { checkKey } from './check-input.ts';
import { checkLimit, decodeCursor, pageOf } from './page-cursor.ts';
import { notificationFromRow, ticketFromRow } from './rows.ts';
import type { StoreContext } from './statements.ts';
import type { Notification, TicketPage } from './store-types.ts';

/** Notifications with `id > afterId`, oldest first: what an SSE client missed since `Last-Event-ID`. */
export function outboxAfter({ st }: StoreContext, customerId: string, afterId: number, limit: number): Notification[] {
  return st.outboxAfter.all(customerId, checkKey(afterId, 'afterId'), checkLimit(limit)).map(notificationFromRow);
}

/** The id of the customer's latest notification, 0 when there is none. */
export function lastOutboxId({ st }: StoreContext, customerId: string): number {
  return st.lastOutboxId.get(customerId) ?? 0;
}

/**
 * Tickets newest first, in the order their taps were accepted (a replayed tap's ticket sits where its tap was
 * accepted, not where it was replayed).
 */
export function listTickets({ st }: StoreContext, customerId: string, limit: number, cursor?: string): TicketPage {
  const before = decodeCursor(cursor);
  const page = pageOf((n) => st.ticketsBefore.all(customerId, before, n), limit, (row) => row.seq);
  const result: TicketPage = { tickets: page.rows.map(ticketFromRow) };
  if (page.nextCursor !== undefined) result.nextCursor = page.nextCursor;
  return result;
}
