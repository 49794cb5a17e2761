/**
 * Errors of the store. Callers match on `code`, never on the message: `ERR_STORE_BUSY` is retryable, `ERR_STORE_IO`
 * means the disk or the file is in trouble, the others are answers about the data asked for.
 */

export type StoreErrorCode =
  | 'ERR_STORE_BUSY'
  | 'ERR_STORE_IO'
  | 'ERR_STORE_CLOSED'
  | 'ERR_BATCH_TOO_LARGE'
  | 'ERR_SCHEMA_TOO_NEW'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_CURSOR'
  | 'ERR_UNKNOWN_CUSTOMER'
  | 'ERR_UNKNOWN_MACHINE'
  | 'ERR_BALANCE_NOT_SETTABLE'
  | 'ERR_BALANCE_LIMIT'
  | 'ERR_TOPUP_CONFLICT'
  | 'ERR_UNKNOWN_DEAD_LETTER'
  | 'ERR_ALREADY_REPLAYED'
  | 'ERR_TAP_NOT_REPLAYABLE'
  | 'ERR_STATUS_MOVE'
  | 'ERR_USERNAME_TAKEN'
  | 'ERR_EMAIL_TAKEN'
  | 'ERR_UNKNOWN_TOPUP';

/**
 * An error raised by the store, with a stable `code` and, when it wraps a SQLite error, that error as `cause`.
 *
 * @example
 * try { store.topUp('c1', 'tu1', 500, nowMs) }
 * catch (e) { if (e instanceof StoreError && e.code === 'ERR_STORE_BUSY') retryLater() }
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  /** True when the same call may succeed if tried again later (the database was locked). */
  readonly retryable: boolean;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retryable = code === 'ERR_STORE_BUSY';
  }
}

/** The SQLite result codes (primary and extended) that mean the database was locked by someone else. */
const BUSY_PREFIXES = ['SQLITE_BUSY', 'SQLITE_LOCKED'] as const;
/** The SQLite result codes that mean the disk, the file or its permissions failed us. */
const IO_PREFIXES = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN'] as const;

/**
 * Classifies an error thrown by better-sqlite3 by its SQLite code: `'ERR_STORE_BUSY'` for SQLITE_BUSY and
 * SQLITE_LOCKED (and their extended codes), `'ERR_STORE_IO'` for SQLITE_FULL, SQLITE_IOERR_*, SQLITE_READONLY_*
 * and SQLITE_CANTOPEN; `undefined` for anything else (constraint violations, programmer errors).
 *
 * @example
 * classifySqliteError(Object.assign(new Error('x'), { code: 'SQLITE_IOERR_FSYNC' })) // 'ERR_STORE_IO'
 */
export function classifySqliteError(error: unknown): 'ERR_STORE_BUSY' | 'ERR_STORE_IO' | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  if (BUSY_PREFIXES.some((prefix) => matches(code, prefix))) return 'ERR_STORE_BUSY';
  if (IO_PREFIXES.some((prefix) => matches(code, prefix))) return 'ERR_STORE_IO';
  return undefined;
}

/** `SQLITE_BUSY` matches `SQLITE_BUSY` and `SQLITE_BUSY_SNAPSHOT`, but not a hypothetical `SQLITE_BUSYNESS`. */
function matches(code: string, prefix: string): boolean {
  return code === prefix || code.startsWith(`${prefix}_`);
}

/**
 * Rethrows a SQLite busy or I/O error as the matching StoreError (the original as `cause`); any other error is
 * returned unchanged, so `throw toStoreError(e)` keeps programmer errors as they are.
 *
 * @example
 * try { db.exec(sql) } catch (e) { throw toStoreError(e) }
 */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  const code = classifySqliteError(error);
  if (code === undefined) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(code, `SQLite: ${message}`, { cause: error });
}
