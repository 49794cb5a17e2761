/**
 * Migration v4: the shows catalogue. `shows` holds one row per show, keyed for search by `seq` (its rowid, which
 * is also the key of its row in the full-text index); `show_categories` its price categories in the order given,
 * with the seat rows of a seated one as JSON; `shows_fts` is an FTS5 index over name, venue and location that the
 * store writes in the same transaction as the show (shows.ts). The v3 event log is not touched: the catalogue is
 * written off the tap path, one show per transaction.
 */
import type Database from 'better-sqlite3';

const V4_SQL = `
CREATE TABLE shows (
  seq             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  name            TEXT NOT NULL,
  venue           TEXT NOT NULL,
  location        TEXT NOT NULL,
  starts_at       TEXT NOT NULL,
  starts_at_ms    INTEGER NOT NULL,
  ends_at         TEXT,
  sales_start_at  TEXT,
  sales_end_at    TEXT,
  status          TEXT NOT NULL CHECK (status IN ('draft', 'on_sale', 'sold_out', 'ended', 'cancelled')),
  capacity        INTEGER NOT NULL CHECK (capacity >= 1),
  updated_at      INTEGER NOT NULL
);
CREATE INDEX shows_by_start ON shows (starts_at_ms, id);
CREATE TABLE show_categories (
  show_seq  INTEGER NOT NULL REFERENCES shows (seq),
  position  INTEGER NOT NULL,
  id        TEXT NOT NULL,
  name      TEXT NOT NULL,
  price     INTEGER NOT NULL CHECK (price >= 0),
  capacity  INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
  rows_json TEXT,
  PRIMARY KEY (show_seq, position),
  UNIQUE (show_seq, id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE shows_fts USING fts5 (name, venue, location, tokenize = 'unicode61 remove_diacritics 2');
`;

/** Runs inside the migration's transaction (schema.ts). */
export function migrateToShows(db: Database.Database): void {
  db.exec(V4_SQL);
}
