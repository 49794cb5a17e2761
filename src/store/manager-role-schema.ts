/**
 * Migration v7: the `manager` role of API tokens (issue 11). SQLite cannot change a CHECK constraint in place, so the
 * tokens table is copied into one whose role check knows `manager`; ids, hashes and times are kept.
 */
import type Database from 'better-sqlite3';

const V7_SQL = `
CREATE TABLE tokens_v7 (
  id          TEXT PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE,
  role        TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'machine', 'customer')),
  customer_id TEXT,
  machine_id  TEXT,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER,
  CHECK ((role = 'customer') = (customer_id IS NOT NULL)),
  CHECK ((role = 'machine') = (machine_id IS NOT NULL))
) WITHOUT ROWID;
INSERT INTO tokens_v7 (id, hash, role, customer_id, machine_id, created_at, revoked_at)
  SELECT id, hash, role, customer_id, machine_id, created_at, revoked_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v7 RENAME TO tokens;
`;

/** Runs inside the migration's transaction (schema.ts). */
export function migrateToManagerRole(db: Database.Database): void {
  db.exec(V7_SQL);
}
