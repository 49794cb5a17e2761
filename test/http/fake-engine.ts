/**
 * A deterministic, in-memory EngineApi for the HTTP tests. It records what the app asked, can be told to fail the
 * next call of a method, and can publish notifications (committed to its outbox first, then to the listeners, as the
 * real engine does). `afterRead` runs inside `notificationsAfter` once its page is computed, so a test can commit
 * a notification "during" a replay.
 *
 * It decides taps as the ledger does, in miniature: a new tap is issued at its ride's price while the customer's
 * balance covers it, else rejected (unknown customer or ride, ride closed, insufficient funds); a tap id seen before
 * is a `duplicate` with the first outcome when machine, customer, ride and tappedAt match, else a `conflict`.
 * Shows are kept by the real ShowStore on an in-memory SQLite database, made on the first show call.
 */
import Database from 'better-sqlite3';
import type { Show, ShowInput } from '../../src/domain/show.ts';
import { migrate } from '../../src/store/schema.ts';
import { emptyBoxOffice, emptyFeed, emptyInbox } from '../../src/testkit/empty-box-office.ts';
import { ShowStore, type ShowPage } from '../../src/store/shows.ts';
import type { ShowSearch } from '../../src/store/shows-search.ts';
import type { Customer, Machine, Ride, Tap, TapState, Ticket } from '../../src/domain/types.ts';
import { EngineError, type EngineApi, type NotificationListener, type ReadyState } from '../../src/pipeline/engine-api.ts';
import { AMOUNT_MAX } from '../../src/domain/types.ts';
import type {
  CustomerInput,
  CustomerPatch,
  DeadLetter,
  DeadLetterPage,
  DeadLetterQuery,
  DecidedOutcome,
  Notification,
  RideInput,
  TapResult,
  TicketPage,
  TopUpResult,
} from '../../src/store/store-types.ts';

type Failable = 'submitTaps' | 'putCustomer' | 'patchCustomer' | 'topUp' | 'replayDeadLetter' | 'notificationsAfter' | 'listTickets';

export class FakeEngine implements EngineApi {
  ready: ReadyState = { ready: true };
  readonly customers = new Map<string, Customer>();
  readonly rides = new Map<string, Ride>();
  readonly machines = new Map<string, Machine>();
  readonly taps = new Map<string, TapState>();
  /** Whose each decided tap is, as the event log would say. */
  readonly tapCustomers = new Map<string, string>();
  readonly deadLetters = new Map<number, DeadLetter>();
  readonly outbox: Notification[] = [];
  readonly submitted: Array<{ taps: Tap[] }> = [];
  readonly afterCalls: Array<{ customerId: string; afterId: number; limit: number }> = [];
  readonly topUps = new Map<string, number>();
  /** Runs inside notificationsAfter after the page is read (call number starts at 1). */
  afterRead: ((call: number, customerId: string) => void) | undefined;
  /** When set, submitTaps returns this promise instead of answering. */
  submitHold: Promise<TapResult[]> | undefined;
  #failures = new Map<Failable, Error>();
  #listeners = new Set<NotificationListener>();
  /** The first decision of each tap id, with the content that tells a duplicate from a conflict. */
  readonly #decided = new Map<string, { content: string; outcome: DecidedOutcome }>();
  #nextId = 1;
  #nextTicket = 1;
  #shows: ShowStore | undefined;
  /** Each show's availability by category when a test set it; else its capacity, as the real engine has it today. */
  readonly showAvailable = new Map<string, Record<string, number>>();

  /** The next call of `method` throws (or rejects with) `error`. */
  failNext(method: Failable, error: Error): void {
    this.#failures.set(method, error);
  }

  listenerCount(): number {
    return this.#listeners.size;
  }

