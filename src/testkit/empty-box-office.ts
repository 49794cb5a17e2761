/**
 * A box office with nothing in it, for engines that are not the real one (the HTTP tests' fake engine, the SSE
 * bench's): every booking, payment and show it is asked about is unknown. `snapshot` answers from `counts` when
 * given, so a test can set what a show has left.
 */
import { BoxOfficeError } from '../box-office/box-office-error.ts';
import type { InventorySnapshot } from '../box-office/inventory-actor.ts';
import type { BoxOfficeApi } from '../pipeline/engine-api.ts';

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
