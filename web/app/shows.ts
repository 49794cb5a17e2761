/**
 * "Shows" and a show's page: what is on (name, venue, date, on sale or sold out), and for one show each category
 * with what is available, held and sold, a seat map for seated categories, "best available N", booking with the
 * wallet or a card, and the waiting list for a category that is sold out. Every booking attempt sends an
 * `Idempotency-Key` of its own, so a retried request can never book twice.
 */
import { api, el, money, randomId } from '../shared/api.ts';
import { SHOW_STATUS_TEXT, type Booking, type Category, type PaymentMethod, type Show } from './box-office-types.ts';
import type { BookingPanel } from './booking-panel.ts';
import { SeatMap } from './seat-map.ts';

const SHOWS_PAGE = 20;
const PLACES_MAX = 10;

type BookingItem = { categoryId: string; seats: string[] } | { categoryId: string; quantity: number; together: boolean };

/** An Idempotency-Key per booking attempt. */
const idempotencyKey = randomId;

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * @example
 * const shows = new ShowsView(listSection, showSection, panel);
 * await shows.load(customerId);
 */
export class ShowsView {
  #customerId = '';
  #names = new Map<string, string>();
  #show: Show | undefined;
  #maps: SeatMap[] = [];

  constructor(readonly listSection: HTMLElement, readonly showSection: HTMLElement, readonly panel: BookingPanel) {}

  /** Lists the shows for `customerId` to book. */
  async load(customerId: string): Promise<void> {
    this.#customerId = customerId;
    this.showSection.hidden = true;
    this.#show = undefined;
    const page = await api<{ shows: Show[] }>('GET', `/v1/shows?limit=${SHOWS_PAGE}`);
    for (const show of page.shows) this.#names.set(show.id, show.name);
    const items = page.shows.map((show) => {
      const open = el('button', { type: 'button', class: 'link', 'data-show': show.id }, show.name);
      open.addEventListener('click', () => void this.open(show.id, true));
      const status = el('span', { class: `badge badge-${show.status}` }, SHOW_STATUS_TEXT[show.status]);
      return el('li', {}, open, ' ', status, el('span', { class: 'meta' }, `${show.venue}, ${show.location} · ${when(show.startsAt)}`));
    });
    this.#list().replaceChildren(...(items.length > 0 ? items : [el('li', { class: 'empty' }, 'No shows on sale')]));
    this.listSection.hidden = false;
  }

  /** Opens a show's page (focusing its heading when the customer asked for it). */
  async open(id: string, focus = false): Promise<void> {
    try {
      this.#draw(await api<Show>('GET', `/v1/shows/${encodeURIComponent(id)}`));
      if (focus) this.showSection.querySelector<HTMLElement>('h2')?.focus();
    } catch (error) {
      this.#list().after(el('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error)));
    }
  }

  /** A show's name, as listed (its id for one not listed). */
  name(showId: string): string {
    return this.#names.get(showId) ?? showId;
  }

  /** Reads the open show again after a booking changed what is left (its own, or an event's). */
  async refresh(booking?: Pick<Booking, 'showId'>): Promise<void> {
    if (this.#show !== undefined && (booking === undefined || booking.showId === this.#show.id)) await this.open(this.#show.id);
  }

  #list(): HTMLElement {
    return this.listSection.querySelector<HTMLElement>('ol') ?? this.listSection;
  }