  /** Commits a notification to the outbox, then tells the listeners. `padBytes` makes its data that much bigger. */
  publish(customerId: string, padBytes = 0): Notification {
    const n = this.commit(customerId, padBytes);
    for (const listener of this.#listeners) listener([n]);
    return n;
  }

  /** Commits a notification to the outbox without telling anyone yet; its data's `balance` is its id. */
  commit(customerId: string, padBytes = 0): Notification {
    const id = this.#nextId++;
    const n: Notification = {
      id,
      customerId,
      createdAt: '2026-11-22T10:00:00Z',
      type: 'balance.changed',
      data: {
        customerId,
        balance: id,
        currency: 'EUR',
        change: 1,
        cause: { kind: 'top-up', topUpId: `tu-${id}${'x'.repeat(padBytes)}` },
      },
    };
    this.outbox.push(n);
    return n;
  }

  /** Tells the listeners about already committed notifications, as one batch. */
  notify(batch: Notification[]): void {
    for (const listener of this.#listeners) listener(batch);
  }

  readiness(): ReadyState {
    return this.ready;
  }

  async submitTaps(taps: Tap[]): Promise<TapResult[]> {
    this.#maybeFail('submitTaps');
    this.submitted.push({ taps });
    if (this.submitHold !== undefined) return this.submitHold;
    return taps.map((tap) => this.#submitOne(tap));
  }

  #submitOne(tap: Tap): TapResult {
    const first = this.#decided.get(tap.tapId);
    if (first === undefined) return this.#decide(tap);
    if (first.content !== contentOf(tap)) return { tapId: tap.tapId, status: 'conflict' };
    return { tapId: tap.tapId, status: 'duplicate', ...first.outcome };
  }

  /** Issues the tap or rejects it, and records the outcome as the tap's latest (a replay decides again). */
  #decide(tap: Tap): TapResult {
    const { tapId } = tap;
    const reason = this.#rejection(tap);
    let result: TapResult;
    let outcome: DecidedOutcome;
    if (reason !== undefined) {
      this.taps.set(tapId, { tapId, status: 'rejected', reason });
      result = { tapId, status: 'rejected', reason };
      outcome = { outcome: 'rejected', reason };
    } else {
      const customer = this.customers.get(tap.customerId) as Customer;
      const ride = this.rides.get(tap.rideId) as Ride;
      customer.balance -= ride.price;
      const ticket: Ticket = {
        ticketId: `tk-${this.#nextTicket++}`, tapId, customerId: customer.id, rideId: ride.id, basePrice: ride.price,
        price: ride.price, currency: 'EUR', rules: [], balanceAfter: customer.balance, tappedAt: tap.tappedAt,
        issuedAt: '2026-11-22T10:00:00Z',
      };
      this.taps.set(tapId, { tapId, status: 'issued', ticket });
      const { ticketId, price, balanceAfter } = ticket;
      result = { tapId, status: 'issued', ticketId, price, balanceAfter };
      outcome = { outcome: 'issued', ticketId, price, balanceAfter };
    }
    this.tapCustomers.set(tapId, tap.customerId);
    this.#decided.set(tapId, { content: contentOf(tap), outcome });
    return result;
  }

  #rejection(tap: Tap): string | undefined {
    const customer = this.customers.get(tap.customerId);
    const ride = this.rides.get(tap.rideId);
    if (customer === undefined) return 'unknown_customer';
    if (ride === undefined) return 'unknown_ride';
    if (!ride.open) return 'ride_closed';
    return customer.balance < ride.price ? 'insufficient_funds' : undefined;
  }

  tapState(tapId: string): TapState | undefined {
    return this.taps.get(tapId);
  }

  tapCustomer(tapId: string): string | undefined {
    return this.tapCustomers.get(tapId);
  }

  getCustomer(id: string): Customer | undefined {
    return this.customers.get(id);
  }

  async putCustomer(id: string, input: CustomerInput): Promise<{ customer: Customer; created: boolean }> {
    this.#maybeFail('putCustomer');
    const old = this.customers.get(id);
    if (old !== undefined && input.balance !== undefined && input.balance !== old.balance) {
      throw new EngineError('ERR_BALANCE_NOT_SETTABLE', `customer ${id} exists: its balance changes with top-ups`);
    }
    const balance = old?.balance ?? input.balance ?? 0;
    const customer: Customer = { id, name: input.name, tier: input.tier, balance, currency: 'EUR' };
    this.customers.set(id, customer);
    return { customer, created: old === undefined };
  }

  async patchCustomer(id: string, patch: CustomerPatch): Promise<Customer> {
    this.#maybeFail('patchCustomer');
    const old = this.customers.get(id);
    if (old === undefined) throw new EngineError('ERR_UNKNOWN_CUSTOMER', `no customer ${id}`);
    const customer: Customer = { ...old, ...patch };
    this.customers.set(id, customer);
    return customer;
  }

  async topUp(customerId: string, topUpId: string, amount: number): Promise<TopUpResult> {
    this.#maybeFail('topUp');
    const customer = this.customers.get(customerId);
    if (customer === undefined) throw new Error('fake: unknown customer; tests use failNext for engine errors');
    if (this.topUps.has(topUpId)) return { status: 'duplicate', customer };
    if (customer.balance + amount > AMOUNT_MAX) throw new EngineError('ERR_BALANCE_LIMIT', 'over the ceiling');
    this.topUps.set(topUpId, amount);
    customer.balance += amount;
    return { status: 'applied', customer, notification: this.commit(customerId) };
  }

