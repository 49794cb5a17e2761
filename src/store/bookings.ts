/**
 * The box office in the store (schema: box-office-schema.ts): bookings with their payments and tickets, check-ins,
 * the waiting list, the webhook events applied and the venue's signing key. Reads run on the store's connection
 * like every read; writes run only inside the ledger's group commit (`TicketStore.commitGroup`), through a
 * `BookingWriter` around that commit's `CommitBatch`, so a booking's step, its wallet debit and its event in the
 * customer's log commit together or not at all.
 */
import type Database from 'better-sqlite3';
import type {
  Booking, BookingItem, BookingPayment, BookingStatus, BookingTicket, BoxOfficePayload, WaitingListEntry, WaitingListStatus,
} from '../box-office/booking-types.ts';
import type { InventoryRecord } from '../box-office/inventory-types.ts';
import type { CheckInRecord } from '../domain/check-in.ts';
import type { PaymentMethod, PaymentStatus } from '../payments/payment.ts';
import type { CommitBatch } from './commit-batch.ts';
import { decodeCursor, pageOf } from './page-cursor.ts';
import { iso } from './rows.ts';
import type { Notification } from './store-types.ts';

interface BookingRow {
  id: string; customer_id: string; show_id: string; status: BookingStatus; items: string; total: number; currency: string;
  hold_expires_at: number; version: number; idempotency_key: string | null; request_hash: string | null;
  waiting_list_entry_id: string | null; created_at: number; updated_at: number; seq: number;
}
interface PaymentRow {
  id: string; booking_id: string; method: PaymentMethod; amount: number; currency: string; status: PaymentStatus; refunded: number;
  refund_requested: number; provider_transaction_id: string | null; failure_reason: string | null; created_at: number; updated_at: number;
}
interface TicketRow {
  id: string; booking_id: string; show_id: string; category_id: string; seat: string | null; secret: string;
  status: 'valid' | 'voided'; position: number;
}
interface CheckInRow {
  nonce: string; ticket_id: string | null; secret: string; gate_id: string; scanned_at: number; received_at: number;
  result: CheckInRecord['answer']['result']; first_at: number | null; first_gate: string | null;
}
interface WaitingRow {
  seq: number; id: string; show_id: string; customer_id: string; category_id: string; quantity: number;
  status: WaitingListStatus; booking_id: string | null; created_at: number;
}

/** A payment as stored, with what the saga needs beyond the API's shape: refunds asked of the provider. */
export interface StoredPayment extends BookingPayment {
  refundRequested: number;
}

/** A booking as stored: the API's shape and what the saga needs of it. */
export interface StoredBooking extends Booking {
  holdExpiresAtMs: number;
  idempotencyKey?: string;
  requestHash?: string;
  payments: StoredPayment[];
}

export interface BookingPage {
  bookings: Booking[];
  nextCursor?: string;
}

/** Most bookings the resume at start reads in one page. */
const RESUME_PAGE = 1_000;

