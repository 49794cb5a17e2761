/**
 * The SQLite write ceiling for the tap log: how fast taps can be appended, durably, as the table grows to
 * `--rows` rows, for seven store designs (A–G below), each in its own fresh database.
 *
 * Every variant appends the same kind of tap rows (sequential id, random 22-character tap id, one of
 * `--customers` customers) in transactions of `--batch` rows (WAL, synchronous=FULL, page_size 4096,
 * cache_size 256 MiB, temp_store memory, the default autocheckpoint), and prints, for each slice of `--slice`
 * rows, rows/s, the WAL bytes written per row (frames counted from the wal-index header after each commit) and
 * the bytes this process wrote to the disk per row (`write_bytes` of /proc/self/io: WAL plus checkpoints).
 * Rows are generated outside the timed part; the timed part is the SQLite work plus what each design does in
 * memory to feed it (per-customer chain, sorting G's merges). Variant A, the baseline, always runs first, and
 * each variant's ratio is to A in the same run.
 *
 *   node --import tsx bench/sqlite-ceiling.ts [--rows 10000000] [--batch 1000] [--customers 1000]
 *     [--slice 1000000] [--dir /tmp] [--variants B,D,E,G200k]
 *
 * Databases are made under `--dir` (default the OS temp dir) and deleted after each variant: at 10M rows one
 * takes 1.5–3 GB, so check `df -h` first.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

/**
 * A store design: the schema beside the taps table, and, for G, how many rows its tap-id index lags behind. With the
 * customers table, rows carry prev_id and each batch updates every customer it touched once; with tap_keys, each
 * batch inserts (53-bit key of the tap id, id) in its own transaction.
 */
interface Variant { name: string; what: string; ddl: string[]; mergeEvery?: number }

const CUSTOMERS_DDL = 'CREATE TABLE customers (customer_id TEXT PRIMARY KEY, last_event_id INTEGER, balance INTEGER) WITHOUT ROWID';
const BY_TAP_ID = 'CREATE UNIQUE INDEX taps_tap_id ON taps (tap_id)';
const BY_CUSTOMER = 'CREATE INDEX taps_customer ON taps (customer_id, id)';
const TAP_KEYS = 'CREATE TABLE tap_keys (key INTEGER PRIMARY KEY, id INTEGER NOT NULL)';
const TAP_INDEX = 'CREATE TABLE tap_index (tap_id TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID';

const VARIANTS: Variant[] = [
  { name: 'A', what: 'log only (rowid order)', ddl: [] },
  { name: 'B', what: 'A + UNIQUE(tap_id)', ddl: [BY_TAP_ID] },
  { name: 'C', what: 'A + (customer_id, id)', ddl: [BY_CUSTOMER] },
  { name: 'D', what: 'A + B + C', ddl: [BY_TAP_ID, BY_CUSTOMER] },
  { name: 'E', what: 'A + per-customer chain', ddl: [CUSTOMERS_DDL] },
  { name: 'F', what: 'E + tap_keys(53-bit key)', ddl: [CUSTOMERS_DDL, TAP_KEYS] },
  { name: 'G200k', what: 'E + sorted tap_index merge every 200k', ddl: [CUSTOMERS_DDL, TAP_INDEX], mergeEvery: 200_000 },
  { name: 'G1M', what: 'E + sorted tap_index merge every 1M', ddl: [CUSTOMERS_DDL, TAP_INDEX], mergeEvery: 1_000_000 },
];

const LOG_COLUMNS = ['id', 'tap_id', 'machine_id', 'customer_id', 'ride_id', 'tapped_at', 'status', 'reason', 'price',
  'balance_after', 'rules', 'at'];
const WAL_FRAME_BYTES = 24 + 4096;
/** Rows per multi-row INSERT: binding 100 rows at once costs far less JavaScript than 100 `run` calls. */
const ROWS_PER_STATEMENT = 100;
const T0_MS = Date.parse('2026-11-22T09:00:00Z');
const RULES = '[{"rule":"peak","bp":12500}]';

interface Options { rows: number; batch: number; customers: number; slice: number; dir: string; variants: Variant[] }

