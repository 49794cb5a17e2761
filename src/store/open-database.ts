/**
 * Opens (and creates if missing) `<dataDir>/ticketd.db` with the durability settings ticketd relies on, and
 * migrates its schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { bundledAssets } from '../platform/bundled-assets.ts';
import { migrate } from './schema.ts';
import { StoreError, toStoreError } from './store-error.ts';

export const DB_FILE_NAME = 'ticketd.db';
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export interface OpenDatabaseOptions {
  dataDir: string;
  /** How long a statement waits on a lock held by another connection before SQLITE_BUSY. */
  busyTimeoutMs: number;
}

/**
 * Creates the directory (0700) and the file (0600) when missing, then opens the database in WAL mode with
 * `synchronous=FULL` (a commit is on disk when it returns), a short busy timeout and foreign keys on.
 *
 * @example
 * const db = openDatabase({ dataDir: '/var/lib/ticketd', busyTimeoutMs: 50 })
 */
export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const { dataDir, busyTimeoutMs } = options;
  if (typeof dataDir !== 'string' || dataDir === '') {
    throw new StoreError('ERR_INVALID_ARGUMENT', 'dataDir must be a non-empty path');
  }
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0 || busyTimeoutMs > 60_000) {
    const message = `busyTimeoutMs must be an integer in [0, 60000], got ${busyTimeoutMs}`;
    throw new StoreError('ERR_INVALID_ARGUMENT', message);
  }
  const file = path.join(dataDir, DB_FILE_NAME);
  let db: Database.Database | undefined;
  try {
    ensureFile(dataDir, file);
  } catch (error) {
    throw new StoreError('ERR_STORE_IO', `cannot create ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    // In the single executable there is no node_modules to find the addon in: it says where it put it.
    db = new Database(file, { timeout: busyTimeoutMs, nativeBinding: bundledAssets()?.sqliteAddonFile });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // The group commit looks up every tap id of a batch in the log's index: keep the hot index pages in memory.
    db.pragma('cache_size = -65536');
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    throw toStoreError(error);
  }
}

/**
 * SQLite would create the file with the umask's mode; ticketd holds wallets, so the file is created here first,
 * owner-only. SQLite gives the -wal and -shm files the mode of the database file.
 */
function ensureFile(dataDir: string, file: string): void {
  if (!fs.existsSync(dataDir)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
    fs.chmodSync(dataDir, DIR_MODE);
  }
  try {
    fs.closeSync(fs.openSync(file, 'wx', FILE_MODE));
    fs.chmodSync(file, FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
