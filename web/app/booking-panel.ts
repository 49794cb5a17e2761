/**
 * "Your booking": the booking the customer is looking at, kept current by the customer's event stream. A card
 * booking answers `held` and turns `confirmed` when the provider's webhook arrives (`payment.succeeded`, then
 * `booking.confirmed`); while held, a countdown to `holdExpiresAt`. A confirmed booking shows its tickets, each with
 * the QR code of its signed secret. Held or confirmed, it can be cancelled (with `If-Match` on the version shown, so
 * a cancel never applies to a booking changed meanwhile); one held without a payment (a waiting-list offer) can be
 * paid by wallet or card.
 */
import { api, ApiError, el, money } from '../shared/api.ts';
import { BOOKING_STATUS_TEXT, places, type Booking, type PaymentMethod, type PaymentNotice } from './box-office-types.ts';
import { ticketQr } from './ticket-qr.ts';

const COUNTDOWN_TICK_MS = 1_000;

/**
 * @example
 * const panel = new BookingPanel(document.getElementById('booking-section')!, (id) => names.get(id) ?? id, (b) => list.upsert(b));
 * await panel.show(await api<Booking>('POST', '/v1/bookings', body, { 'idempotency-key': key }));
 * panel.event('booking.confirmed', data); // from the EventSource
 */
export class BookingPanel {
  #booking: Booking | undefined;
  #offered = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Renders run in order; an older one still drawing QR codes gives way to a newer one. */
  #render = 0;

  /** `showName` names a booking's show; `onChange` hears of every booking seen, shown or not. */
  constructor(readonly section: HTMLElement, readonly showName: (showId: string) => string, readonly onChange: (booking: Booking) => void) {}

  /** Shows `booking`, unless what is shown is a newer version of it; settles once it is drawn. */
  async show(booking: Booking, options: { offered?: boolean } = {}): Promise<void> {
    const current = this.#booking;
    if (current?.id === booking.id && current.version > booking.version) return;
    this.#offered = options.offered ?? (current?.id === booking.id && this.#offered);
    const news = current?.id !== booking.id || current.status !== booking.status;
    this.#booking = booking;
    if (news) $news(this.section).textContent = `Booking ${booking.id}: ${BOOKING_STATUS_TEXT[booking.status]}`;
    this.onChange(booking);
    this.section.hidden = false;
    await this.#draw(booking);
  }