function parseOptions(): Options {
  const { values } = parseArgs({ strict: true, options: {
    rows: { type: 'string' }, batch: { type: 'string' }, customers: { type: 'string' }, slice: { type: 'string' },
    dir: { type: 'string' }, variants: { type: 'string' },
  } });
  const int = (name: 'rows' | 'batch' | 'customers' | 'slice', fallback: number): number => {
    const n = values[name] === undefined ? fallback : Number(values[name]);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
    return n;
  };
  const rows = int('rows', 10_000_000);
  const batch = int('batch', 1_000);
  const names = (values.variants ?? VARIANTS.map((v) => v.name).join(',')).split(',');
  for (const n of names) if (!VARIANTS.some((v) => v.name === n)) throw new Error(`--variants: unknown variant ${n}`);
  const slice = int('slice', Math.max(batch, Math.round(rows / 10)));
  if (slice % batch !== 0) throw new Error('--slice must be a multiple of --batch');
  return {
    rows, batch, customers: int('customers', 1_000), slice, dir: values.dir ?? os.tmpdir(),
    // A is the baseline: it always runs, first, so every ratio comes from the same run.
    variants: VARIANTS.filter((v) => v.name === 'A' || names.includes(v.name)),
  };
}

/** One batch of taps as statement parameters, plus what the designs need beside the log row. */
interface Batch { logParams: unknown[]; tapIds: string[]; keys: bigint[]; lastByCustomer: Map<string, [number, number]> }

/** Makes tap rows in id order, keeping each customer's last id and balance in memory (as the ledger does). */
class TapSource {
  nextId = 1;
  readonly #prev = new Map<string, number>();
  readonly #balance = new Map<string, number>();
  constructor(readonly customers: number, readonly chain: boolean) {}

  next(size: number): Batch {
    const random = randomBytes(size * 20);
    const batch: Batch = { logParams: [], tapIds: [], keys: [], lastByCustomer: new Map() };
    for (let i = 0; i < size; i++) {
      const id = this.nextId++;
      const tapId = random.toString('base64url', i * 20, i * 20 + 16);
      const customer = `customer-${random.readUInt32LE(i * 20 + 16) % this.customers}`;
      const rejected = id % 50 === 0;
      const price = rejected ? 0 : 625;
      const balance = (this.#balance.get(customer) ?? 1_000_000_000) - price;
      this.#balance.set(customer, balance);
      const atMs = T0_MS + id * 10;
      batch.logParams.push(id, tapId, `gate-${1 + (id % 4)}`, customer, `ride-${id % 7}`, new Date(atMs).toISOString(),
        rejected ? 'rejected' : 'issued', rejected ? 'insufficient-funds' : null, price, balance, RULES, atMs + 3);
      if (this.chain) batch.logParams.push(this.#prev.get(customer) ?? null);
      this.#prev.set(customer, id);
      batch.tapIds.push(tapId);
      // The tap id is 16 random bytes, so its first 53 bits are as good as a hash of it.
      batch.keys.push(random.readBigUInt64LE(i * 20) & 0x1f_ffff_ffff_ffffn);
      batch.lastByCustomer.set(customer, [id, balance]);
    }
    return batch;
  }
}

/** Runs `params` (rows of `width` values) through multi-row INSERTs of up to ROWS_PER_STATEMENT rows. */
class MultiInsert {
  readonly #statements = new Map<number, Database.Statement>();
  constructor(readonly db: Database.Database, readonly head: string, readonly width: number) {}

  run(params: unknown[]): void {
    const chunk = ROWS_PER_STATEMENT * this.width;
    for (let at = 0; at < params.length; at += chunk) {
      const part = params.slice(at, at + chunk);
      this.#statement(part.length / this.width).run(part);
    }
  }

  #statement(rows: number): Database.Statement {
    let statement = this.#statements.get(rows);
    if (statement === undefined) {
      const tuple = `(${Array(this.width).fill('?').join(',')})`;
      statement = this.db.prepare(`${this.head} VALUES ${Array(rows).fill(tuple).join(',')}`);
      this.#statements.set(rows, statement);
    }
    return statement;
  }
}

/** Frames appended to the WAL, read from the wal-index header: mxFrame at 16, salt at 32 (a new salt = a restart). */
class WalCounter {
  frames = 0;
  #fd: number | undefined;
  #mx = 0;
  #salt = -1;
  readonly #header = Buffer.alloc(24);
  constructor(readonly shmPath: string) {}

