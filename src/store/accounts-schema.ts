/**
 * Migration v8: people and history (issue 11).
 *
 * - `users`: accounts people log into. Username and email are unique among the accounts that are not deleted, both
 *   compared case-insensitively; a deleted account keeps its row (its id is in the event feed) with the person
 *   erased: no name, email or password left.
 * - `tokens` learn whose session they are (`user_id`) and when they end (`expires_at`; null for API tokens, which
 *   live until revoked).
 * - the event log becomes the domain event feed: each row names its aggregate and its version in it, the request
 *   that caused it (`correlation_id`) and the event or request that did so directly (`causation_id`). A customer's
 *   own events (taps decided, top-ups, the opening balance) are the `customer` aggregate: those rows leave
 *   `aggregate_type` null (it is derived from `customer_id`, so the tap path writes no more text) and keep the
 *   customer's version in `stream_heads`. Every other aggregate (a booking with its payments, tickets and offers; a
 *   user) is spelled out, and a partial UNIQUE index on it both finds an aggregate's last version and forbids two
 *   events with one version. User events belong to no customer: `customer_id` becomes nullable, so the log is
 *   copied into a table of the new shape once (SQLite cannot drop NOT NULL in place), ids and chains kept.
 *
 * Versions of existing rows are numbered in log order, per customer and per booking.
 */
import type Database from 'better-sqlite3';
import { EVENT_TYPES_V5 } from './box-office-schema.ts';

/** Every type of event row: v5's and the accounts'. */
export const EVENT_TYPES_V8 = [...EVENT_TYPES_V5, 'user.created', 'user.updated', 'user.deleted'] as const;

/** The types whose aggregate is their customer (`aggregate_type` null in the row). */
export const CUSTOMER_AGGREGATE_TYPES = ['ticket.issued', 'ticket.rejected', 'tap.failed', 'balance.changed', 'customer.opened'] as const;

const EVENT_TYPE_LIST = EVENT_TYPES_V8.map((t) => `'${t}'`).join(', ');
const CUSTOMER_TYPE_LIST = CUSTOMER_AGGREGATE_TYPES.map((t) => `'${t}'`).join(', ');

const V8_SQL = `
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT,
  email         TEXT,
  display_name  TEXT,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'user')),
  customer_id   TEXT,
  password_hash TEXT,
  version       INTEGER NOT NULL CHECK (version >= 1),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  disabled_at   INTEGER,
  deleted_at    INTEGER,
  seq           INTEGER NOT NULL UNIQUE,
  CHECK ((deleted_at IS NULL) = (username IS NOT NULL AND email IS NOT NULL AND password_hash IS NOT NULL)),
  CHECK ((role = 'user') = (customer_id IS NOT NULL))
) WITHOUT ROWID;
CREATE UNIQUE INDEX users_by_username ON users (username COLLATE NOCASE) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX users_by_email ON users (email COLLATE NOCASE) WHERE deleted_at IS NULL;
CREATE INDEX users_by_customer ON users (customer_id) WHERE customer_id IS NOT NULL;

ALTER TABLE tokens ADD COLUMN user_id TEXT;
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
CREATE INDEX tokens_by_user ON tokens (user_id) WHERE user_id IS NOT NULL;

ALTER TABLE bookings ADD COLUMN correlation_id TEXT;

ALTER TABLE stream_heads ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE events_v8 (
  id             INTEGER PRIMARY KEY,
  customer_id    TEXT,
  type           TEXT NOT NULL CHECK (type IN (${EVENT_TYPE_LIST})),
  amount         INTEGER NOT NULL,
  balance_after  INTEGER CHECK (balance_after >= 0),
  tap_id         TEXT,
  machine_id     TEXT,
  ride_id        TEXT,
  tapped_at      TEXT,
  reason         TEXT,
  base_price     INTEGER,
  price          INTEGER CHECK (price >= 0),
  rules          TEXT,
  ref            TEXT,
  message        TEXT,
  at             INTEGER NOT NULL,
  prev_id        INTEGER,
  version        INTEGER NOT NULL CHECK (version >= 1),
  data           TEXT,
  aggregate_type TEXT,
  aggregate_id   TEXT,
  correlation_id TEXT,
  causation_id   TEXT,
  CHECK ((aggregate_type IS NULL) = (aggregate_id IS NULL)),
  CHECK (aggregate_type IS NOT NULL OR customer_id IS NOT NULL)
);
INSERT INTO events_v8 (id, customer_id, type, amount, balance_after, tap_id, machine_id, ride_id, tapped_at, reason,
                       base_price, price, rules, ref, message, at, prev_id, version, data, aggregate_type, aggregate_id)
  SELECT id, customer_id, type, amount, balance_after, tap_id, machine_id, ride_id, tapped_at, reason,
         base_price, price, rules, ref, message, at, prev_id,
         CASE WHEN type IN (${CUSTOMER_TYPE_LIST})
              THEN row_number() OVER (PARTITION BY customer_id, type IN (${CUSTOMER_TYPE_LIST}) ORDER BY id)
              ELSE row_number() OVER (PARTITION BY ref, type IN (${CUSTOMER_TYPE_LIST}) ORDER BY id) END,
         data,
         CASE WHEN type IN (${CUSTOMER_TYPE_LIST}) THEN NULL ELSE 'booking' END,
         CASE WHEN type IN (${CUSTOMER_TYPE_LIST}) THEN NULL ELSE ref END
  FROM events;
DROP TABLE events;
ALTER TABLE events_v8 RENAME TO events;
CREATE UNIQUE INDEX events_by_aggregate ON events (aggregate_type, aggregate_id, version) WHERE aggregate_type IS NOT NULL;

UPDATE stream_heads SET version = v.n
  FROM (SELECT customer_id, count(*) AS n FROM events WHERE aggregate_type IS NULL GROUP BY customer_id) AS v
  WHERE v.customer_id = stream_heads.customer_id;
`;

/** Runs inside the migration's transaction (schema.ts). */
export function migrateToAccounts(db: Database.Database): void {
  db.exec(V8_SQL);
}
