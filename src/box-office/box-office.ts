/**
 * The box office: the booking saga over the shows' inventory actors, the payment provider and the group commit.
 *
 * A booking goes hold → pay → confirm, each step persisted before the next starts, so that a crash anywhere is
 * resumed at the next start (`start`):
 * 1. the show's inventory actor (the only writer of its availability) holds the seats; the booking is written
 *    `held` with `holdExpiresAt` (and its payment `pending`) and `booking.held` goes to the customer;
 * 2. the payment: `wallet` debits the customer's balance in the ledger's own group commit (never below zero);
 *    `card` asks the provider, whose outcome arrives later as a signed webhook (`applyProviderEvent`);
 * 3. the actor turns the hold into a sale; the booking is written `confirmed` with one signed ticket per place.
 * Compensation runs backwards: a failed payment releases the hold (`payment_failed`); a hold that expires first
 * releases the seats (`expired`), and a payment that succeeds after that is refunded; a cancellation releases the
 * seats, voids the tickets and refunds what was paid. Whenever seats come back, the waiting list is served first.
 *
 * Steps of one booking never interleave (`#serially`); different bookings run concurrently, and the inventory actor
 * and the ledger (one writer each) order what they touch. Every wait is bounded. The gate (tickets, check-in, the
 * venue's key) is check-in-desk.ts; the stateless pieces (prices, refunds inside a commit, answers) saga-steps.ts.
 */
import type { ActorSystem } from '../actors/actor-system.ts';
import type { CheckInAnswer, CheckInScan } from '../domain/check-in.ts';
import { parseTappedAt } from '../domain/rfc3339.ts';
import type { Show } from '../domain/show.ts';
import type { PaymentMethod } from '../payments/payment.ts';
import { PaymentError } from '../payments/payment-error.ts';
import type { PaymentProvider, ProviderEvent } from '../payments/provider.ts';
import type { Logger } from '../platform/logger.ts';
import type { RuntimeContext } from '../platform/context.ts';
import type { BookingPage, BookingWriter, RequestTrail, StoredBooking, StoredPayment } from '../store/bookings.ts';
import { publicBooking, publicPayment } from '../store/bookings.ts';
import type { TicketStore } from '../store/ticket-store.ts';
import { BoxOfficeError } from './box-office-error.ts';
import type { Booking, BookingPayment, BookingRequest, RequestContext, WaitingListEntry } from './booking-types.ts';
import { CheckInDesk, type CheckInListWithKeys } from './check-in-desk.ts';
import { InventoryClient, inventoryProps, type InventorySnapshot } from './inventory-actor.ts';
import { Inventory } from './inventory.ts';
import { answerOf, committing, CURRENCY, hashRequest, paymentNotice, priced, refundsIn, refusal, trailOf } from './saga-steps.ts';
import {
  DEFAULT_INVENTORY_LIMITS, type CategoryAvailability, type InventoryCategory, type InventoryLimits, type InventoryRecord, type ReleaseReason,
} from './inventory-types.ts';

/** Runs one write inside the ledger's next group commit; resolves once it is durable, with what the write answered. */
export type CommitWrite = <T>(write: (w: BookingWriter) => T) => Promise<T>;

export interface BoxOfficeOptions {
  store: TicketStore;
  system: ActorSystem;
  runtime: RuntimeContext;
  commit: CommitWrite;
  provider: PaymentProvider;
  log: Logger;
  /** How long a hold lasts before it expires (default 15 minutes). */
  holdMs: number;
  limits?: InventoryLimits;
  /** Requests queued for one show's inventory actor; more are answered `overloaded`. */
  inventoryMailbox?: number;
  /** Told the code of every refused booking request (metrics). */
  onRefused?: (code: string) => void;
}

const ASK_TIMEOUT_MS = 5_000;
const INVENTORY_MAILBOX_DEFAULT = 10_000;
/** Offers one pass over a show's waiting line may make before it yields to other work. */
const OFFERS_PER_PASS_MAX = 1_000;
/** Shows kept in memory for the booking path. */
const SHOW_CACHE_MAX = 1_000;

/** A booking as answered, with `replayed` when an Idempotency-Key matched an earlier request. */
export interface BookResult {
  booking: Booking;
  replayed: boolean;
}

interface ShowInventory {
  client: InventoryClient;
  generation: number;
}