  /** Follows an event of the customer's stream (`booking.*`, `payment.*`, `waitlist.offered`). */
  event(type: string, data: unknown): void {
    if (type === 'waitlist.offered') {
      void this.show((data as { booking: Booking }).booking, { offered: true });
    } else if (type.startsWith('booking.')) {
      const booking = data as Booking;
      if (booking.id === this.#booking?.id) void this.show(booking);
      else this.onChange(booking);
    } else if (type.startsWith('payment.')) {
      // A payment's event names its booking's new version, not the booking: read it when it is the one shown.
      const { booking } = data as PaymentNotice;
      if (booking.id === this.#booking?.id && booking.version > this.#booking.version) void this.open(booking.id);
    }
  }

  /** Reads a booking and shows it. */
  async open(id: string): Promise<void> {
    try {
      await this.show(await api<Booking>('GET', `/v1/bookings/${encodeURIComponent(id)}`));
    } catch (error) {
      this.#error(error);
    }
  }

  async #draw(booking: Booking): Promise<void> {
    const render = ++this.#render;
    const tickets = await Promise.all(booking.tickets.filter((ticket) => ticket.status === 'valid').map(async (ticket) => {
      const where = ticket.seat === undefined ? ticket.categoryId : `Seat ${ticket.seat} · ${ticket.categoryId}`;
      return el('li', { class: 'ticket', 'data-ticket': ticket.id },
        await ticketQr(ticket.secret, `QR code of the ticket for ${where}`),
        el('span', {}, el('strong', {}, where), el('span', { class: 'meta' }, `ticket ${ticket.id}`)));
    }));
    if (render !== this.#render) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const body: Array<Node> = [];
    if (this.#offered && booking.status === 'held') {
      body.push(el('p', { class: 'offer' }, 'Places came back and are held for you from the waiting list: pay before the hold ends to keep them.'));
    }
    body.push(
      el('p', { class: 'booking-line' }, el('strong', { class: `status status-${booking.status}`, 'data-testid': 'booking-status' }, BOOKING_STATUS_TEXT[booking.status]),
        ` ${this.showName(booking.showId)}: ${places(booking)} · ${money(booking.total, booking.currency)}`),
      el('p', { class: 'meta' }, this.#paymentText(booking)),
    );
    if (booking.status === 'held') body.push(this.#countdown(booking), ...this.#payButtons(booking));
    if (tickets.length > 0) body.push(el('ol', { class: 'tickets', 'data-testid': 'booking-tickets', 'aria-label': 'Tickets' }, ...tickets));
    if (booking.status === 'held' || booking.status === 'confirmed') {
      const cancel = el('button', { type: 'button', class: 'secondary' }, 'Cancel booking');
      cancel.addEventListener('click', () => void this.#cancel(booking));
      body.push(cancel);
    }
    body.push(el('p', { class: 'error', role: 'alert', id: 'booking-error' }));
    $box(this.section).replaceChildren(...body);
  }

  #paymentText(booking: Booking): string {
    const payment = booking.payments.at(-1);
    if (payment === undefined) return booking.status === 'held' ? 'Not paid yet' : `booking ${booking.id}`;
    const how = payment.method === 'card' ? 'Card' : 'Wallet';
    const what = payment.status === 'pending' ? 'payment pending…' : payment.status.replace('_', ' ');
    return `${how} ${what}${payment.failureReason === undefined ? '' : ` (${payment.failureReason})`} · booking ${booking.id}`;
  }

  /** "Held for 14:59", counting down to the hold's end; the server expires it there (`booking.expired`). */
  #countdown(booking: Booking): HTMLElement {
    const timer = el('p', { role: 'timer', class: 'countdown', 'data-testid': 'hold-countdown' });
    const ends = Date.parse(booking.holdExpiresAt);
    const tick = () => {
      const leftS = Math.max(0, Math.ceil((ends - Date.now()) / 1_000));
      timer.textContent = leftS > 0 ? `Held for ${Math.floor(leftS / 60)}:${String(leftS % 60).padStart(2, '0')}` : 'The hold has ended';
      if (leftS === 0) clearInterval(this.#timer);
    };
    tick();
    this.#timer = setInterval(tick, COUNTDOWN_TICK_MS);
    return timer;
  }

  #payButtons(booking: Booking): HTMLElement[] {
    if (booking.payments.some((payment) => payment.status === 'pending' || payment.status === 'succeeded')) return [];
    return (['wallet', 'card'] as const).map((method) => {
      const button = el('button', { type: 'button' }, `Pay with ${method}`);
      button.addEventListener('click', () => void this.#pay(booking, method));
      return button;
    });
  }

  async #pay(booking: Booking, method: PaymentMethod): Promise<void> {
    try {
      await this.show(await api<Booking>('POST', `/v1/bookings/${encodeURIComponent(booking.id)}/pay`, { method }));
    } catch (error) {
      this.#error(error);
    }
  }

  async #cancel(booking: Booking): Promise<void> {
    try {
      await this.show(await api<Booking>('POST', `/v1/bookings/${encodeURIComponent(booking.id)}/cancel`, undefined, { 'if-match': `"${booking.version}"` }));
    } catch (error) {
      // Changed meanwhile (a payment landed): show it as it is now, and let the customer decide again.
      if (error instanceof ApiError && error.code === 'version_mismatch') await this.open(booking.id);
      this.#error(error);
    }
  }

  #error(error: unknown): void {
    const line = this.section.querySelector('#booking-error');
    if (line !== null) line.textContent = error instanceof Error ? error.message : String(error);
  }
}

/** The panel's line for screen readers: a status change is said once, not the whole panel again. */
function $news(section: HTMLElement): HTMLElement {
  const news = section.querySelector<HTMLElement>('[aria-live]');
  if (news === null) throw new Error('the booking section has no live line');
  return news;
}

/** The panel's body, under its heading. */
function $box(section: HTMLElement): HTMLElement {
  const box = section.querySelector<HTMLElement>('[data-testid="booking"]');
  if (box === null) throw new Error('the booking section has no [data-testid="booking"] box');
  return box;
}
