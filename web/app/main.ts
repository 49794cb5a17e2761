/**
 * The customer's app (`/app`): log in (or sign up), see the wallet, tickets and bookings, and watch notifications
 * arrive live over Server-Sent Events as a gate issues a ticket. The stream is an EventSource on the customer's
 * `/v1/customers/:id/events`, authenticated by the session cookie (an EventSource cannot send a header); after a
 * dropped connection the browser resumes it with `Last-Event-ID`, and an event already shown is never shown again.
 * Below the wallet, the box office: shows, a show's seats, booking and the booking's tickets (shows.ts,
 * booking-panel.ts), followed live over the same stream.
 */
import { api, ApiError, el, money, randomId } from '../shared/api.ts';
import { BookingPanel } from './booking-panel.ts';
import { BOOKING_STATUS_TEXT, places, type Booking } from './box-office-types.ts';
import { ShowsView } from './shows.ts';

interface Customer { id: string; name: string; balance: number; currency: string }
interface User { id: string; username: string; displayName: string; role: string; customerId?: string }
interface Me { role: string; customerId?: string; user?: User; customer?: Customer }
interface Ticket { ticketId: string; tapId: string; rideId: string; price: number; currency: string; balanceAfter: number; tappedAt: string }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** A text field of a submitted form ('' when absent). */
function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/** A string of an event's data, or `fallback`. */
function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** Event ids already shown: a resumed stream may replay what the page has. */
const shown = new Set<string>();
let stream: EventSource | undefined;
const panel: BookingPanel = new BookingPanel($('booking-section'), (showId: string): string => shows.name(showId), (booking) => {
  upsertBooking(booking);
  refreshBalance().catch(() => undefined); // the next event or reload shows it; the stream's line says if we are offline
});
const shows: ShowsView = new ShowsView($('shows-section'), $('show'), panel);
/** The sections of a logged-in customer; the show and the booking appear when opened. */
const SECTIONS = ['wallet', 'shows-section', 'feed', 'tickets-section', 'bookings-section', 'logout'];