function prepare(db: Database.Database) {
  const bookingColumns = 'id, customer_id, show_id, status, items, total, currency, hold_expires_at, version, idempotency_key, request_hash, waiting_list_entry_id, created_at, updated_at, seq';
  const paymentColumns = 'id, booking_id, method, amount, currency, status, refunded, refund_requested, provider_transaction_id, failure_reason, created_at, updated_at';
  const waitingColumns = 'seq, id, show_id, customer_id, category_id, quantity, status, booking_id, created_at';
  return {
    booking: db.prepare<[string], BookingRow>(`SELECT ${bookingColumns} FROM bookings WHERE id = ?`),
    bookingByKey: db.prepare<[string, string], BookingRow>(`SELECT ${bookingColumns} FROM bookings WHERE customer_id = ? AND idempotency_key = ?`),
    customerBookings: db.prepare<[string, number, number], BookingRow>(
      `SELECT ${bookingColumns} FROM bookings WHERE customer_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
    openOfShow: db.prepare<[string], BookingRow>(`SELECT ${bookingColumns} FROM bookings WHERE show_id = ? AND status IN ('held', 'confirmed')`),
    heldAfter: db.prepare<[number, number], BookingRow>(
      `SELECT ${bookingColumns} FROM bookings WHERE status = 'held' AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    openPaymentsAfter: db.prepare<[string, number], PaymentRow>(
      `SELECT ${paymentColumns} FROM booking_payments WHERE (status = 'pending' OR refund_requested > refunded) AND id > ? ORDER BY id LIMIT ?`,
    ),
    nextSeq: db.prepare<[], number>('SELECT coalesce(max(seq), 0) + 1 FROM bookings').pluck(),
    insertBooking: db.prepare(
      `INSERT INTO bookings (${bookingColumns}, correlation_id) VALUES (:id, :customer_id, :show_id, :status, :items, :total, :currency,
       :hold_expires_at, :version, :idempotency_key, :request_hash, :waiting_list_entry_id, :created_at, :updated_at, :seq, :correlation_id)`,
    ),
    bookingCorrelation: db.prepare<[string], string | null>('SELECT correlation_id FROM bookings WHERE id = ?').pluck(),
    // The id of an aggregate's latest event (the partial index events_by_aggregate answers it).
    lastAggregateEvent: db.prepare<[string, string], number>(
      'SELECT id FROM events WHERE aggregate_type = ? AND aggregate_id = ? ORDER BY version DESC LIMIT 1',
    ).pluck(),
    setBookingStatus: db.prepare<[BookingStatus, number, string], unknown>(
      'UPDATE bookings SET status = ?, version = version + 1, updated_at = ? WHERE id = ?',
    ),
    payment: db.prepare<[string], PaymentRow>(`SELECT ${paymentColumns} FROM booking_payments WHERE id = ?`),
    paymentsOf: db.prepare<[string], PaymentRow>(`SELECT ${paymentColumns} FROM booking_payments WHERE booking_id = ? ORDER BY created_at, id`),
    insertPayment: db.prepare(
      `INSERT INTO booking_payments (${paymentColumns}) VALUES (:id, :booking_id, :method, :amount, :currency, :status, :refunded,
       :refund_requested, :provider_transaction_id, :failure_reason, :created_at, :updated_at)`,
    ),
    updatePayment: db.prepare(
      `UPDATE booking_payments SET status = :status, refunded = :refunded, refund_requested = :refund_requested,
       provider_transaction_id = :provider_transaction_id, failure_reason = :failure_reason, updated_at = :updated_at WHERE id = :id`,
    ),
    ticketsOf: db.prepare<[string], TicketRow>('SELECT id, booking_id, show_id, category_id, seat, secret, status, position FROM booking_tickets WHERE booking_id = ? ORDER BY position'),
    ticket: db.prepare<[string], TicketRow>('SELECT id, booking_id, show_id, category_id, seat, secret, status, position FROM booking_tickets WHERE id = ?'),
    ticketsOfShow: db.prepare<[string], TicketRow>('SELECT id, booking_id, show_id, category_id, seat, secret, status, position FROM booking_tickets WHERE show_id = ?'),
    insertTicket: db.prepare<[string, string, string, string, string | null, string, number], unknown>(
      "INSERT INTO booking_tickets (id, booking_id, show_id, category_id, seat, secret, status, position) VALUES (?, ?, ?, ?, ?, ?, 'valid', ?)",
    ),
    voidTickets: db.prepare<[string], unknown>("UPDATE booking_tickets SET status = 'voided' WHERE booking_id = ?"),
    checkIn: db.prepare<[string], CheckInRow>('SELECT nonce, ticket_id, secret, gate_id, scanned_at, received_at, result, first_at, first_gate FROM check_ins WHERE nonce = ?'),
    acceptedCheckIn: db.prepare<[string], CheckInRow>(
      "SELECT nonce, ticket_id, secret, gate_id, scanned_at, received_at, result, first_at, first_gate FROM check_ins WHERE ticket_id = ? AND result = 'ok'",
    ),
    checkedInOfShow: db.prepare<[string], string>(
      "SELECT c.ticket_id FROM check_ins c JOIN booking_tickets t ON t.id = c.ticket_id WHERE t.show_id = ? AND c.result = 'ok'",
    ).pluck(),
    insertCheckIn: db.prepare<[string, string | null, string, string, number, number, string, number | null, string | null], unknown>(
      'INSERT INTO check_ins (nonce, ticket_id, secret, gate_id, scanned_at, received_at, result, first_at, first_gate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    waitingEntry: db.prepare<[string], WaitingRow>(`SELECT ${waitingColumns} FROM waiting_list WHERE id = ?`),
    waitingLine: db.prepare<[string, string, number], WaitingRow>(
      `SELECT ${waitingColumns} FROM waiting_list WHERE show_id = ? AND category_id = ? AND status = 'waiting' ORDER BY seq LIMIT ?`,
    ),
    waitingShows: db.prepare<[], string>("SELECT DISTINCT show_id FROM waiting_list WHERE status = 'waiting'").pluck(),
    insertWaiting: db.prepare<[string, string, string, string, number, number], unknown>(
      "INSERT INTO waiting_list (id, show_id, customer_id, category_id, quantity, status, created_at) VALUES (?, ?, ?, ?, ?, 'waiting', ?)",
    ),
    setWaiting: db.prepare<[WaitingListStatus, string | null, string], unknown>('UPDATE waiting_list SET status = ?, booking_id = ? WHERE id = ?'),
    webhookSeen: db.prepare<[string], number>('SELECT 1 FROM webhook_events WHERE id = ?').pluck(),
    insertWebhook: db.prepare<[string, number], unknown>('INSERT INTO webhook_events (id, at) VALUES (?, ?)'),
    venueKeys: db.prepare<[], { key_id: number; private_key: string }>('SELECT key_id, private_key FROM venue_keys ORDER BY key_id'),
    insertVenueKey: db.prepare<[number, string, number], unknown>('INSERT OR IGNORE INTO venue_keys (key_id, private_key, created_at) VALUES (?, ?, ?)'),
  };
}

type Statements = ReturnType<typeof prepare>;

/**
 * Reads of the box office, and the writer its group-commit writes use.
 *
 * @example
 * store.bookings.get('bk_1')?.status // 'confirmed'
 */
export class BookingStore {
  readonly #st: Statements;
  readonly #run: <T>(fn: () => T) => T;
  readonly #read: <T>(fn: () => T) => T;

  /** `run` wraps every call (the TicketStore's closed check and SQLite error mapping). */
  constructor(db: Database.Database, run: <T>(fn: () => T) => T) {
    this.#st = prepare(db);
    this.#run = run;
    const snapshot = db.transaction((fn: () => unknown) => fn());
    // A booking is several rows: read them in one snapshot, so a commit in between cannot split them.
    this.#read = <T>(fn: () => T): T => run(() => (db.inTransaction ? fn() : (snapshot.deferred(fn) as T)));
  }

  get(id: string): StoredBooking | undefined {
    return this.#read(() => {
      const row = this.#st.booking.get(id);
      return row === undefined ? undefined : bookingOf(this.#st, row);
    });
  }

  /** The booking a customer made with an idempotency key, if any. */
  byIdempotencyKey(customerId: string, key: string): StoredBooking | undefined {
    return this.#read(() => {
      const row = this.#st.bookingByKey.get(customerId, key);
      return row === undefined ? undefined : bookingOf(this.#st, row);
    });
  }

  /** A customer's bookings, newest first. */
  listOfCustomer(customerId: string, limit: number, cursor?: string): BookingPage {
    return this.#read(() => {
      const before = decodeCursor(cursor);
      const page = pageOf((n) => this.#st.customerBookings.all(customerId, before, n), limit, (row) => row.seq);
      const bookings = page.rows.map((row) => publicBooking(bookingOf(this.#st, row)));
      return page.nextCursor === undefined ? { bookings } : { bookings, nextCursor: page.nextCursor };
    });
  }

  /** What a show's inventory actor is rebuilt from: its held and confirmed bookings. */
  inventoryRecords(showId: string): InventoryRecord[] {
    return this.#run(() => this.#st.openOfShow.all(showId).map((row) => ({
      bookingId: row.id,
      status: row.status === 'held' ? 'held' : 'sold',
      expiresAtMs: row.hold_expires_at,
      items: (JSON.parse(row.items) as BookingItem[]).map(({ categoryId, quantity, seats }) => (seats === undefined ? { categoryId, quantity } : { categoryId, quantity, seats })),
    })));
  }

  /** Bookings still held (sagas in flight), oldest first, a page after `afterSeq`; each with its `seq` for the next page. */
  heldAfter(afterSeq: number): Array<{ seq: number; booking: StoredBooking }> {
    return this.#read(() => this.#st.heldAfter.all(afterSeq, RESUME_PAGE).map((row) => ({ seq: row.seq, booking: bookingOf(this.#st, row) })));
  }

  /** Payments still waiting on the provider (a charge pending, a refund asked), a page after `afterId`. */
  openPaymentsAfter(afterId: string): StoredPayment[] {
    return this.#run(() => this.#st.openPaymentsAfter.all(afterId, RESUME_PAGE).map(paymentOf));
  }

  payment(id: string): StoredPayment | undefined {
    return this.#run(() => {
      const row = this.#st.payment.get(id);
      return row === undefined ? undefined : paymentOf(row);
    });
  }

  /** Every ticket of a show with whether it was let in: the check-in list's input. */
  ticketsOfShow(showId: string): Array<BookingTicket & { checkedIn: boolean }> {
    return this.#read(() => {
      const checkedIn = new Set(this.#st.checkedInOfShow.all(showId));
      return this.#st.ticketsOfShow.all(showId).map((row) => ({ ...ticketOf(row), checkedIn: checkedIn.has(row.id) }));
    });
  }

  waitingEntry(id: string): WaitingListEntry | undefined {
    return this.#run(() => {
      const row = this.#st.waitingEntry.get(id);
      return row === undefined ? undefined : waitingOf(row);
    });
  }

  /** The first `limit` entries waiting for a category of a show, in the order they joined. */
  waitingLine(showId: string, categoryId: string, limit: number): WaitingListEntry[] {
    return this.#run(() => this.#st.waitingLine.all(showId, categoryId, limit).map(waitingOf));
  }

  /** Shows with someone waiting: where released seats are offered first at start. */
  showsWithWaiting(): string[] {
    return this.#run(() => this.#st.waitingShows.all());
  }

  /** The venue's signing keys (PKCS#8 PEM) by key id. */
  venueKeys(): Array<{ keyId: number; privateKeyPem: string }> {
    return this.#run(() => this.#st.venueKeys.all().map((r) => ({ keyId: r.key_id, privateKeyPem: r.private_key })));
  }

  /** Stores a venue key unless that key id is taken (the first one written wins). */
  addVenueKey(keyId: number, privateKeyPem: string, nowMs: number): void {
    this.#run(() => this.#st.insertVenueKey.run(keyId, privateKeyPem, nowMs));
  }

  /** The writer for one group commit's batch. Only `TicketStore.commitGroup` calls this. */
  writer(batch: CommitBatch): BookingWriter {
    return new BookingWriter(this.#st, batch);
  }
}