  listTickets(customerId: string, limit: number, cursor?: string): TicketPage {
    this.#maybeFail('listTickets');
    return { tickets: [], ...(cursor === undefined && limit === 1 && { nextCursor: `k1.${customerId}` }) };
  }

  listRides(): Ride[] {
    return [...this.rides.values()];
  }

  putRide(id: string, input: RideInput): { ride: Ride; created: boolean } {
    const ride: Ride = { id, ...input };
    const created = !this.rides.has(id);
    this.rides.set(id, ride);
    return { ride, created };
  }

  listMachines(): Machine[] {
    return [...this.machines.values()];
  }

  putMachine(id: string, input: { publicKey?: string }): { machine: Machine; created: boolean } {
    const machine: Machine = { id, ...input };
    const created = !this.machines.has(id);
    this.machines.set(id, machine);
    return { machine, created };
  }

  putShow(id: string, input: ShowInput): Promise<{ show: Show; created: boolean }> {
    return Promise.resolve(this.#showStore().put(id, input, 1_000));
  }

  getShow(id: string): Show | undefined {
    return this.#showStore().get(id);
  }

  searchShows(search: ShowSearch): ShowPage {
    return this.#showStore().search(search);
  }

  /** An empty inbox: the inbox routes are tested against the real engine (test/http/inbox.test.ts). */
  readonly inbox = emptyInbox();
  /** An empty feed: the feed is tested against the real engine (test/store/event-feed.test.ts, test/http/event-feed.test.ts). */
  readonly feed = emptyFeed();

  /** Knows no bookings; a show's counts are its capacity, or what a test set in `showAvailable`. */
  readonly boxOffice = emptyBoxOffice((showId) => {
    const show = this.getShow(showId);
    if (show === undefined) return undefined;
    const set = this.showAvailable.get(showId);
    const available = show.categories.map((c) => {
      const left = set?.[c.id] ?? c.capacity;
      return { categoryId: c.id, capacity: c.capacity, held: 0, sold: c.capacity - left, available: left };
    });
    return { available, seatMaps: {} };
  });

  #showStore(): ShowStore {
    if (this.#shows === undefined) {
      const db = new Database(':memory:');
      migrate(db);
      this.#shows = new ShowStore(db, (fn) => fn());
    }
    return this.#shows;
  }

  listDeadLetters(query: DeadLetterQuery): DeadLetterPage {
    const all = [...this.deadLetters.values()].filter((d) => query.reason === undefined || d.reason === query.reason);
    return { deadLetters: all.slice(0, query.limit), ...(all.length > query.limit && { nextCursor: 'k1.MQ' }) };
  }

  getDeadLetter(id: number): DeadLetter | undefined {
    return this.deadLetters.get(id);
  }

  /**
   * Decides the letter's tap again: issued, the letter is `replayed`; rejected again, the same letter stays, `open`,
   * with one more attempt.
   */
  async replayDeadLetter(id: number): Promise<TapState> {
    this.#maybeFail('replayDeadLetter');
    const deadLetter = this.deadLetters.get(id);
    if (deadLetter === undefined) throw new Error('fake: unknown dead letter; tests use failNext for engine errors');
    const result = this.#decide(deadLetter.tap);
    if (result.status === 'issued') deadLetter.status = 'replayed';
    else Object.assign(deadLetter, { status: 'open', attempts: deadLetter.attempts + 1, lastAt: '2026-11-22T10:00:00Z' });
    return this.taps.get(deadLetter.tapId) as TapState;
  }

  notificationsAfter(customerId: string, afterId: number, limit: number): Notification[] {
    this.#maybeFail('notificationsAfter');
    this.afterCalls.push({ customerId, afterId, limit });
    const page = this.outbox.filter((n) => n.customerId === customerId && n.id > afterId).slice(0, limit);
    this.afterRead?.(this.afterCalls.length, customerId);
    return page;
  }

  onNotifications(listener: NotificationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #maybeFail(method: Failable): void {
    const error = this.#failures.get(method);
    if (error === undefined) return;
    this.#failures.delete(method);
    throw error;
  }
}

/** What tells the same tap again (a duplicate) from another tap under its id (a conflict), as the ledger has it. */
function contentOf(tap: Tap): string {
  return JSON.stringify([tap.machineId, tap.customerId, tap.rideId, tap.tappedAt]);
}