async function start(): Promise<void> {
  $('login-form').addEventListener('submit', (event) => void logIn(event));
  $('topup-form').addEventListener('submit', (event) => void topUp(event));
  $('token-form').addEventListener('submit', (event) => void openWithToken(event));
  $('signup-form').addEventListener('submit', (event) => void signUp(event));
  $('logout').addEventListener('click', () => void logOut());
  try {
    await enter(await api<Me>('GET', '/v1/me'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showLogin();
    throw error;
  }
}

function showLogin(): void {
  stream?.close();
  stream = undefined;
  for (const id of [...SECTIONS, 'show', 'booking-section']) $(id).hidden = true;
  $('who').textContent = '';
  $('login').hidden = false;
  $<HTMLInputElement>('login-name').focus();
}

async function logIn(event: Event): Promise<void> {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  const login = field(form, 'login');
  $('login-error').textContent = '';
  try {
    await api('POST', '/v1/sessions', { [login.includes('@') ? 'email' : 'username']: login, password: field(form, 'password') });
    await enter(await api<Me>('GET', '/v1/me'));
  } catch (error) {
    $('login-error').textContent = error instanceof Error ? error.message : String(error);
  }
}

/** A customer token kept as this browser's session cookie (the EventSource needs a cookie), never in the page. */
async function openWithToken(event: Event): Promise<void> {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const token = field(new FormData(form), 'token').trim();
  $('token-error').textContent = '';
  try {
    await api('POST', '/v1/sessions/cookie', undefined, { authorization: `Bearer ${token}` });
    form.reset();
    await enter(await api<Me>('GET', '/v1/me'));
  } catch (error) {
    $('token-error').textContent = error instanceof Error ? error.message : String(error);
  }
}

async function signUp(event: Event): Promise<void> {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  const body = Object.fromEntries(['username', 'email', 'displayName', 'password'].map((name) => [name, field(form, name)]));
  $('signup-error').textContent = '';
  try {
    await api('POST', '/v1/users', body);
    await api('POST', '/v1/sessions', { username: body.username, password: body.password });
    await enter(await api<Me>('GET', '/v1/me'));
  } catch (error) {
    $('signup-error').textContent = error instanceof Error ? error.message : String(error);
  }
}

async function logOut(): Promise<void> {
  try {
    await api('DELETE', '/v1/sessions/current');
  } finally {
    showLogin();
  }
}

async function enter(me: Me): Promise<void> {
  if (me.customer === undefined || me.customerId === undefined) {
    $('login-error').textContent = 'this account has no wallet: the app is for customers';
    return showLogin();
  }
  $('login').hidden = true;
  for (const id of SECTIONS) $(id).hidden = false;
  $('who').textContent = me.user?.displayName ?? me.customer.name;
  setBalance(me.customer.balance, me.customer.currency);
  const [tickets, bookings] = await Promise.all([
    api<{ tickets: Ticket[] }>('GET', `/v1/customers/${encodeURIComponent(me.customerId)}/tickets?limit=20`),
    api<{ bookings: Booking[] }>('GET', `/v1/customers/${encodeURIComponent(me.customerId)}/bookings?limit=20`),
    shows.load(me.customerId), // first: the bookings are listed by their shows' names
  ]);
  $('tickets').replaceChildren(...tickets.tickets.map(ticketItem));
  $('bookings').replaceChildren(...(bookings.bookings.length > 0 ? bookings.bookings.map(bookingItem) : [el('li', { class: 'empty' }, 'No bookings yet')]));
  follow(me.customerId);
}

/** How often, and how many times, a pending card top-up is read again before the page stops asking. */
const TOP_UP_POLL_MS = 500;
const TOP_UP_POLLS_MAX = 60;
const TOP_UP_FAILURES: Readonly<Record<string, string>> = {
  card_declined: 'The card was declined; nothing was charged.',
  balance_limit: 'The wallet cannot hold that much; the card was refunded.',
};

interface CardTopUp { topUpId: string; amount: number; currency: string; status: 'pending' | 'succeeded' | 'failed'; failureReason?: string }

/**
 * A top-up of the customer's own wallet by card: the server asks the card provider and answers `pending`; the
 * provider's webhook decides. The page reads the top-up until it is decided (bounded); the new balance also arrives
 * on the stream as `balance.changed`.
 */
async function topUp(event: Event): Promise<void> {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const amount = Number(field(new FormData(form), 'amount'));
  const button = form.querySelector('button')!;
  const status = $('topup-status');
  $('topup-error').textContent = '';
  button.disabled = true;
  try {
    let { topUp: current } = await api<{ topUp: CardTopUp }>('POST', '/v1/me/top-ups', { topUpId: randomId(), amount });
    status.textContent = `Paying ${money(amount, current.currency)} by card…`;
    for (let polls = 0; current.status === 'pending' && polls < TOP_UP_POLLS_MAX; polls++) {
      await new Promise((resolve) => setTimeout(resolve, TOP_UP_POLL_MS));
      ({ topUp: current } = await api<{ topUp: CardTopUp }>('GET', `/v1/me/top-ups/${encodeURIComponent(current.topUpId)}`));
    }
    if (current.status === 'succeeded') {
      status.textContent = `Topped up ${money(current.amount, current.currency)}.`;
      await refreshBalance();
    } else if (current.status === 'failed') {
      status.textContent = '';
      $('topup-error').textContent = TOP_UP_FAILURES[current.failureReason ?? ''] ?? `The payment failed (${current.failureReason ?? 'no reason given'}); nothing was charged.`;
    } else {
      status.textContent = 'Still waiting for the card provider; the balance changes here when it answers.';
    }
  } catch (error) {
    status.textContent = '';
    $('topup-error').textContent = error instanceof Error ? error.message : String(error);
  } finally {
    button.disabled = false;
  }
}

function setBalance(cents: number, currency = 'EUR'): void {
  $('balance').textContent = money(cents, currency);
}

/** Reads the balance again: a wallet payment or refund changes it without a `balance.changed` of its own. */
async function refreshBalance(): Promise<void> {
  const me = await api<Me>('GET', '/v1/me');
  if (me.customer !== undefined) setBalance(me.customer.balance, me.customer.currency);
}

function ticketItem(ticket: Ticket): HTMLElement {
  return el('li', { 'data-ticket': ticket.ticketId }, `${ticket.rideId} `, el('strong', {}, money(ticket.price, ticket.currency)),
    el('span', { class: 'meta' }, `ticket ${ticket.ticketId} · ${new Date(ticket.tappedAt).toLocaleString()}`));
}

function bookingItem(booking: Booking): HTMLElement {
  const open = el('button', { type: 'button', class: 'secondary', 'aria-label': `Open booking ${booking.id}` }, 'Open');
  open.addEventListener('click', () => void panel.open(booking.id).then(() => $('booking-title').focus()));
  return el('li', { 'data-booking': booking.id, class: 'with-action' },
    el('span', {}, `${shows.name(booking.showId)}: ${places(booking)} `, el('strong', {}, BOOKING_STATUS_TEXT[booking.status]),
      el('span', { class: 'meta' }, `${money(booking.total, booking.currency)} · ${booking.id}`)), open);
}

/** Puts a booking's latest state in the list: in its place when listed, else first. */
function upsertBooking(booking: Booking): void {
  const list = $('bookings');
  const item = bookingItem(booking);
  const listed = list.querySelector(`[data-booking="${CSS.escape(booking.id)}"]`);
  if (listed !== null) return listed.replaceWith(item);
  list.querySelector('.empty')?.remove();
  list.prepend(item);
}

/** What a notification says, in a line. */
function describe(type: string, data: Record<string, unknown>): string {
  switch (type) {
    case 'ticket.issued': return `Ticket for ${text(data.rideId, 'a ride')}: ${money(Number(data.price))}`;
    case 'ticket.rejected': return `Tap at ${text(data.rideId, 'a ride')} refused: ${text(data.message, text(data.reason, 'refused'))}`;
    case 'balance.changed': return `Balance ${Number(data.change) >= 0 ? 'topped up' : 'changed'}: ${money(Number(data.balance))}`;
    case 'booking.held': case 'booking.confirmed': case 'booking.expired': case 'booking.cancelled':
      return `Booking ${type.slice('booking.'.length)}: ${shows.name(text(data.showId, ''))}, ${places(data as unknown as Booking)}`;
    case 'payment.succeeded': case 'payment.failed': case 'payment.refunded':
      return `${text(data.method, 'card') === 'card' ? 'Card' : 'Wallet'} payment ${type.slice('payment.'.length)}: ${money(Number(data.refundAmount ?? data.amount))}`;
    case 'waitlist.offered': return 'A place from the waiting list is held for you: pay it to keep it';
    default: return type.replace('.', ' ');
  }
}

/** The customer's notifications, live; the browser reconnects with Last-Event-ID by itself. */
function follow(customerId: string): void {
  stream?.close();
  const live = $('live');
  stream = new EventSource(`/v1/customers/${encodeURIComponent(customerId)}/events`);
  stream.onopen = () => {
    live.textContent = 'live';
    live.classList.add('on');
  };
  stream.onerror = () => {
    live.textContent = 'reconnecting…';
    live.classList.remove('on');
  };
  const types = ['ticket.issued', 'ticket.rejected', 'balance.changed', 'booking.held', 'booking.confirmed', 'booking.expired',
    'booking.cancelled', 'payment.succeeded', 'payment.failed', 'payment.refunded', 'ticket.checked_in', 'waitlist.offered'];
  for (const type of types) {
    stream.addEventListener(type, (event) => {
      const message = event as MessageEvent<string>;
      if (shown.has(message.lastEventId)) return;
      shown.add(message.lastEventId);
      const data = JSON.parse(message.data) as Record<string, unknown>;
      $('notifications').prepend(el('li', { class: 'new', 'data-event': message.lastEventId, 'data-type': type }, describe(type, data)));
      if (type === 'ticket.issued') {
        $('tickets').prepend(ticketItem(data as unknown as Ticket));
        setBalance(Number(data.balanceAfter), text(data.currency, 'EUR'));
      } else if (type === 'balance.changed') {
        setBalance(Number(data.balance), text(data.currency, 'EUR'));
      } else if (type.startsWith('booking.') || type.startsWith('payment.') || type === 'waitlist.offered') {
        panel.event(type, data);
        if (type.startsWith('booking.')) void shows.refresh(data as unknown as Booking);
      }
    });
  }
}

void start();