/**
 * What the writes done for one request share: the request's id, and the last event they appended to each booking,
 * so that a step's event is caused by the step before it even when the two commit separately (a wallet payment
 * after the hold, a confirmation after the payment).
 */
export interface RequestTrail {
  readonly requestId: string;
  readonly appended: Map<string, number>;
}

/** @example requestTrail('req-abc') // { requestId: 'req-abc', appended: Map {} } */
export function requestTrail(requestId: string): RequestTrail {
  return { requestId, appended: new Map() };
}

/** A new booking as the saga's first step writes it. */
export interface NewBooking {
  id: string;
  customerId: string;
  showId: string;
  items: BookingItem[];
  total: number;
  currency: string;
  holdExpiresAtMs: number;
  idempotencyKey?: string;
  requestHash?: string;
  waitingListEntryId?: string;
}

/**
 * The box office's writes inside one group commit. Each method writes rows and, where the customer hears of it,
 * appends the event to their log (`notify`), collected in `notifications` for the SSE hub once the commit is durable.
 */
export class BookingWriter {
  readonly #st: Statements;
  readonly batch: CommitBatch;
  /** The events this write appended, for the SSE hub once the commit is durable. */
  readonly notifications: Notification[] = [];
  /**
   * The request this write serves (its X-Request-Id), if a request drives it: a new booking's correlation id, and the
   * cause of the first event it appends to a booking. Steps no request drives (an expiry, a resumed saga) leave it
   * unset; their events are caused by the booking's event before them. Set by `serve`.
   */
  requestId: string | undefined;
  /** The last event this write (or, when serving a request, the request's earlier writes) appended to each booking: the cause of the next one. */
  #appended = new Map<string, number>();