/**
 * @example
 * const office = new BoxOffice({ store, system, runtime, commit, provider, log, holdMs: 900_000 });
 * office.start();
 * const { booking } = await office.book({ customerId: 'c1', showId: 'gala', items: [{ categoryId: 'stalls', quantity: 2 }], payment: { method: 'wallet' } });
 * booking.status; // 'confirmed'
 */
export class BoxOffice {
  readonly #o: BoxOfficeOptions;
  readonly #limits: InventoryLimits;
  readonly #inventories = new Map<string, ShowInventory>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #shows = new Map<string, Show>();
  #generation = 0;
  readonly #desk: CheckInDesk;
  #stopped = false;

  constructor(options: BoxOfficeOptions) {
    this.#o = options;
    this.#limits = options.limits ?? DEFAULT_INVENTORY_LIMITS;
    this.#desk = new CheckInDesk({ store: options.store, runtime: options.runtime, commit: options.commit, showOf: (id) => this.#showOf(id) });
  }

  /**
   * Loads (or makes) the venue's signing key and resumes, in the background, every saga a stop left in flight:
   * holds still held are paid, confirmed, expired or refunded as their state says; refunds asked of the provider are
   * asked again (with the same idempotency key); waiting lines are served. Resolves once they are under way (the
   * pages of open bookings are read); `resumed` settles when they are done.
   */
  start(): void {
    this.#desk.loadVenueKeys();
    const { bookings } = this.#o.store;
    const resumed: Promise<void>[] = [];
    for (let page = bookings.heldAfter(0); page.length > 0; page = bookings.heldAfter(page.at(-1)!.seq)) {
      for (const { booking } of page) resumed.push(this.#resume(booking));
    }
    for (let page = bookings.openPaymentsAfter(''); page.length > 0; page = bookings.openPaymentsAfter(page.at(-1)!.id)) {
      for (const payment of page) if (payment.refundRequested > payment.refunded) resumed.push(this.#askRefund(payment));
    }
    for (const showId of bookings.showsWithWaiting()) resumed.push(this.#offerWaiting(showId));
    if (resumed.length > 0) this.#o.log.info('resuming booking sagas', { sagas: resumed.length });
    this.resumed = Promise.all(resumed.map((p) => p.catch((error: unknown) => this.#o.log.error('saga not resumed', { error: String(error) })))).then(() => undefined);
  }

  /** Settles when the sagas `start` resumed are done (or failed, logged). */
  resumed: Promise<void> = Promise.resolve();

  /** Stops taking part: later calls are refused; the actors stop with the system. */
  stop(): void {
    this.#stopped = true;
  }

  // ---- bookings ----------------------------------------------------------------------------------------------

  /**
   * Step 1 of the saga, and for a wallet payment the whole of it. Refusals are BoxOfficeErrors (`sold_out`,
   * `seats_taken`, `idempotency_key_reused`, …). With an idempotency key the same request again answers the
   * booking as it is now; another request under the same key is refused. `context.requestId` correlates the saga.
   */
  async book(request: BookingRequest, idempotencyKey?: string, context?: RequestContext): Promise<BookResult> {
    this.#checkRunning();
    const trail = trailOf(context);
    try {
      // Requests under one key wait for each other: the second finds the first's booking instead of holding seats too.
      if (idempotencyKey !== undefined) return await this.#serially(`key:${request.customerId}:${idempotencyKey}`, () => this.#book(request, idempotencyKey, trail));
      return await this.#book(request, undefined, trail);
    } catch (error) {
      if (error instanceof BoxOfficeError) this.#o.onRefused?.(error.code);
      throw error;
    }
  }

  /** Each show with a running inventory actor and its places (metrics read this at every scrape). */
  async liveShows(): Promise<Array<{ showId: string; available: CategoryAvailability[] }>> {
    const shows = [...this.#inventories].map(async ([showId, { client }]) => {
      const available = await client.available();
      return Array.isArray(available) ? [{ showId, available }] : [];
    });
    return (await Promise.all(shows)).flat();
  }

  async #book(request: BookingRequest, idempotencyKey: string | undefined, trail: RequestTrail | undefined): Promise<BookResult> {
    const requestHash = idempotencyKey === undefined ? undefined : hashRequest(request);
    if (idempotencyKey !== undefined) {
      const earlier = this.#o.store.bookings.byIdempotencyKey(request.customerId, idempotencyKey);
      if (earlier !== undefined) return this.#replayed(earlier, requestHash!);
    }
    const show = this.#showOnSale(request.showId);
    const { client } = this.#inventory(show);
    const bookingId = this.#o.runtime.ids.next('bk');
    const held = answerOf(await client.hold(bookingId, request.items));
    if (!held.ok) throw refusal(held.code, held.detail);
    // Checked once there is something to book: a rush's refusals (most of its answers) skip the read.
    if (this.#o.store.getCustomer(request.customerId) === undefined) {
      await client.release(bookingId, 'abandoned');
      throw new BoxOfficeError('unknown_customer', `no customer '${request.customerId}'`);
    }
    const items = priced(show, held.record.items);
    const total = items.reduce((sum, i) => sum + i.amount, 0);
    const method = request.payment?.method;
    let written: { booking: StoredBooking; earlier: boolean };
    try {
      written = await this.#commit(trail)((w) => {
        if (idempotencyKey !== undefined) {
          // Two requests under one key at once: the first committed is the booking; the other lets its hold go.
          const earlier = w.bookingByKey(request.customerId, idempotencyKey);
          if (earlier !== undefined) return { booking: earlier, earlier: true };
        }
        const inserted = w.insertBooking({
          id: bookingId, customerId: request.customerId, showId: show.id, items, total, currency: CURRENCY,
          holdExpiresAtMs: held.record.expiresAtMs,
          ...(idempotencyKey !== undefined && { idempotencyKey, requestHash: requestHash! }),
        });
        const payments = method !== undefined && total > 0
          ? [w.insertPayment({ id: this.#o.runtime.ids.next('pay'), bookingId, method, amount: total, currency: CURRENCY })]
          : [];
        const booking = { ...inserted, payments };
        w.notify(booking.customerId, booking.id, { type: 'booking.held', data: publicBooking(booking) });
        return { booking, earlier: false };
      });
    } catch (error) {
      await client.release(bookingId, 'abandoned');
      throw error;
    }
    if (written.earlier) {
      await client.release(bookingId, 'abandoned');
      return this.#replayed(written.booking, requestHash!);
    }
    // Held to pay later: nothing more to do now (the common case of a rush, read back from nothing).
    if (written.booking.payments.length === 0 && total > 0) return { booking: publicBooking(written.booking), replayed: false };
    await this.#serially(bookingId, () => this.#advance(bookingId, trail));
    return { booking: this.#answer(bookingId), replayed: false };
  }

  /** Pays a booking held without a payment (a waiting-list offer, or one booked to pay later). */
  async pay(bookingId: string, method: PaymentMethod, context?: RequestContext): Promise<Booking> {
    this.#checkRunning();
    const trail = trailOf(context);
    await this.#serially(bookingId, async () => {
      const booking = this.#booking(bookingId);
      if (booking.status !== 'held' || booking.payments.some((p) => p.status === 'pending' || p.status === 'succeeded')) {
        throw new BoxOfficeError('booking_not_held', `booking ${bookingId} is ${booking.status}${booking.status === 'held' ? ' with a payment under way' : ''}`);
      }
      await this.#commit(trail)((w) => {
        const b = w.booking(bookingId)!;
        if (b.status === 'held') w.insertPayment({ id: this.#o.runtime.ids.next('pay'), bookingId, method, amount: b.total, currency: CURRENCY });
      });
      await this.#advance(bookingId, trail);
    });
    return this.#answer(bookingId);
  }

  /**
   * Cancels a held or confirmed booking: the seats go back (to the waiting list first), the tickets are voided and
   * what was paid is refunded (to the wallet at once; through the provider for a card). `ifMatch` is the version
   * the caller saw (`If-Match`): another is `version_mismatch`.
   */
  async cancel(bookingId: string, ifMatch?: number, context?: RequestContext): Promise<Booking> {
    this.#checkRunning();
    const trail = trailOf(context);
    let showId = '';
    await this.#serially(bookingId, async () => {
      const booking = this.#booking(bookingId);
      showId = booking.showId;
      if (ifMatch !== undefined && ifMatch !== booking.version) {
        throw new BoxOfficeError('version_mismatch', `booking ${bookingId} is at version ${booking.version}, not ${ifMatch}`);
      }
      if (booking.status !== 'held' && booking.status !== 'confirmed') {
        throw new BoxOfficeError('booking_not_cancellable', `booking ${bookingId} is ${booking.status}`);
      }
      await this.#releaseAndSettle(booking, 'cancelled', trail);
    });
    void this.#offerWaiting(showId, trail);
    return this.#answer(bookingId);
  }

  getBooking(id: string): Booking | undefined {
    const booking = this.#o.store.bookings.get(id);
    return booking === undefined ? undefined : publicBooking(booking);
  }

  listBookings(customerId: string, limit: number, cursor?: string): BookingPage {
    return this.#o.store.bookings.listOfCustomer(customerId, limit, cursor);
  }

  getPayment(id: string): BookingPayment | undefined {
    const payment = this.#o.store.bookings.payment(id);
    return payment === undefined ? undefined : publicPayment(payment);
  }

  /** Counts and seat maps of a show, live from its inventory actor; undefined for an unknown show. */
  async snapshot(showId: string): Promise<InventorySnapshot | undefined> {
    const show = this.#showOf(showId);
    if (show === undefined) return undefined;
    return answerOf(await this.#inventory(show).client.snapshot());
  }

  /**
   * Before a show is replaced: refuses a new shape its open bookings do not fit in (`capacity_below_sold`), and
   * after the write, `showReplaced` starts its actor again from the new shape.
   */
  checkShowChange(showId: string, categories: readonly InventoryCategory[]): void {
    try {
      Inventory.rebuild(categories, this.#limits, this.#o.store.bookings.inventoryRecords(showId));
    } catch (error) {
      throw new BoxOfficeError('capacity_below_sold', `the show's held and sold places do not fit the new categories: ${(error as Error).message}`);
    }
  }

  async showReplaced(showId: string): Promise<void> {
    this.#shows.delete(showId);
    const current = this.#inventories.get(showId);
    if (current === undefined) return;
    this.#inventories.delete(showId);
    await current.client.ref.stop();
    // Started again at once from the new shape, so the expiry timer of the show's holds runs on.
    const show = this.#showOf(showId);
    if (show !== undefined && !this.#stopped) this.#inventory(show);
  }

  // ---- waiting list -------------------------------------------------------------------------------------------

  /** Puts a customer in a category's line; served in order of arrival as soon as their group fits. */
  async joinWaitingList(
    showId: string, entry: { customerId: string; categoryId: string; quantity: number }, context?: RequestContext,
  ): Promise<WaitingListEntry> {
    this.#checkRunning();
    const show = this.#showOnSale(showId);
    if (!show.categories.some((c) => c.id === entry.categoryId)) throw new BoxOfficeError('unknown_category', `show ${showId} has no category '${entry.categoryId}'`);
    if (this.#o.store.getCustomer(entry.customerId) === undefined) throw new BoxOfficeError('unknown_customer', `no customer '${entry.customerId}'`);
    if (entry.quantity > this.#limits.seatsPerBookingMax) {
      throw new BoxOfficeError('too_many_seats', `at most ${this.#limits.seatsPerBookingMax} places per booking`, { requested: entry.quantity, available: this.#limits.seatsPerBookingMax });
    }
    const id = this.#o.runtime.ids.next('wl');
    const trail = trailOf(context);
    const joined = await this.#commit(trail)((w) => w.insertWaiting({ id, showId, ...entry }));
    await this.#offerWaiting(showId, trail);
    return this.#o.store.bookings.waitingEntry(id) ?? joined;
  }

  /**
   * Serves a show's waiting lines: for each category, the first entry gets a booking held for it while its group
   * fits; an entry whose group does not fit yet stops its line (no one behind it is served before it). An offer
   * made for a request (the one that freed the places, or joined the line) is correlated by it.
   */
  #offerWaiting(showId: string, trail?: RequestTrail): Promise<void> {
    return this.#serially(`waitlist:${showId}`, async () => {
      const show = this.#showOf(showId);
      if (show === undefined || this.#stopped) return;
      const { client } = this.#inventory(show);
      for (const category of show.categories) {
        for (let offers = 0; offers < OFFERS_PER_PASS_MAX; offers++) {
          const [head] = this.#o.store.bookings.waitingLine(showId, category.id, 1);
          if (head === undefined) break;
          const bookingId = this.#o.runtime.ids.next('bk');
          const held = await client.hold(bookingId, [{ categoryId: category.id, quantity: head.quantity }]);
          if (!held.ok) break;
          const items = priced(show, held.record.items);
          const offered = await this.#commit(trail)((w) => {
            if (w.waitingEntry(head.id)?.status !== 'waiting') return false;
            w.insertBooking({
              id: bookingId, customerId: head.customerId, showId, items, total: items.reduce((s, i) => s + i.amount, 0), currency: CURRENCY,
              holdExpiresAtMs: held.record.expiresAtMs, waitingListEntryId: head.id,
            });
            const entry = w.setWaiting(head.id, 'offered', bookingId);
            w.notify(head.customerId, bookingId, { type: 'waitlist.offered', data: { entry, booking: publicBooking(w.booking(bookingId)!) } });
            return true;
          }).catch(async (error: unknown) => {
            await client.release(bookingId, 'abandoned');
            throw error;
          });
          if (!offered) await client.release(bookingId, 'abandoned');
        }
      }
    });
  }

  // ---- payments -----------------------------------------------------------------------------------------------

  /**
   * A verified provider event (the webhook): applied once per event id. A charge that succeeded confirms its
   * booking, or is refunded when the booking is no longer held; one that failed releases the hold.
   */
  async applyProviderEvent(event: ProviderEvent, context?: RequestContext): Promise<{ applied: boolean }> {
    const payment = this.#o.store.bookings.payment(event.paymentId);
    if (payment === undefined) throw new BoxOfficeError('unknown_payment', `no payment '${event.paymentId}'`);
    let applied = false;
    let refunds: StoredPayment[] = [];
    const trail = trailOf(context);
    await this.#serially(payment.bookingId, async () => {
      applied = await this.#commit(trail)((w) => {
        if (!w.markWebhook(event.id)) return false;
        const p = w.payment(event.paymentId)!;
        const b = w.booking(p.bookingId)!;
        if (event.type === 'refund.succeeded') {
          const refunded = Math.min(p.amount, p.refunded + event.amount);
          const next = w.updatePayment({ ...p, refunded, refundRequested: Math.max(p.refundRequested, refunded), status: refunded === p.amount ? 'refunded' : 'partially_refunded' });
          w.notify(b.customerId, b.id, { type: 'payment.refunded', data: paymentNotice(next, b, event.amount) });
          return true;
        }
        if (p.status === 'failed' && event.type === 'charge.succeeded' && p.refundRequested === 0) {
          // Failed here (its booking ended before the charge was known to be taken) but taken after all, e.g. a charge
          // asked just before a crash: the money goes back.
          refunds = [w.updatePayment({ ...p, providerTransactionId: event.providerTransactionId, refundRequested: p.amount })];
          return true;
        }
        if (p.status !== 'pending') return true; // settled already (a late duplicate from the provider)
        const settled = event.type === 'charge.succeeded'
          ? { ...p, status: 'succeeded' as const, providerTransactionId: event.providerTransactionId }
          : { ...p, status: 'failed' as const, providerTransactionId: event.providerTransactionId, failureReason: event.reason };
        const next = w.updatePayment(settled);
        w.notify(b.customerId, b.id, { type: event.type === 'charge.succeeded' ? 'payment.succeeded' : 'payment.failed', data: paymentNotice(next, b) });
        // Paid for a booking no longer held (expired or cancelled meanwhile): refunded, decided in this same commit.
        if (b.status !== 'held' && next.status === 'succeeded') refunds = refundsIn(w, b.id);
        return true;
      });
      await this.#askRefunds(refunds);
      if (applied) await this.#advance(payment.bookingId, trail);
    });
    return { applied };
  }