  #draw(show: Show): void {
    this.#names.set(show.id, show.name);
    const picked = new Set(this.#show?.id === show.id ? this.#maps.flatMap((map) => map.seats()) : []);
    this.#show = show;
    const selection = el('p', { class: 'selection', 'aria-live': 'polite', 'data-testid': 'selection' });
    const bookSeats = el('button', { type: 'button' }, 'Book picked seats') as HTMLButtonElement;
    const summarise = () => {
      const seats = this.#maps.flatMap((map) => map.seats().map((seat) => ({ seat, price: map.category.price })));
      const total = seats.reduce((sum, { price }) => sum + price, 0);
      selection.textContent = seats.length === 0 ? 'No seats picked' : `${seats.length} picked: ${seats.map(({ seat }) => seat).join(', ')} · ${money(total)}`;
      bookSeats.disabled = seats.length === 0;
    };
    this.#maps = show.categories.filter((category) => category.seatMap !== undefined).map((category) => {
      const map = new SeatMap(category, summarise);
      map.pick(picked);
      return map;
    });
    summarise();
    bookSeats.addEventListener('click', () => void this.#book(this.#maps.filter((map) => map.selected.size > 0)
      .map((map) => ({ categoryId: map.category.id, seats: map.seats() }))));

    const body: Node[] = [
      el('h2', { id: 'show-title', tabindex: '-1' }, show.name),
      el('p', { class: 'meta' }, `${show.venue}, ${show.location} · ${when(show.startsAt)} · `,
        el('span', { class: `badge badge-${show.status}` }, SHOW_STATUS_TEXT[show.status])),
      ...show.categories.map((category) => this.#category(category)),
    ];
    if (show.status === 'on_sale') {
      body.push(this.#payWith());
      if (this.#maps.length > 0) body.push(el('div', { class: 'actions' }, selection, bookSeats));
      body.push(this.#bestAvailable(show));
    }
    const soldOut = show.categories.filter((category) => category.available === 0);
    if (soldOut.length > 0 && (show.status === 'on_sale' || show.status === 'sold_out')) body.push(this.#waitingList(show, soldOut));
    body.push(el('p', { class: 'error', role: 'alert', id: 'show-error' }));
    const restore = this.#keepInputs();
    this.showSection.replaceChildren(...body);
    restore();
    this.showSection.hidden = false;
  }

  /**
   * Remembers what the customer chose and typed, and where the focus is, before the page is redrawn (every change
   * of availability redraws it), and answers a function that puts them back on the new page.
   */
  #keepInputs(): () => void {
    const values = new Map<string, string>();
    let checked: string | undefined;
    for (const input of this.showSection.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input[id], select[id]')) {
      if (input instanceof HTMLInputElement && input.type === 'radio') {
        if (input.checked) checked = input.id;
      } else {
        values.set(input.id, input.value);
      }
    }
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && this.showSection.contains(active)
      ? (active.dataset.seat === undefined ? `#${CSS.escape(active.id)}` : `[data-seat="${CSS.escape(active.dataset.seat)}"]`)
      : undefined;
    return () => {
      for (const [id, value] of values) {
        const input = this.showSection.querySelector<HTMLInputElement | HTMLSelectElement>(`#${CSS.escape(id)}`);
        if (input !== null && (!(input instanceof HTMLSelectElement) || [...input.options].some((option) => option.value === value))) input.value = value;
      }
      if (checked !== undefined) {
        const radio = this.showSection.querySelector<HTMLInputElement>(`#${CSS.escape(checked)}`);
        if (radio !== null) radio.checked = true;
      }
      if (focused !== undefined && focused !== '#') this.showSection.querySelector<HTMLElement>(focused)?.focus();
    };
  }

  #category(category: Category): HTMLElement {
    const map = this.#maps.find((m) => m.category.id === category.id);
    return el('div', { class: 'category', 'data-category': category.id },
      el('h3', {}, `${category.name} · ${money(category.price)}`),
      el('p', { class: 'meta' }, category.available === 0 ? 'Sold out' : `${category.available} available`, ` · ${category.held} held · ${category.sold} sold`),
      ...(map === undefined ? [] : [map.element]));
  }

  #payWith(): HTMLElement {
    const option = (method: PaymentMethod, text: string, checked: boolean) => {
      const input = el('input', { type: 'radio', name: 'pay-with', value: method, id: `pay-${method}` }) as HTMLInputElement;
      input.checked = checked;
      return el('label', { for: `pay-${method}`, class: 'choice' }, input, ` ${text}`);
    };
    return el('fieldset', { class: 'pay-with' }, el('legend', {}, 'Pay with'), option('wallet', 'Wallet', true), option('card', 'Card', false));
  }

  #method(): PaymentMethod {
    return this.showSection.querySelector<HTMLInputElement>('input[name="pay-with"]:checked')?.value === 'card' ? 'card' : 'wallet';
  }

  #bestAvailable(show: Show): HTMLElement {
    const open = show.categories.filter((category) => category.available > 0);
    const category = el('select', { id: 'best-category', name: 'categoryId' },
      ...open.map((c) => el('option', { value: c.id }, `${c.name} · ${money(c.price)}`)));
    const quantity = el('input', { id: 'best-quantity', name: 'quantity', type: 'number', min: '1', max: String(PLACES_MAX), value: '1', required: '' }) as HTMLInputElement;
    const form = el('form', { class: 'best', 'aria-label': 'Best available' },
      el('label', { for: 'best-category' }, 'Category'), category,
      el('label', { for: 'best-quantity' }, 'Places'), quantity,
      el('button', { type: 'submit' }, 'Book best available'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const categoryId = (category as HTMLSelectElement).value;
      void this.#book([{ categoryId, quantity: quantity.valueAsNumber, together: true }]);
    });
    return open.length > 0 ? form : el('p', { class: 'meta' }, 'Nothing left to book.');
  }

  #waitingList(show: Show, soldOut: Category[]): HTMLElement {
    const category = el('select', { id: 'wait-category', name: 'categoryId' }, ...soldOut.map((c) => el('option', { value: c.id }, c.name))) as HTMLSelectElement;
    const quantity = el('input', { id: 'wait-quantity', name: 'quantity', type: 'number', min: '1', max: String(PLACES_MAX), value: '1', required: '' }) as HTMLInputElement;
    const answer = el('p', { class: 'meta', 'aria-live': 'polite', 'data-testid': 'waiting-list' });
    const form = el('form', { class: 'best', 'aria-labelledby': 'wait-title' },
      el('h3', { id: 'wait-title' }, 'Waiting list'),
      el('p', { class: 'meta' }, 'When places come back they are held for the first in line, and you are told here.'),
      el('label', { for: 'wait-category' }, 'Category'), category,
      el('label', { for: 'wait-quantity' }, 'Places'), quantity,
      el('button', { type: 'submit' }, 'Join the waiting list'), answer);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        try {
          const entry = await api<{ id: string; status: string }>('POST', `/v1/shows/${encodeURIComponent(show.id)}/waiting-list`,
            { customerId: this.#customerId, categoryId: category.value, quantity: quantity.valueAsNumber });
          answer.textContent = entry.status === 'waiting' ? `You are on the waiting list (${entry.id}).` : `Waiting list: ${entry.status}.`;
        } catch (error) {
          answer.textContent = error instanceof Error ? error.message : String(error);
        }
      })();
    });
    return form;
  }

  async #book(items: BookingItem[]): Promise<void> {
    const show = this.#show;
    if (show === undefined || items.length === 0) return;
    let message = '';
    try {
      const booking = await api<Booking>('POST', '/v1/bookings',
        { customerId: this.#customerId, showId: show.id, items, payment: { method: this.#method() } },
        { 'idempotency-key': idempotencyKey() });
      for (const map of this.#maps) map.selected.clear();
      void this.panel.show(booking);
      this.panel.section.querySelector<HTMLElement>('h2')?.focus();
    } catch (problem) {
      message = problem instanceof Error ? problem.message : String(problem);
    }
    // What is left changed either way (booked, or taken by someone else first): read it again, then say what failed.
    await this.refresh();
    const line = this.showSection.querySelector('#show-error');
    if (line !== null) line.textContent = message;
  }
}
