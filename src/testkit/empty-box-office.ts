/**
 * A box office (and an inbox and event feed) with nothing in it, for engines that are not the real one (the HTTP tests' fake engine, the SSE
 * bench's): every booking, payment and show it is asked about is unknown. `snapshot` answers from `counts` when
 * given, so a test can set what a show has left.
 */
import { BoxOfficeError } from '../box-office/box-office-error.ts';
import type { InventorySnapshot } from '../box-office/inventory-actor.ts';
import type { BoxOfficeApi, EngineApi } from '../pipeline/engine-api.ts';
import { StoreError } from '../store/store-error.ts';

/**
 * An inbox with nothing in it, for the same engines: every page is empty and nothing can be marked read.
 *
 * @example
 * emptyInbox().page('c-1', { limit: 10 }); // { notifications: [], unreadCount: 0, readUpTo: 0 }
 */
export function emptyInbox(): EngineApi['inbox'] {
  return {
    page: () => ({ notifications: [], unreadCount: 0, readUpTo: 0 }),
    markRead: (customerId, upTo) => {
      throw new StoreError('ERR_INVALID_ARGUMENT', `upTo ${upTo} is not a notification of ${customerId}`);
    },
  };
}

/**
 * A feed with no events, for the same engines: every page is empty and its cursor stays where it was asked.
 *
 * @example
 * emptyFeed()({ after: 7 }); // { events: [], nextCursor: '7' }
 */
export function emptyFeed(): EngineApi['feed'] {
  return (query) => ({ events: [], nextCursor: String(query.after ?? 0) });
}

/**
 * @example
 * const office = emptyBoxOffice();
 * await office.book(request); // throws BoxOfficeError 'unknown_show'
 */
export function emptyBoxOffice(counts: (showId: string) => InventorySnapshot | undefined = () => undefined): BoxOfficeApi {
  const unknown = (code: 'unknown_show' | 'unknown_booking' | 'unknown_payment', id: string) => Promise.reject(new BoxOfficeError(code, `no such ${code.slice(8)} '${id}'`));
  return {
    book: (request) => unknown('unknown_show', request.showId),
    pay: (bookingId) => unknown('unknown_booking', bookingId),
    cancel: (bookingId) => unknown('unknown_booking', bookingId),
    getBooking: () => undefined,
    listBookings: () => ({ bookings: [] }),
    getPayment: () => undefined,
    snapshot: (showId) => Promise.resolve(counts(showId)),
    joinWaitingList: (showId) => unknown('unknown_show', showId),
    applyProviderEvent: (event) => unknown('unknown_payment', event.paymentId),
    checkIn: () => Promise.resolve({ result: 'unknown_ticket' }),
    checkInList: () => undefined,
  };
}
