/**
 * The box office's answers as the customer's app reads them (`GET /v1/shows`, `GET /v1/shows/:id`, the bookings'
 * routes and their `booking.*`, `payment.*` and `waitlist.offered` events): the shapes of src/http/api/show-api.ts
 * and booking-api.ts, built on the server's own types (type-only imports, erased by the build).
 */
import type { Booking, BookingPayment, BookingTicket, PaymentNoticeData } from '../../src/box-office/booking-types.ts';
import type { Show as CatalogueShow, ShowCategory } from '../../src/domain/show.ts';

export type { Booking, BookingPayment, BookingTicket };

export interface SeatRow { row: string; seats: number; taken: number[] }

/** A category as `GET /v1/shows` answers it: the catalogue's fields and the inventory's counts. */
export interface Category extends Pick<ShowCategory, 'id' | 'name' | 'price' | 'capacity'> {
  available: number;
  held: number;
  sold: number;
  /** Present for reserved seating: seats `1..seats` of each row, `taken` the numbers held or sold. */
  seatMap?: { rows: SeatRow[] };
}

/** A show as `GET /v1/shows` answers it: the catalogue's fields a buyer reads, and its categories' availability. */
export interface Show extends Pick<CatalogueShow, 'id' | 'name' | 'venue' | 'location' | 'startsAt' | 'status'> {
  categories: Category[];
}

/** A `payment.*` event's data: the payment, and its booking as it stands. */
export type PaymentNotice = PaymentNoticeData;

export type PaymentMethod = 'wallet' | 'card';

/** What a show's status says to a buyer. */
export const SHOW_STATUS_TEXT: Readonly<Record<Show['status'], string>> = {
  draft: 'draft', on_sale: 'on sale', sold_out: 'sold out', ended: 'ended', cancelled: 'cancelled',
};

/** What a booking's status says to its buyer. */
export const BOOKING_STATUS_TEXT: Readonly<Record<Booking['status'], string>> = {
  held: 'held', confirmed: 'confirmed', payment_failed: 'payment failed', expired: 'expired', cancelled: 'cancelled',
};

/** The places of a booking in a line: `A-3, A-4` or `2 × floor`. */
export function places(booking: Pick<Booking, 'items'>): string {
  return booking.items.map((item) => item.seats?.join(', ') ?? `${item.quantity} × ${item.categoryId}`).join('; ');
}
