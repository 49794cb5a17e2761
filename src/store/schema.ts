/**
 * The store's schema as an ordered list of migrations; `PRAGMA user_version` records the last one applied.
 *
 * Secondary indexes are few on purpose: each costs write throughput on the group commit. The ones there are:
 * - `taps.tap_id` UNIQUE: duplicate detection, the heart of "never charged twice";
 * - `taps_pending`, partial on pending taps: recovery after a crash; it only ever holds the taps in flight, so it
 *   stays a few pages that are always in cache;
 * - `tickets_by_customer` and `outbox_by_customer`: a customer's tickets and the SSE replay after reconnect;
 * - `dead_letters_by_reason`: written only on the rare path (rejections and failures).
 * A ticket's key is its tap's `seq`, so "one ticket per tap" costs no extra index.
 *
 * v2 adds the API tokens: only the SHA-256 of each secret is kept, UNIQUE so a request's token is one index lookup.
 *
 * v3 replaces the journal, tickets, ledger and outbox with one ordered log, `events` (v3-event-log.ts).
 *
 * v4 adds the shows catalogue and its full-text index (shows-schema.ts).
 *
 * v5 adds the box office (box-office-schema.ts).
 *
 * v6 adds the inbox's read marker (inbox-schema.ts).
 *
 * v7 lets tokens have the `manager` role (manager-role-schema.ts).
 *
 * v8 adds user accounts and sessions, and makes the event log the domain event feed (accounts-schema.ts).
 *
 * v9 adds customers' own top-ups paid by card, pending until the provider's webhook (card-top-ups.ts).
 */
import type Database from 'better-sqlite3';
import { StoreError } from './store-error.ts';
import { migrateToAccounts } from './accounts-schema.ts';
import { migrateToBoxOffice } from './box-office-schema.ts';
import { migrateToCardTopUps } from './card-top-ups.ts';
import { migrateToInbox } from './inbox-schema.ts';
import { migrateToManagerRole } from './manager-role-schema.ts';
import { migrateToShows } from './shows-schema.ts';
import { migrateToEventLog } from './v3-event-log.ts';

export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

const V1_SQL = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('catalog_version', 0);

CREATE TABLE customers (
  id       TEXT PRIMARY KEY,
  name     TEXT NOT NULL,
  tier     TEXT NOT NULL CHECK (tier IN ('standard', 'season-pass')),
  balance  INTEGER NOT NULL CHECK (balance >= 0),
  currency TEXT NOT NULL CHECK (currency = 'EUR')
) WITHOUT ROWID;

CREATE TABLE rides (
  id    TEXT PRIMARY KEY,
  name  TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  open  INTEGER NOT NULL CHECK (open IN (0, 1))
) WITHOUT ROWID;

CREATE TABLE machines (
  id         TEXT PRIMARY KEY,
  public_key TEXT
) WITHOUT ROWID;

CREATE TABLE pricing (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  table_json TEXT NOT NULL
);

CREATE TABLE taps (
  seq         INTEGER PRIMARY KEY,
  tap_id      TEXT NOT NULL UNIQUE,
  customer_id TEXT NOT NULL,
  ride_id     TEXT NOT NULL,
  machine_id  TEXT NOT NULL,
  tapped_at   TEXT NOT NULL,
  signature   TEXT,
  accepted_at INTEGER NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'rejected', 'failed')),
  reason      TEXT,
  ticket_id   TEXT
);
CREATE INDEX taps_pending ON taps (seq) WHERE status = 'pending';

CREATE TABLE tickets (
  seq           INTEGER PRIMARY KEY REFERENCES taps (seq),
  ticket_id     TEXT NOT NULL,
  tap_id        TEXT NOT NULL,
  customer_id   TEXT NOT NULL REFERENCES customers (id),
  ride_id       TEXT NOT NULL,
  base_price    INTEGER NOT NULL,
  price         INTEGER NOT NULL CHECK (price >= 0),
  currency      TEXT NOT NULL,
  rules         TEXT NOT NULL,
  balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
  tapped_at     TEXT NOT NULL,
  issued_at     INTEGER NOT NULL
);
CREATE INDEX tickets_by_customer ON tickets (customer_id);

CREATE TABLE ledger (
  id            INTEGER PRIMARY KEY,
  customer_id   TEXT NOT NULL REFERENCES customers (id),
  kind          TEXT NOT NULL CHECK (kind IN ('opening', 'debit', 'top-up')),
  amount        INTEGER NOT NULL,
  balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
  ref           TEXT,
  at            INTEGER NOT NULL
);

CREATE TABLE top_ups (
  top_up_id   TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers (id),
  amount      INTEGER NOT NULL CHECK (amount > 0),
  at          INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE outbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id TEXT NOT NULL,
  type        TEXT NOT NULL CHECK (type IN ('ticket.issued', 'ticket.rejected', 'balance.changed')),
  data        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX outbox_by_customer ON outbox (customer_id);

CREATE TABLE dead_letters (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  tap_id   TEXT NOT NULL,
  tap      TEXT NOT NULL,
  reason   TEXT NOT NULL,
  error    TEXT,
  attempts INTEGER NOT NULL CHECK (attempts >= 1),
  first_at INTEGER NOT NULL,
  last_at  INTEGER NOT NULL,
  status   TEXT NOT NULL CHECK (status IN ('open', 'replayed'))
);
CREATE INDEX dead_letters_by_reason ON dead_letters (reason);
`;

const V2_SQL = `
CREATE TABLE tokens (
  id          TEXT PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE,
  role        TEXT NOT NULL CHECK (role IN ('admin', 'machine', 'customer')),
  customer_id TEXT,
  machine_id  TEXT,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER,
  CHECK ((role = 'customer') = (customer_id IS NOT NULL)),
  CHECK ((role = 'machine') = (machine_id IS NOT NULL))
) WITHOUT ROWID;
`;

/** Every migration, in order; append, never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'initial schema', up: (db) => db.exec(V1_SQL) },
  { version: 2, description: 'API tokens (hashed)', up: (db) => db.exec(V2_SQL) },
  { version: 3, description: 'one ordered event log instead of journal, tickets, ledger and outbox', up: migrateToEventLog },
  { version: 4, description: 'shows catalogue with a full-text index', up: migrateToShows },
  { version: 5, description: 'the box office: bookings, payments, tickets, check-ins, waiting list; box-office events in the log', up: migrateToBoxOffice },
  { version: 6, description: "the inbox's read marker per customer", up: migrateToInbox },
  { version: 7, description: 'the manager role of API tokens', up: migrateToManagerRole },
  { version: 8, description: 'user accounts and sessions; the event log as the domain event feed', up: migrateToAccounts },
  { version: 9, description: "customers' own top-ups paid by card, pending until the provider's webhook", up: migrateToCardTopUps },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to `SCHEMA_VERSION`, each migration in its own transaction together with its
 * `user_version` bump, so a crash leaves the schema at a version that exists. Returns the version before.
 *
 * @example
 * migrate(db, MIGRATIONS) // 0 on a new file, then user_version is 1
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const before = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (before > latest) {
    throw new StoreError('ERR_SCHEMA_TOO_NEW', `database schema v${before} is newer than this ticketd (v${latest})`);
  }
  for (const migration of migrations) {
    if (migration.version <= before) continue;
    db.transaction(() => {
      migration.up(db);
      // PRAGMA takes no bound parameters; the version is an integer from our own list.
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
    }).immediate();
  }
  return before;
}
