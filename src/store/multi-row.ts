/**
 * Multi-row statements for the group commit. Each statement run costs SQLite a fixed amount of work besides its
 * rows (opening cursors, and for an AUTOINCREMENT table reading and writing `sqlite_sequence`), so writing or
 * looking up many rows in one statement spends that once for all of them. A statement is prepared for 1, 2, 4 …
 * ROWS_PER_STATEMENT_MAX rows: any count runs as full statements plus at most one of each smaller size.
 */
import type Database from 'better-sqlite3';

/**
 * Rows in the largest statement. On the ledger bench 16, 32, 64 and 128 measured alike (the rows' own B-tree work
 * dominates by then); 32 keeps the widest statement (tickets, 12 values a row) at 384 parameters.
 */
export const ROWS_PER_STATEMENT_MAX = 32;

/** One statement per row count 1, 2, 4 … ROWS_PER_STATEMENT_MAX (index k holds 2^k rows). */
export interface MultiRowStatement {
  /** Values per row, i.e. the `?` in one row's tuple. */
  width: number;
  bySize: readonly Database.Statement[];
}

/**
 * Prepares `head` followed by `size` copies of `tuple` (comma separated) and `tail`, for every size. A statement
 * that returns data returns each row as an array (`raw`), in the order of its columns.
 *
 * @example
 * prepareMultiRow(db, 'INSERT INTO ledger (a, b) VALUES', '(?, ?)') // runs 'INSERT … VALUES (?, ?), (?, ?)' etc.
 */
export function prepareMultiRow(db: Database.Database, head: string, tuple: string, tail = ''): MultiRowStatement {
  const width = tuple.split('?').length - 1;
  const bySize: Database.Statement[] = [];
  for (let size = 1; size <= ROWS_PER_STATEMENT_MAX; size *= 2) {
    const statement = db.prepare(`${head} ${new Array<string>(size).fill(tuple).join(', ')} ${tail}`);
    bySize.push(statement.reader ? statement.raw() : statement);
  }
  return { width, bySize };
}

/** Calls `fn` with each statement and its slice of `values` (row-major), full statements first. */
function forEachChunk(
  statement: MultiRowStatement,
  values: unknown[],
  fn: (run: Database.Statement, chunk: unknown[], rows: number) => void,
): void {
  const { width, bySize } = statement;
  if (values.length % width !== 0) {
    throw new RangeError(`${values.length} values do not make rows of ${width}`);
  }
  let offset = 0;
  for (let k = bySize.length - 1; k >= 0; k--) {
    const rows = 2 ** k;
    while (values.length - offset >= rows * width) {
      const end = offset + rows * width;
      // A buffer that is exactly one statement (the common case) goes as it is.
      const chunk = offset === 0 && end === values.length ? values : values.slice(offset, end);
      fn(bySize[k] as Database.Statement, chunk, rows);
      offset = end;
    }
  }
}

/**
 * Runs a multi-row SELECT for every row of `values` (row-major, `width` values each) and hands each result row to
 * `onRow`. Result rows come per statement, so a caller that needs to know which input a row answers selects it.
 *
 * @example
 * selectMultiRow(st.tapsAtPositions, [0, 'tap-a', 1, 'tap-b'], ([position, seq, status]) => …)
 */
export function selectMultiRow(
  statement: MultiRowStatement,
  values: unknown[],
  onRow: (row: unknown[]) => void,
): void {
  forEachChunk(statement, values, (select, chunk) => {
    for (const row of select.all(chunk) as unknown[][]) onRow(row);
  });
}

/**
 * Rows waiting to be written by one multi-row statement. `push` runs a full statement as soon as
 * ROWS_PER_STATEMENT_MAX rows wait (so the buffer stays bounded); `flush` writes the rest. `onRun` hears of every
 * run with the number of rows it wrote (the `lastInsertRowid` of a multi-row INSERT is that of its last row).
 *
 * @example
 * const rows = new RowBuffer(st.insertLedgerRows); rows.push(customerId, 'debit', -625, balance, tapId, nowMs); rows.flush();
 */
export class RowBuffer {
  readonly #statement: MultiRowStatement;
  readonly #onRun: ((run: Database.RunResult, rows: number) => void) | undefined;
  readonly #full: number;
  #values: unknown[] = [];

  constructor(statement: MultiRowStatement, onRun?: (run: Database.RunResult, rows: number) => void) {
    this.#statement = statement;
    this.#onRun = onRun;
    this.#full = statement.width * ROWS_PER_STATEMENT_MAX;
  }

  push(...row: unknown[]): void {
    if (row.length !== this.#statement.width) {
      throw new RangeError(`a row of ${row.length} values for a statement of ${this.#statement.width}`);
    }
    const values = this.#values;
    for (let i = 0; i < row.length; i++) values.push(row[i]);
    if (values.length === this.#full) this.flush();
  }

  /** Writes every waiting row, in the order pushed. */
  flush(): void {
    const values = this.#values;
    if (values.length === 0) return;
    this.#values = [];
    forEachChunk(this.#statement, values, (statement, chunk, rows) => {
      const run = statement.run(chunk);
      // Every row is written (no conflict clause skips one): callers count on it, e.g. to number inserted rows.
      if (run.changes !== rows) throw new Error(`a statement of ${rows} rows changed ${run.changes}`);
      this.#onRun?.(run, rows);
    });
  }
}
