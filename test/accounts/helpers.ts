/**
 * Helpers of the accounts tests: seeded secrets (so salts and session tokens repeat run to run), the small scrypt
 * cost the tests hash at, and a read-only look at the raw rows a store wrote (what an erased person left behind).
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import type { ScryptParams } from '../../src/auth/password.ts';
import type { SecretSource } from '../../src/platform/secrets.ts';
import { DB_FILE_NAME } from '../../src/store/index.ts';
import { mulberry32 } from '../support/mulberry32.ts';

/** The cheapest scrypt cost accepted: a millisecond or two a hash. */
export const SMALL: ScryptParams = { ln: 10, r: 8, p: 1 };

export const PASSWORD = 'correct horse battery';

/** @example seededSecrets(1).bytes(16) // the same 16 bytes every run */
export function seededSecrets(seed: number): SecretSource {
  const next = mulberry32(seed);
  return { bytes: (length) => Buffer.from(Array.from({ length }, () => Math.floor(next() * 256))) };
}

export interface EventRow {
  id: number;
  type: string;
  customer_id: string | null;
  aggregate_type: string | null;
  aggregate_id: string | null;
  version: number;
  amount: number;
  data: string | null;
}

/**
 * Runs `read` on a read-only connection to the store's database file in `dir` (WAL: it sees what the store committed).
 *
 * @example
 * const row = rawRows(h.dir, (db) => db.prepare('SELECT * FROM users WHERE id = ?').get(id));
 */
export function rawRows<T>(dir: string, read: (db: Database.Database) => T): T {
  const db = new Database(path.join(dir, DB_FILE_NAME), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The events of one user aggregate, in log order. */
export function userEvents(dir: string, userId: string): EventRow[] {
  return rawRows(dir, (db) => db.prepare<[string], EventRow>(
    "SELECT id, type, customer_id, aggregate_type, aggregate_id, version, amount, data FROM events WHERE aggregate_type = 'user' AND aggregate_id = ? ORDER BY id",
  ).all(userId));
}
