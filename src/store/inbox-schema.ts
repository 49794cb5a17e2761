/**
 * Migration v6: the inbox's read marker (issue 11). A customer's inbox is its event log read newest first, the same
 * rows its SSE stream carries (v3-event-log.ts, box-office-schema.ts): nothing is copied. What the inbox adds is how
 * far the customer has read, one row per customer that has marked anything read.
 */
import type Database from 'better-sqlite3';

const V6_SQL = `
CREATE TABLE inbox_marks (
  customer_id TEXT PRIMARY KEY,
  read_up_to  INTEGER NOT NULL CHECK (read_up_to >= 0)
) WITHOUT ROWID;
`;

/** Runs inside the migration's transaction (schema.ts). */
export function migrateToInbox(db: Database.Database): void {
  db.exec(V6_SQL);
}
