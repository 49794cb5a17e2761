/**
 * The box office's metrics: what happened to bookings (each committed event of the saga, by type), what buyers were
 * refused (by code), and, read at scrape time from each live show's inventory actor, how many places of each
 * category are held, sold and left. Labels are bounded: event types and refusal codes are fixed lists, and shows are
 * those whose actor is running (the ones booked since the start).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CategoryAvailability } from '../box-office/inventory-types.ts';
import { STREAM_EVENT_TYPES_V5 } from '../store/box-office-schema.ts';
import type { Notification } from '../store/store-types.ts';

/** The box office, as far as metrics read it (`BoxOffice` is one). */
export interface BoxOfficeSource {
  liveShows(): Promise<Array<{ showId: string; available: CategoryAvailability[] }>>;
}

/** The box office's event types: every committed notification is looked up here (taps' at 40,000 a second). */
const BOX_OFFICE_EVENTS: ReadonlySet<string> = new Set(
  STREAM_EVENT_TYPES_V5.filter((type) => type !== 'ticket.issued' && type !== 'ticket.rejected' && type !== 'balance.changed'),
);

/**
 * @example
 * const boxOffice = new BoxOfficeMetrics(registry);
 * boxOffice.committed(notifications); // counts booking.held, payment.succeeded, …
 * boxOffice.refused('sold_out');
 */
export class BoxOfficeMetrics {
  readonly #events: Counter<'type'>;
  readonly #refusals: Counter<'code'>;
  #source: BoxOfficeSource | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#events = new Counter({
      name: 'ticketd_box_office_events_total',
      help: 'Box-office events committed, by type: booking.held, booking.confirmed, booking.expired, booking.cancelled, '
        + 'payment.succeeded, payment.failed, payment.refunded, ticket.checked_in, waitlist.offered.',
      labelNames: ['type'], registers,
    });
    this.#refusals = new Counter({
      name: 'ticketd_booking_refusals_total',
      help: 'Booking requests refused, by code (sold_out, seats_taken, show_not_on_sale, overloaded, ...).',
      labelNames: ['code'], registers,
    });
    const source = (): BoxOfficeSource | undefined => this.#source;
    new Gauge({
      name: 'ticketd_show_places',
      help: 'Places of each category of each show with a running inventory actor, by state: held, sold, available.',
      labelNames: ['show', 'category', 'state'], registers,
      async collect() {
        this.reset();
        for (const { showId, available } of (await source()?.liveShows()) ?? []) {
          for (const c of available) {
            this.set({ show: showId, category: c.categoryId, state: 'held' }, c.held);
            this.set({ show: showId, category: c.categoryId, state: 'sold' }, c.sold);
            this.set({ show: showId, category: c.categoryId, state: 'available' }, c.available);
          }
        }
      },
    });
  }

  /** Reads the live shows' places from `source` at every scrape. */
  watch(source: BoxOfficeSource): void {
    this.#source = source;
  }

  /** Counts the box-office events of a committed batch of notifications (others are the tap path's). */
  committed(notifications: readonly Notification[]): void {
    for (const n of notifications) if (BOX_OFFICE_EVENTS.has(n.type)) this.#events.inc({ type: n.type });
  }

  refused(code: string): void {
    this.#refusals.inc({ code });
  }
}