  /** Call after every commit: at most one restart happens per write transaction. */
  update(): void {
    this.#fd ??= fs.openSync(this.shmPath, 'r');
    fs.readSync(this.#fd, this.#header, 0, 24, 16);
    const mx = this.#header.readUInt32LE(0);
    const salt = this.#header.readUInt32LE(16);
    this.frames += salt === this.#salt ? mx - this.#mx : mx;
    this.#mx = mx;
    this.#salt = salt;
  }

  close(): void { if (this.#fd !== undefined) fs.closeSync(this.#fd); }
}

/** G's tap-id index, written behind the log: queued tap ids are inserted sorted, `every` at a time, in one transaction. */
class BehindIndex {
  readonly #insert: MultiInsert;
  readonly #merge: Database.Transaction<(params: unknown[]) => void>;
  #tapIds: string[] = [];
  #firstId = 1;
  /** Time spent sorting, for the caller to read and reset. */
  sortMs = 0;
  constructor(db: Database.Database, readonly every: number) {
    this.#insert = new MultiInsert(db, 'INSERT INTO tap_index (tap_id, id)', 2);
    this.#merge = db.transaction((params: unknown[]) => this.#insert.run(params));
  }

  /** Queues one batch's tap ids (ids from `firstId` on); merges when `every` are queued or on the `last` batch. */
  add(tapIds: readonly string[], firstId: number, last: boolean): boolean {
    if (this.#tapIds.length === 0) this.#firstId = firstId;
    for (const tapId of tapIds) this.#tapIds.push(tapId);
    if (this.#tapIds.length < this.every && !last) return false;
    const sortStarted = performance.now();
    const ids = this.#tapIds;
    // Sorting positions, not [tapId, id] pairs, and comparing with < (code-unit order, SQLite's BINARY order for
    // these ASCII ids): half the time of sorting pairs and flattening them.
    const order = Array.from(ids, (_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : 1));
    const params: unknown[] = new Array(order.length * 2);
    order.forEach((at, i) => { params[2 * i] = ids[at]; params[2 * i + 1] = this.#firstId + at; });
    this.sortMs += performance.now() - sortStarted;
    this.#merge(params);
    this.#tapIds = [];
    return true;
  }

}

function writeBytes(): number {
  const match = /^write_bytes: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
  if (match?.[1] === undefined) throw new Error('no write_bytes in /proc/self/io');
  return Number(match[1]);
}

function openDatabase(file: string, variant: Variant, chain: boolean, customers: number): Database.Database {
  const db = new Database(file);
  for (const pragma of ['page_size = 4096', 'journal_mode = WAL', 'synchronous = FULL', 'cache_size = -262144',
    'temp_store = MEMORY']) db.pragma(pragma);
  const prev = chain ? ', prev_id INTEGER' : '';
  db.exec(`CREATE TABLE taps (id INTEGER PRIMARY KEY, tap_id TEXT NOT NULL, machine_id TEXT NOT NULL,
    customer_id TEXT NOT NULL, ride_id TEXT NOT NULL, tapped_at TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
    price INTEGER NOT NULL, balance_after INTEGER NOT NULL, rules TEXT NOT NULL, at INTEGER NOT NULL${prev})`);
  for (const ddl of variant.ddl) db.exec(ddl);
  if (chain) {
    const seed = db.prepare('INSERT INTO customers VALUES (?, NULL, 1000000000)');
    db.transaction(() => { for (let c = 0; c < customers; c++) seed.run(`customer-${c}`); })();
  }
  return db;
}

interface SliceFigures { rowsPerS: number; walBytesPerRow: number; writeBytesPerRow: number }
/** Whole-run figures: rows/s over the timed work only, bytes per row over all rows. */
interface VariantFigures extends SliceFigures { slices: SliceFigures[]; dbBytes: number; walBytes: number }

/** Fills one fresh database with `rows` taps for `variant`, printing one line per slice. */
function runVariant(variant: Variant, options: Options, dir: string): VariantFigures {
  const file = path.join(dir, `taps-${variant.name}.db`);
  const chain = variant.ddl.includes(CUSTOMERS_DDL);
  const db = openDatabase(file, variant, chain, options.customers);
  const columns = chain ? [...LOG_COLUMNS, 'prev_id'] : LOG_COLUMNS;
  const log = new MultiInsert(db, `INSERT INTO taps (${columns.join(',')})`, columns.length);
  const keys = new MultiInsert(db, 'INSERT OR IGNORE INTO tap_keys (key, id)', 2);
  const customer = chain ? db.prepare('UPDATE customers SET last_event_id = ?, balance = ? WHERE customer_id = ?') : undefined;
  const append = db.transaction((batch: Batch, firstId: number) => {
    log.run(batch.logParams);
    if (variant.ddl.includes(TAP_KEYS)) keys.run(batch.keys.flatMap((key, i) => [key, firstId + i]));
    if (customer !== undefined) for (const [c, [id, balance]] of batch.lastByCustomer) customer.run(id, balance, c);
  });
  const behind = variant.mergeEvery === undefined ? undefined : new BehindIndex(db, variant.mergeEvery);
  const source = new TapSource(options.customers, chain);
  const wal = new WalCounter(`${file}-shm`);
  const slices: SliceFigures[] = [];
  const startWrites = writeBytes();
  let busyMs = 0, sliceMs = 0, sliceFrames = 0, sliceWrites = startWrites, maxCommitMs = 0, mergeMs = 0;
  while (source.nextId <= options.rows) {
    const batch = source.next(Math.min(options.batch, options.rows - source.nextId + 1));
    const firstId = source.nextId - batch.tapIds.length;
    const started = performance.now();
    append(batch, firstId);
    wal.update();
    const commitMs = performance.now() - started;
    maxCommitMs = Math.max(maxCommitMs, commitMs);
    sliceMs += commitMs;
    if (behind !== undefined) {
      const mergeStarted = performance.now();
      if (behind.add(batch.tapIds, firstId, source.nextId > options.rows)) wal.update();
      const took = performance.now() - mergeStarted;
      mergeMs += took;
      sliceMs += took;
    }
    const done = source.nextId - 1;
    if (done % options.slice !== 0 && done !== options.rows) continue;
    const rows = done - (slices.length * options.slice);
    const writes = writeBytes();
    const figures = { rowsPerS: rows / (sliceMs / 1000), walBytesPerRow: ((wal.frames - sliceFrames) * WAL_FRAME_BYTES) / rows,
      writeBytesPerRow: (writes - sliceWrites) / rows };
    slices.push(figures);
    console.log(`${variant.name.padEnd(6)} slice ${String(slices.length).padStart(2)}  rows ${fmt(done).padStart(10)}  ` +
      `rows/s ${fmt(figures.rowsPerS).padStart(9)}  WAL B/row ${fmt(figures.walBytesPerRow).padStart(6)}  ` +
      `write B/row ${fmt(figures.writeBytesPerRow).padStart(6)}  max commit ${maxCommitMs.toFixed(1)} ms` +
      (variant.mergeEvery === undefined ? '' : `  merges ${(mergeMs / 1000).toFixed(1)} s (sort ${(behind!.sortMs / 1000).toFixed(1)} s)`));
    busyMs += sliceMs;
    sliceMs = 0; sliceFrames = wal.frames; sliceWrites = writes; maxCommitMs = 0; mergeMs = 0;
    if (behind !== undefined) behind.sortMs = 0;
  }
  wal.close();
  const dbBytes = fs.statSync(file).size;
  const walBytes = fs.statSync(`${file}-wal`).size;
  db.close();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  return { slices, rowsPerS: options.rows / (busyMs / 1000), walBytesPerRow: (wal.frames * WAL_FRAME_BYTES) / options.rows,
    writeBytesPerRow: (sliceWrites - startWrites) / options.rows, dbBytes, walBytes };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function printSummary(results: Map<Variant, VariantFigures>): void {
  const base = [...results.values()][0]!;
  console.log('\n| variant | first slice rows/s | last slice rows/s | median rows/s | overall rows/s | median × A | last × A | WAL B/row | write B/row | DB MB | WAL MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [variant, r] of results) {
    const first = r.slices[0]!, last = r.slices[r.slices.length - 1]!;
    const med = median(r.slices.map((s) => s.rowsPerS));
    console.log(`| ${variant.name}: ${variant.what} | ${fmt(first.rowsPerS)} | ${fmt(last.rowsPerS)} | ${fmt(med)} | ` +
      `${fmt(r.rowsPerS)} | ${(med / median(base.slices.map((s) => s.rowsPerS))).toFixed(3)} | ` +
      `${(last.rowsPerS / base.slices[base.slices.length - 1]!.rowsPerS).toFixed(3)} | ` +
      `${fmt(r.walBytesPerRow)} | ${fmt(r.writeBytesPerRow)} | ` +
      `${(r.dbBytes / 2 ** 20).toFixed(0)} | ${(r.walBytes / 2 ** 20).toFixed(1)} |`);
  }
}

function main(): void {
  const options = parseOptions();
  const dir = fs.mkdtempSync(path.join(options.dir, 'ticketd-ceiling-'));
  console.log(`sqlite-ceiling: node ${process.version}, SQLite ${String(new Database(':memory:').prepare('SELECT sqlite_version() v').pluck().get())}, ` +
    `${os.cpus().length} cpus, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; rows ${fmt(options.rows)}, ` +
    `batch ${options.batch}, customers ${options.customers}, slice ${fmt(options.slice)}, dir ${dir}`);
  const results = new Map<Variant, VariantFigures>();
  try {
    for (const variant of options.variants) results.set(variant, runVariant(variant, options, dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  printSummary(results);
}

main();
