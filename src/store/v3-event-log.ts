/**
 * Migration v3: one ordered log of everything that happens to a customer, `events`, replaces the tap journal, the
 * tickets, the ledger and the outbox. A decided tap is one row: its outcome, price, rules and balance after; it is
 * the ticket, the ledger's debit and the source of the customer's SSE event at once. Top-ups and opening balances
 * are rows of the same log, so a balance is the sum of its customer's `amount`s, and the SSE event id is the row id.
 *
 * Why this shape (bench/README.md, "The SQLite ceiling"): rows are appended in id order, so a commit dirties the
 * log's last pages only. The log has no secondary index, because an index on a random key (a tap id) or on a key
 * that every batch touches all over (a customer id) dirties a page per tap per index. Instead:
 * - a customer's events form a chain: each row holds `prev_id`, the customer's previous event, and
 *   `stream_heads` holds each customer's latest; its rows are written once per customer per batch, and it stays
 *   small enough to live in the cache. A customer's stream and tickets are read by walking the chain back.
 * - taps seen again are recognised by the ledger's in-memory window of recent taps (tap-window.ts), rebuilt from
 *   the end of the log at start.
 * The journal's second transaction per batch is gone: a tap is written once, decided.
 *
 * Existing data is carried over with the SSE ids customers already hold: a ticket's event keeps its
 * `ticket.issued` outbox id; the `balance.changed` that came with each ticket is folded into the ticket row
 * (`balanceAfter`); top-ups, rejections keep their ids. Opening balances and failed taps, which had no outbox row,
 * are appended after. Taps still pending (answered 202 but not decided when the old version stopped) move to
 * `legacy_pending`, which the engine decides at its next start.
 */
import type Database from 'better-sqlite3';

/** The types of events a customer's SSE stream carries; the others are the ledger's and operators' business. */
export const STREAM_EVENT_TYPES = ['ticket.issued', 'ticket.rejected', 'balance.changed'] as const;

const CREATE_SQL = `
CREATE TABLE events (
  id            INTEGER PRIMARY KEY,
  customer_id   TEXT NOT NULL,
  type          TEXT NOT NULL CHECK (type IN ('ticket.issued', 'ticket.rejected', 'tap.failed', 'balance.changed', 'customer.opened')),
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
  prev_id       INTEGER
);
CREATE TABLE stream_heads (
  customer_id TEXT PRIMARY KEY,
  last_id     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE legacy_pending (
  seq         INTEGER PRIMARY KEY,
  tap_id      TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  ride_id     TEXT NOT NULL,
  machine_id  TEXT NOT NULL,
  tapped_at   TEXT NOT NULL,
  signature   TEXT
);
`;

const COPY_SQL = `
INSERT INTO events (id, customer_id, type, amount, balance_after, tap_id, machine_id, ride_id, tapped_at, base_price, price, rules, ref, at)
  SELECT o.id, t.customer_id, 'ticket.issued', -t.price, t.balance_after, t.tap_id, tp.machine_id, t.ride_id, t.tapped_at,
         t.base_price, t.price, t.rules, t.ticket_id, t.issued_at
  FROM outbox o JOIN tickets t ON t.tap_id = json_extract(o.data, '$.tapId') JOIN taps tp ON tp.seq = t.seq
  WHERE o.type = 'ticket.issued';
INSERT INTO events (id, customer_id, type, amount, tap_id, machine_id, ride_id, tapped_at, reason, message, at)
  SELECT o.id, o.customer_id, 'ticket.rejected', 0, json_extract(o.data, '$.tapId'), tp.machine_id,
         json_extract(o.data, '$.rideId'), json_extract(o.data, '$.tappedAt'), json_extract(o.data, '$.reason'),
         json_extract(o.data, '$.message'), o.created_at
  FROM outbox o LEFT JOIN taps tp ON tp.tap_id = json_extract(o.data, '$.tapId')
  WHERE o.type = 'ticket.rejected';
INSERT INTO events (id, customer_id, type, amount, balance_after, ref, at)
  SELECT o.id, o.customer_id, 'balance.changed', json_extract(o.data, '$.change'), json_extract(o.data, '$.balance'),
         json_extract(o.data, '$.cause.topUpId'), o.created_at
  FROM outbox o WHERE o.type = 'balance.changed' AND json_extract(o.data, '$.cause.kind') = 'top-up';
INSERT INTO events (customer_id, type, amount, balance_after, at)
  SELECT customer_id, 'customer.opened', amount, balance_after, at FROM ledger WHERE kind = 'opening' ORDER BY id;
INSERT INTO events (customer_id, type, amount, tap_id, machine_id, ride_id, tapped_at, reason, at)
  SELECT customer_id, 'tap.failed', 0, tap_id, machine_id, ride_id, tapped_at, reason, accepted_at
  FROM taps WHERE status = 'failed' ORDER BY seq;
INSERT INTO legacy_pending (seq, tap_id, customer_id, ride_id, machine_id, tapped_at, signature)
  SELECT seq, tap_id, customer_id, ride_id, machine_id, tapped_at, signature FROM taps WHERE status = 'pending';
DROP TABLE outbox;
DROP TABLE tickets;
DROP TABLE ledger;
DROP TABLE taps;
CREATE INDEX migrating_chains ON events (customer_id, id);
UPDATE events SET prev_id = (SELECT max(p.id) FROM events p WHERE p.customer_id = events.customer_id AND p.id < events.id);
INSERT INTO stream_heads (customer_id, last_id) SELECT customer_id, max(id) FROM events GROUP BY customer_id;
DROP INDEX migrating_chains;
`;

/** Runs inside the migration's transaction (schema.ts). */
export function migrateToEventLog(db: Database.Database): void {
  db.exec(CREATE_SQL);
  db.exec(COPY_SQL);
}