  constructor(st: Statements, batch: CommitBatch) {
    this.#st = st;
    this.batch = batch;
  }

  get nowMs(): number {
    return this.batch.nowMs;
  }

  /**
   * Makes this write one of `trail`'s request: its id correlates a booking the write begins, and its first event on
   * a booking is caused by the request, or by the event the request's earlier writes appended to that booking last.
   *
   * @example
   * const trail = requestTrail('req-abc'); await commit((w) => { w.serve(trail); … });
   */
  serve(trail: RequestTrail): void {
    this.requestId = trail.requestId;
    this.#appended = trail.appended;
  }

  booking(id: string): StoredBooking | undefined {
    const row = this.#st.booking.get(id);
    return row === undefined ? undefined : bookingOf(this.#st, row);
  }

  bookingByKey(customerId: string, key: string): StoredBooking | undefined {
    const row = this.#st.bookingByKey.get(customerId, key);
    return row === undefined ? undefined : bookingOf(this.#st, row);
  }

  payment(id: string): StoredPayment | undefined {
    const row = this.#st.payment.get(id);
    return row === undefined ? undefined : paymentOf(row);
  }

  insertBooking(b: NewBooking): StoredBooking {
    const now = this.nowMs;
    const row: BookingRow = {
      id: b.id, customer_id: b.customerId, show_id: b.showId, status: 'held', items: JSON.stringify(b.items), total: b.total,
      currency: b.currency, hold_expires_at: b.holdExpiresAtMs, version: 1, idempotency_key: b.idempotencyKey ?? null,
      request_hash: b.requestHash ?? null, waiting_list_entry_id: b.waitingListEntryId ?? null, created_at: now, updated_at: now,
      seq: this.#st.nextSeq.get() as number,
    };
    // A booking's saga is correlated by the request that began it (or, for an offer from the waiting list, the
    // request that freed the places); one begun by no request is its own correlation.
    this.#st.insertBooking.run({ ...row, correlation_id: this.requestId ?? b.id });
    // Built from the row just written rather than read back: a new booking has no payments or tickets yet.
    return bookingOf(this.#st, row, true);
  }

  /** Moves a booking to `status` (its version goes up by one) and answers it as it is now. */
  setStatus(id: string, status: BookingStatus): StoredBooking {
    this.#st.setBookingStatus.run(status, this.nowMs, id);
    return this.booking(id)!;
  }

  insertPayment(p: { id: string; bookingId: string; method: PaymentMethod; amount: number; currency: string }): StoredPayment {
    const now = this.nowMs;
    this.#st.insertPayment.run({
      id: p.id, booking_id: p.bookingId, method: p.method, amount: p.amount, currency: p.currency, status: 'pending', refunded: 0,
      refund_requested: 0, provider_transaction_id: null, failure_reason: null, created_at: now, updated_at: now,
    });
    return this.payment(p.id)!;
  }

  /** Writes a payment's changed fields. */
  updatePayment(p: StoredPayment): StoredPayment {
    this.#st.updatePayment.run({
      id: p.id, status: p.status, refunded: p.refunded, refund_requested: p.refundRequested,
      provider_transaction_id: p.providerTransactionId ?? null, failure_reason: p.failureReason ?? null, updated_at: this.nowMs,
    });
    return this.payment(p.id)!;
  }

  /**
   * Takes `amount` from the customer's wallet if it covers it; answers the balance after, or undefined (nothing
   * taken) when it does not or the customer is unknown.
   */
  debitWallet(customerId: string, amount: number): number | undefined {
    const wallet = this.batch.wallet(customerId);
    if (wallet === undefined || wallet.balance < amount) return undefined;
    return this.batch.debit(wallet, amount);
  }

  /** Gives `amount` back to the customer's wallet; answers the balance after. */
  creditWallet(customerId: string, amount: number): number {
    const wallet = this.batch.wallet(customerId);
    if (wallet === undefined) throw new Error(`no wallet of ${customerId} to refund`);
    return this.batch.credit(wallet, amount);
  }

  insertTickets(tickets: readonly Omit<BookingTicket, 'status'>[]): void {
    tickets.forEach((t, position) => this.#st.insertTicket.run(t.id, t.bookingId, t.showId, t.categoryId, t.seat ?? null, t.secret, position));
  }

  voidTickets(bookingId: string): void {
    this.#st.voidTickets.run(bookingId);
  }

  ticket(id: string): BookingTicket | undefined {
    const row = this.#st.ticket.get(id);
    return row === undefined ? undefined : ticketOf(row);
  }

  acceptedCheckIn(ticketId: string): CheckInRecord | undefined {
    const row = this.#st.acceptedCheckIn.get(ticketId);
    return row === undefined ? undefined : checkInOf(row);
  }

  checkInByNonce(nonce: string): CheckInRecord | undefined {
    const row = this.#st.checkIn.get(nonce);
    return row === undefined ? undefined : checkInOf(row);
  }

  insertCheckIn(r: CheckInRecord): void {
    const first = r.answer.firstCheckIn;
    this.#st.insertCheckIn.run(r.nonce, r.ticketId ?? null, r.secret, r.gateId, r.scannedAt, r.receivedAt, r.answer.result, first?.at ?? null, first?.gateId ?? null);
  }

  insertWaiting(e: { id: string; showId: string; customerId: string; categoryId: string; quantity: number }): WaitingListEntry {
    this.#st.insertWaiting.run(e.id, e.showId, e.customerId, e.categoryId, e.quantity, this.nowMs);
    return waitingOf(this.#st.waitingEntry.get(e.id)!);
  }

  setWaiting(id: string, status: WaitingListStatus, bookingId: string | undefined): WaitingListEntry {
    this.#st.setWaiting.run(status, bookingId ?? null, id);
    return waitingOf(this.#st.waitingEntry.get(id)!);
  }

  waitingEntry(id: string): WaitingListEntry | undefined {
    const row = this.#st.waitingEntry.get(id);
    return row === undefined ? undefined : waitingOf(row);
  }

  /** Records a provider event as applied; false when it already was (a redelivery). */
  markWebhook(eventId: string): boolean {
    if (this.#st.webhookSeen.get(eventId) !== undefined) return false;
    this.#st.insertWebhook.run(eventId, this.nowMs);
    return true;
  }

  /**
   * Appends the event to the customer's log and answers its notification. `amount` and `balanceAfter` record a
   * wallet movement (a wallet payment or refund), 0 and null otherwise.
   */
  notify(customerId: string, ref: string, payload: BoxOfficePayload, amount = 0, balanceAfter: number | null = null): Notification {
    const st = this.#st;
    const before = this.#appended.get(ref) ?? (this.requestId === undefined ? st.lastAggregateEvent.get('booking', ref) : undefined);
    const id = this.batch.appendData(customerId, payload.type, amount, balanceAfter, ref, JSON.stringify(payload.data), {
      aggregateType: 'booking', aggregateId: ref,
      correlationId: st.bookingCorrelation.get(ref) ?? this.requestId ?? null,
      causationId: before === undefined ? this.requestId ?? null : String(before),
    });
    this.#appended.set(ref, id);
    const notification = { id, customerId, createdAt: this.batch.createdAt, ...payload } as Notification;
    this.notifications.push(notification);
    return notification;
  }
}

/** A stored booking without the saga's own fields: what the API answers. */
export function publicBooking(b: StoredBooking): Booking {
  const { holdExpiresAtMs: _h, idempotencyKey: _k, requestHash: _r, payments, ...rest } = b;
  return { ...rest, payments: payments.map(publicPayment) };
}

export function publicPayment(p: StoredPayment): BookingPayment {
  const { refundRequested: _r, ...rest } = p;
  return rest;
}

function bookingOf(st: Statements, row: BookingRow, isNew = false): StoredBooking {
  return {
    id: row.id, customerId: row.customer_id, showId: row.show_id, status: row.status, items: JSON.parse(row.items) as BookingItem[],
    total: row.total, currency: row.currency, holdExpiresAt: iso(row.hold_expires_at), holdExpiresAtMs: row.hold_expires_at,
    version: row.version, payments: isNew ? [] : st.paymentsOf.all(row.id).map(paymentOf), tickets: isNew ? [] : st.ticketsOf.all(row.id).map(ticketOf),
    ...(row.waiting_list_entry_id !== null && { waitingListEntryId: row.waiting_list_entry_id }),
    ...(row.idempotency_key !== null && { idempotencyKey: row.idempotency_key }),
    ...(row.request_hash !== null && { requestHash: row.request_hash }),
    createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
  };
}

function paymentOf(row: PaymentRow): StoredPayment {
  return {
    id: row.id, bookingId: row.booking_id, method: row.method, amount: row.amount, currency: row.currency, status: row.status,
    refunded: row.refunded, refundRequested: row.refund_requested,
    ...(row.provider_transaction_id !== null && { providerTransactionId: row.provider_transaction_id }),
    ...(row.failure_reason !== null && { failureReason: row.failure_reason }),
    createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
  };
}

function ticketOf(row: TicketRow): BookingTicket {
  return {
    id: row.id, bookingId: row.booking_id, showId: row.show_id, categoryId: row.category_id,
    ...(row.seat !== null && { seat: row.seat }), secret: row.secret, status: row.status,
  };
}

function checkInOf(row: CheckInRow): CheckInRecord {
  const answer: CheckInRecord['answer'] = { result: row.result };
  if (row.first_at !== null && row.first_gate !== null) answer.firstCheckIn = { at: row.first_at, gateId: row.first_gate };
  return {
    nonce: row.nonce, ticketId: row.ticket_id ?? undefined, secret: row.secret, gateId: row.gate_id, scannedAt: row.scanned_at,
    receivedAt: row.received_at, answer,
  };
}

function waitingOf(row: WaitingRow): WaitingListEntry {
  return {
    id: row.id, showId: row.show_id, customerId: row.customer_id, categoryId: row.category_id, quantity: row.quantity,
    status: row.status, ...(row.booking_id !== null && { bookingId: row.booking_id }), createdAt: iso(row.created_at),
  };
}