  // ---- check-in -----------------------------------------------------------------------------------------------

  /** Decides one scan at a gate (check-in-desk.ts). */
  checkIn(scan: CheckInScan, showId?: string, context?: RequestContext): Promise<CheckInAnswer> {
    this.#checkRunning();
    return this.#desk.checkIn(scan, showId, trailOf(context));
  }

  /** What a scanner downloads to admit to a show offline (check-in-desk.ts). */
  checkInList(showId: string): CheckInListWithKeys | undefined {
    return this.#desk.checkInList(showId);
  }

  // ---- the saga's steps ---------------------------------------------------------------------------------------

  /**
   * Moves a booking on from whatever state it was left in; called with the booking's chain held. Idempotent: each
   * step checks the stored state first. `trail`: the request driving it, if one is.
   */
  async #advance(bookingId: string, trail?: RequestTrail): Promise<void> {
    const booking = this.#booking(bookingId);
    if (booking.status !== 'held') {
      // A payment that succeeded for a booking no longer held (expired, cancelled): give the money back.
      if (booking.status !== 'confirmed' && booking.payments.some((p) => p.status === 'succeeded' && p.refundRequested === 0)) {
        await this.#askRefunds(await this.#commit(trail)((w) => refundsIn(w, booking.id)));
      }
      return;
    }
    if (booking.total === 0 || booking.payments.some((p) => p.status === 'succeeded')) {
      await this.#confirm(booking, trail);
      return;
    }
    const pending = booking.payments.find((p) => p.status === 'pending');
    if (pending === undefined) {
      // Paid by nobody yet: a failed payment releases the hold; none asked for waits for `pay` or the expiry.
      if (booking.payments.some((p) => p.status === 'failed')) {
        await this.#releaseAndSettle(booking, 'payment_failed', trail);
        void this.#offerWaiting(booking.showId, trail);
      }
      return;
    }
    if (pending.method === 'wallet') {
      await this.#payFromWallet(booking, pending, trail);
      await this.#advance(bookingId, trail);
    } else {
      await this.#chargeCard(pending, trail);
    }
  }

  /** Debits the wallet in the group commit if it covers the total; else the payment fails (`insufficient_funds`). */
  async #payFromWallet(booking: StoredBooking, payment: StoredPayment, trail: RequestTrail | undefined): Promise<void> {
    await this.#commit(trail)((w) => {
      const p = w.payment(payment.id)!;
      const b = w.booking(booking.id)!;
      if (p.status !== 'pending') return;
      // No longer held (it expired, or was cancelled, before its turn): nothing is taken.
      const balanceAfter = b.status === 'held' ? w.debitWallet(b.customerId, p.amount) : undefined;
      if (balanceAfter === undefined) {
        const failed = w.updatePayment({ ...p, status: 'failed', failureReason: b.status === 'held' ? 'insufficient_funds' : `booking_${b.status}` });
        w.notify(b.customerId, b.id, { type: 'payment.failed', data: paymentNotice(failed, b) });
        return;
      }
      const paid = w.updatePayment({ ...p, status: 'succeeded' });
      w.notify(b.customerId, b.id, { type: 'payment.succeeded', data: paymentNotice(paid, b) }, -p.amount, balanceAfter);
    });
  }

  /** Asks the provider to charge; its answer comes by webhook. A refused charge fails the payment at once. */
  async #chargeCard(payment: StoredPayment, trail: RequestTrail | undefined): Promise<void> {
    try {
      const accepted = await this.#o.provider.charge({ paymentId: payment.id, amount: payment.amount, currency: payment.currency, idempotencyKey: payment.id });
      await this.#commit(trail)((w) => {
        const p = w.payment(payment.id)!;
        if (p.status === 'pending' && p.providerTransactionId === undefined) w.updatePayment({ ...p, providerTransactionId: accepted.providerTransactionId });
      });
    } catch (error) {
      if (!(error instanceof PaymentError)) throw error;
      this.#o.log.warn('card charge refused', { paymentId: payment.id, code: error.code });
      await this.#commit(trail)((w) => {
        const p = w.payment(payment.id)!;
        const b = w.booking(p.bookingId)!;
        if (p.status !== 'pending') return;
        const failed = w.updatePayment({ ...p, status: 'failed', failureReason: error.code === 'ERR_PROVIDER_BUSY' ? 'provider_busy' : 'provider_refused' });
        w.notify(b.customerId, b.id, { type: 'payment.failed', data: paymentNotice(failed, b) });
      });
      await this.#advance(payment.bookingId, trail);
    }
  }

  /** Turns the hold into a sale and issues the tickets; a hold that expired first is expired and its payment refunded. */
  async #confirm(booking: StoredBooking, trail: RequestTrail | undefined): Promise<void> {
    const { client } = this.#inventory(this.#show(booking.showId));
    const confirmed = answerOf(await client.confirm(booking.id));
    if (!confirmed.ok) {
      const refunds = await this.#commit(trail)((w) => {
        const b = w.booking(booking.id)!;
        if (b.status !== 'held') return [];
        const expired = w.setStatus(b.id, 'expired');
        w.notify(b.customerId, b.id, { type: 'booking.expired', data: publicBooking(expired) });
        return refundsIn(w, b.id);
      });
      await this.#askRefunds(refunds);
      void this.#offerWaiting(booking.showId, trail);
      return;
    }
    const tickets = this.#desk.issueTickets(booking);
    await this.#committingOrReload(booking.showId, trail, (w) => {
      const b = w.booking(booking.id)!;
      if (b.status !== 'held') return;
      w.insertTickets(tickets);
      const done = w.setStatus(b.id, 'confirmed');
      w.notify(b.customerId, b.id, { type: 'booking.confirmed', data: publicBooking(done) });
    });
  }

  /**
   * Releases the seats and writes the booking's end (`payment_failed`, `expired` or `cancelled`), voiding its
   * tickets and refunding what it paid.
   */
  async #releaseAndSettle(
    booking: StoredBooking, reason: Extract<ReleaseReason, 'payment_failed' | 'cancelled'>, trail: RequestTrail | undefined,
  ): Promise<void> {
    const { client } = this.#inventory(this.#show(booking.showId));
    answerOf(await client.release(booking.id, reason));
    const refunds = await this.#committingOrReload(booking.showId, trail, (w) => {
      const b = w.booking(booking.id)!;
      if (b.status !== 'held' && b.status !== 'confirmed') return [];
      w.voidTickets(b.id);
      const ended = w.setStatus(b.id, reason);
      // A failed payment was told as `payment.failed`; a cancellation is told here.
      if (reason === 'cancelled') w.notify(b.customerId, b.id, { type: 'booking.cancelled', data: publicBooking(ended) });
      return refundsIn(w, b.id);
    });
    await this.#askRefunds(refunds);
  }

  /** Asks the provider for each card refund a commit decided (`refundsIn`). */
  async #askRefunds(payments: readonly StoredPayment[]): Promise<void> {
    for (const payment of payments) await this.#askRefund(payment);
  }

  /** Asks the provider for the refund a payment records as requested; the same key again never refunds twice. */
  async #askRefund(payment: StoredPayment): Promise<void> {
    if (payment.providerTransactionId === undefined) return;
    try {
      await this.#o.provider.refund({
        paymentId: payment.id, providerTransactionId: payment.providerTransactionId, amount: payment.refundRequested - payment.refunded,
        idempotencyKey: `refund:${payment.id}:${payment.refundRequested}`,
      });
    } catch (error) {
      if (!(error instanceof PaymentError)) throw error;
      // Left requested: the next start asks again. (The simulated provider forgets its transactions when ticketd stops.)
      this.#o.log.warn('refund not taken by the provider', { paymentId: payment.id, code: error.code });
    }
  }

  /** Holds the inventory actor released on its timer: written `expired`, then the waiting line is served. */
  async #expired(showId: string, records: readonly InventoryRecord[]): Promise<void> {
    await Promise.all(records.map((record) => this.#serially(record.bookingId, async () => {
      // The actor has released the seats: if this commit fails, it starts again from what is committed (still held).
      const refunds = await this.#committingOrReload(showId, undefined, (w) => {
        const b = w.booking(record.bookingId);
        if (b?.status !== 'held') return [];
        const expired = w.setStatus(b.id, 'expired');
        w.notify(b.customerId, b.id, { type: 'booking.expired', data: publicBooking(expired) });
        return refundsIn(w, b.id);
      });
      await this.#askRefunds(refunds);
    }).catch((error: unknown) => this.#o.log.error('expiry not written', { bookingId: record.bookingId, error: String(error) }))));
    await this.#offerWaiting(showId);
  }

  /** A saga a stop left in flight: its show's actor is started (which expires what is due) and it moves on. */
  #resume(booking: StoredBooking): Promise<void> {
    return this.#serially(booking.id, async () => {
      const show = this.#showOf(booking.showId);
      if (show === undefined) return;
      this.#inventory(show);
      if (booking.holdExpiresAtMs <= this.#o.runtime.clock.now() && !booking.payments.some((p) => p.status === 'succeeded')) return; // the actor expires it
      await this.#advance(booking.id);
    });
  }

  /** A commit after the actor already decided: if the commit fails, the actor starts again from what is committed. */
  async #committingOrReload<T>(showId: string, trail: RequestTrail | undefined, write: (w: BookingWriter) => T): Promise<T> {
    try {
      return await this.#commit(trail)(write);
    } catch (error) {
      const inventory = this.#inventories.get(showId);
      if (inventory !== undefined) await inventory.client.reload();
      throw error;
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  /** The group commit, with each write serving `trail`'s request when a request drives it (saga-steps.ts). */
  #commit(trail: RequestTrail | undefined): CommitWrite {
    return committing(this.#o.commit, trail);
  }

  #inventory(show: Show): ShowInventory {
    const existing = this.#inventories.get(show.id);
    if (existing !== undefined) return existing;
    const generation = ++this.#generation;
    const ref = this.#o.system.spawn(inventoryProps({
      name: `inventory:${show.id}:${generation}`,
      categories: show.categories.map((c) => ({ id: c.id, capacity: c.capacity, ...(c.rows !== undefined && { rows: c.rows }) })),
      limits: this.#limits,
      holdMs: this.#o.holdMs,
      mailboxCapacity: this.#o.inventoryMailbox ?? INVENTORY_MAILBOX_DEFAULT,
      load: () => this.#o.store.bookings.inventoryRecords(show.id),
      onExpired: (records) => void this.#expired(show.id, records),
    }));
    const inventory = { client: new InventoryClient(ref, ASK_TIMEOUT_MS), generation };
    this.#inventories.set(show.id, inventory);
    return inventory;
  }

  #showOnSale(showId: string): Show {
    const show = this.#show(showId);
    const now = this.#o.runtime.clock.now();
    if (show.status !== 'on_sale') throw new BoxOfficeError('show_not_on_sale', `show ${showId} is ${show.status}`);
    const salesEnd = parseTappedAt(show.salesEndAt ?? show.endsAt ?? show.startsAt);
    if ((show.salesStartAt !== undefined && now < parseTappedAt(show.salesStartAt)) || now >= salesEnd) {
      throw new BoxOfficeError('sales_closed', `sales of show ${showId} are open from ${show.salesStartAt ?? 'now'} to ${show.salesEndAt ?? show.startsAt}`);
    }
    return show;
  }

  /** A show as the store has it, cached until it is replaced (`showReplaced`): read on every booking request. */
  #showOf(showId: string): Show | undefined {
    const cached = this.#shows.get(showId);
    if (cached !== undefined) return cached;
    const show = this.#o.store.shows.get(showId);
    if (show !== undefined) {
      // Bounded: the least recently added show is dropped first.
      if (this.#shows.size >= SHOW_CACHE_MAX) this.#shows.delete(this.#shows.keys().next().value!);
      this.#shows.set(showId, show);
    }
    return show;
  }

  #show(showId: string): Show {
    const show = this.#showOf(showId);
    if (show === undefined) throw new BoxOfficeError('unknown_show', `no show '${showId}'`);
    return show;
  }

  #booking(id: string): StoredBooking {
    const booking = this.#o.store.bookings.get(id);
    if (booking === undefined) throw new BoxOfficeError('unknown_booking', `no booking '${id}'`);
    return booking;
  }

  #answer(id: string): Booking {
    return publicBooking(this.#booking(id));
  }

  #replayed(earlier: StoredBooking, requestHash: string): BookResult {
    if (earlier.requestHash !== requestHash) {
      throw new BoxOfficeError('idempotency_key_reused', `Idempotency-Key was used for another request (booking ${earlier.id})`);
    }
    return { booking: publicBooking(earlier), replayed: true };
  }

  #checkRunning(): void {
    if (this.#stopped) throw new BoxOfficeError('overloaded', 'the box office is stopping');
  }

  /** Runs `fn` after every earlier call with the same key has finished: one booking's steps never interleave. */
  #serially<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#chains.get(key) ?? Promise.resolve();
    const run = before.then(fn);
    const tail = run.then(() => undefined, () => undefined);
    this.#chains.set(key, tail);
    void tail.then(() => {
      if (this.#chains.get(key) === tail) this.#chains.delete(key);
    });
    return run;
  }
}
