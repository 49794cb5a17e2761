/**
 * Migration v5: the box office (issue 10). Bookings are the booking saga's persisted state, one row each, with
 * their payments, tickets, check-ins and the waiting list beside them. Everything a customer hears of them is a row
 * of the same event log as their taps (v3-event-log.ts): the log's `type` check grows the box office's event types
 * and a `data` column carries each event's JSON (a booking, a payment, a check-in), so the SSE replay after a
 * reconnect reads bookings and taps in one ordered stream. A wallet payment is a log row whose `amount` is the
 * debit (and a wallet refund one whose `amount` is the credit): balances stay the sum of their customer's amounts.
 *
 * SQLite cannot change a CHECK constraint in place, so the log is copied into a table of the new shape once; ids,
 * chains and heads are kept as they are.
 *
 * Indexes, each for one read (each query's plan checked with EXPLAIN QUERY PLAN): a customer's bookings (newest
 * first), a show's open bookings (what its inventory actor is rebuilt from), the bookings still `held` in order and
 * the payments still open (what the saga resumes at start),
 * a booking's payments and tickets, a show's tickets (its check-in list), and the waiting line of a show.
 */
import type Database from 'better-sqlite3';

/** Every type of event row; the first five are the tap path's (v3). */
export const EVENT_TYPES_V5 = [
  'ticket.issued', 'ticket.rejected', 'tap.failed', 'balance.changed', 'customer.opened',
  'booking.held', 'booking.confirmed', 'booking.expired', 'booking.cancelled', 'payment.succeeded', 'payment.failed', 'payment.refunded', 'ticket.checked_in', 'waitlist.offered',
] as const;

/** The types a customer's SSE stream (and its replay) carries: all but the ledger's own `tap.failed` and `customer.opened`. */
export const STREAM_EVENT_TYPES_V5 = EVENT_TYPES_V5.filter((t) => t !== 'tap.failed' && t !== 'customer.opened');

const EVENT_TYPE_LIST = EVENT_TYPES_V5.map((t) => `'${t}'`).join(', ');

const V5_SQL = `
CREATE TABLE events_v5 (
  id            INTEGER PRIMARY KEY,
  customer_id   TEXT NOT NULL,
  type          TEXT NOT NULL CHECK (type IN (${EVENT_TYPE_LIST})),
  amount        INTEGER NOT NULL,
  balance_after INTEGER CHECK (balance_after >= 0),
  tap_id        TEXT,
  machine_id    TEXT,
  ride_id       TEXT,
  tapped_at     TEXT,
  reason        TEXT,
  base_price    INTEGER,
  price         INTEGER CHECK (price >= 0),
  rules         TEXT,
  ref           TEXT,
  message       TEXT,
  at            INTEGER NOT NULL,
  prev_id       INTEGER,
  data          TEXT
);
INSERT INTO events_v5 (id, customer_id, type, amount, balance_after, tap_id, machine_id, ride_id, tapped_at, reason,
                       base_price, price, rules, ref, message, at, prev_id)
  SELECT id, customer_id, type, amount, balance_after, tap_id, machine_id, ride_id, tapped_at, reason,
         base_price, price, rules, ref, message, at, prev_id FROM events;
DROP TABLE events;
ALTER TABLE events_v5 RENAME TO events;

ALTER TABLE shows ADD COLUMN doors_open_at TEXT;

CREATE TABLE bookings (
  id                    TEXT PRIMARY KEY,
  customer_id           TEXT NOT NULL,
  show_id               TEXT NOT NULL,
  status                TEXT NOT NULL CHECK (status IN ('held', 'confirmed', 'payment_failed', 'expired', 'cancelled')),
  items                 TEXT NOT NULL,
  total                 INTEGER NOT NULL CHECK (total >= 0),
  currency              TEXT NOT NULL,
  hold_expires_at       INTEGER NOT NULL,
  version               INTEGER NOT NULL CHECK (version >= 1),
  idempotency_key       TEXT,
  request_hash          TEXT,
  waiting_list_entry_id TEXT,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  seq                   INTEGER NOT NULL UNIQUE
) WITHOUT ROWID;
CREATE UNIQUE INDEX bookings_by_idempotency_key ON bookings (customer_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX bookings_by_customer ON bookings (customer_id, seq);
CREATE INDEX bookings_open_by_show ON bookings (show_id) WHERE status IN ('held', 'confirmed');
CREATE INDEX bookings_held ON bookings (seq) WHERE status = 'held';

CREATE TABLE booking_payments (
  id                      TEXT PRIMARY KEY,
  booking_id              TEXT NOT NULL,
  method                  TEXT NOT NULL CHECK (method IN ('wallet', 'card')),
  amount                  INTEGER NOT NULL CHECK (amount > 0),
  currency                TEXT NOT NULL,
  status                  TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded', 'partially_refunded')),
  refunded                INTEGER NOT NULL CHECK (refunded >= 0 AND refunded <= amount),
  refund_requested        INTEGER NOT NULL CHECK (refund_requested >= refunded AND refund_requested <= amount),
  provider_transaction_id TEXT,
  failure_reason          TEXT,
  created_at              INTEGER NOT NULL,
  updated_at              INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX booking_payments_by_booking ON booking_payments (booking_id);
CREATE INDEX booking_payments_open ON booking_payments (id) WHERE status = 'pending' OR refund_requested > refunded;

CREATE TABLE booking_tickets (
  id          TEXT PRIMARY KEY,
  booking_id  TEXT NOT NULL,
  show_id     TEXT NOT NULL,
  category_id TEXT NOT NULL,
  seat        TEXT,
  secret      TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('valid', 'voided')),
  position    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX booking_tickets_by_booking ON booking_tickets (booking_id, position);
CREATE INDEX booking_tickets_by_show ON booking_tickets (show_id);

CREATE TABLE check_ins (
  nonce       TEXT PRIMARY KEY,
  ticket_id   TEXT,
  secret      TEXT NOT NULL,
  gate_id     TEXT NOT NULL,
  scanned_at  INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  result      TEXT NOT NULL,
  first_at    INTEGER,
  first_gate  TEXT
) WITHOUT ROWID;
CREATE UNIQUE INDEX check_ins_accepted ON check_ins (ticket_id) WHERE result = 'ok';

CREATE TABLE waiting_list (
  seq         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  show_id     TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  category_id TEXT NOT NULL,
  quantity    INTEGER NOT NULL CHECK (quantity >= 1),
  status      TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'cancelled')),
  booking_id  TEXT,
  created_at  INTEGER NOT NULL
);
CREATE INDEX waiting_line ON waiting_list (show_id, category_id, seq) WHERE status = 'waiting';

CREATE TABLE webhook_events (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE venue_keys (
  key_id      INTEGER PRIMARY KEY CHECK (key_id BETWEEN 0 AND 255),
  private_key TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
`;

/** Runs inside the migration's transaction (schema.ts). */
export function migrateToBoxOffice(db: Database.Database): void {
  db.exec(V5_SQL);
}
