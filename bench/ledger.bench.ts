/**
 * The group commit: deciding and committing issued taps through TicketStore, against bare better-sqlite3 insert
 * loops with the same rows per transaction and the same durability (WAL, synchronous=FULL): one into the event
 * table alone (the ceiling of the same rows: the log has no secondary index), and one into the same table with the
 * two indexes a first draft of the log had (per customer, per tap id), to show what they cost.
 * `node --import tsx bench/ledger.bench.ts [filter]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { demoPark } from '../src/domain/demo-park.ts';
import type { Quote, Tap } from '../src/domain/types.ts';
import { randomIds } from '../src/platform/ids.ts';
import { TicketStore } from '../src/store/index.ts';
import type { Outcome, ParkSeed } from '../src/store/store-types.ts';
import {
  isMainModule, printTable, runSubjectCases, settingsFromEnv, type SubjectCase, type SubjectResults,
} from './bench-fixtures.ts';
import type { BenchSettings } from './harness.ts';

const BATCH_SIZES = [1, 100, 1_000] as const;
/** Enough customers that consecutive taps rarely share a wallet row, each rich enough never to run dry. */
const CUSTOMERS = 10_000;
const BALANCE = 100_000_000;
const NOW_MS = Date.parse('2026-11-22T13:30:00+01:00');
const TAPPED_AT = '2026-11-22T13:29:55+01:00';
/** What the worker pool answers for ride-a in the peak: 500 × 1.25. */
const QUOTE: Quote = {
  basePrice: 500,
  price: 625,
  rules: [{ rule: 'afternoon-peak', kind: 'peak', factorBp: 12_500, before: 500, after: 625 }],
};

/**
 * Per issued tap at 1,000-tap batches, from src/store/commit-outcomes.ts and commit-batch.ts: the batch's tap ids
 * are looked up 32 a statement, its wallets read and written 32 a statement, and its events inserted 32 a
 * statement: about 130 statements per 1,000 taps, 2 row writes per tap (its event, and its customer's balance once
 * per batch), one transaction (one fsync) per batch. (Before the event log: 1.26 statements and 7 row writes per
 * tap in two transactions; before the multi-row group commit, 9 statements per tap.)
 */
export const LEDGER_STATEMENTS_PER_TAP = 0.13;
export const LEDGER_ROW_WRITES_PER_TAP = 2;
export const LEDGER_TRANSACTIONS_PER_BATCH = 1;

/** Tables whose row counts move with issued taps (counted before and after, to check the figures above). */
const COUNTED_TABLES = ['events', 'dead_letters'] as const;

function richPark(): ParkSeed {
  const park = demoPark('');
  return {
    customers: Array.from({ length: CUSTOMERS }, (_, i) => ({
      id: `cust-${i}`, name: `Customer ${i}`, tier: 'standard' as const, balance: BALANCE,
    })),
    rides: park.rides,
    machines: park.machines.filter((m) => m.publicKey === undefined),
    pricing: park.pricing,
  };
}

class LedgerRig {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-bench-ledger-'));
  readonly store = TicketStore.open({ dataDir: this.dir, ids: randomIds });
  readonly counter = new Database(path.join(this.dir, 'ticketd.db'), { readonly: true });
  #nextTap = 0;
  commitMs = 0;
  taps = 0;

  constructor() {
    this.store.seedIfEmpty(richPark(), NOW_MS);
  }

  /** Decides and commits `size` new taps, all issued: the ledger's one transaction. */
  issueBatch(size: number): void {
    const outcomes = new Array<Outcome>(size);
    for (let i = 0; i < size; i++) {
      const n = this.#nextTap++;
      // Tap ids as machines make them: random to SQLite, so each lands on its own page of the tap index.
      const tap: Tap = {
        tapId: `${randomIds.next('led')}`, customerId: `cust-${n % CUSTOMERS}`, rideId: 'ride-a', machineId: 'gate-1',
        tappedAt: TAPPED_AT,
      };
      outcomes[i] = { tap, kind: 'evaluated', evaluation: { tapId: tap.tapId, ok: true, quote: QUOTE } };
    }
    const t0 = performance.now();
    const { results } = this.store.commitOutcomes(outcomes, NOW_MS);
    this.commitMs += performance.now() - t0;
    this.taps += size;
    if (results[size - 1]?.status !== 'issued') {
      throw new Error(`bench tap not issued: ${JSON.stringify(results.at(-1))}`);
    }
  }

  rowCount(): number {
    let rows = 0;
    for (const table of COUNTED_TABLES) {
      rows += this.counter.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    }
    return rows;
  }

  resetSplit(): void {
    this.commitMs = 0;
    this.taps = 0;
  }

  close(): void {
    this.counter.close();
    this.store.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The ceilings: the same event rows appended one prepared INSERT at a time, same pragmas, into the event table with
 * the same two indexes as the store (`indexed`), or into the table alone (`bare`).
 */
class InsertRig {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-bench-insert-'));
  readonly db = new Database(path.join(this.dir, 'insert.db'));
  readonly insertBatch;
  #next = 0;

  constructor(withIndexes: boolean) {
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('cache_size = -65536');
    this.db.exec(`CREATE TABLE events (
      id INTEGER PRIMARY KEY, customer_id TEXT NOT NULL, type TEXT NOT NULL, amount INTEGER NOT NULL, balance_after INTEGER,
      tap_id TEXT, machine_id TEXT, ride_id TEXT, tapped_at TEXT, reason TEXT, base_price INTEGER, price INTEGER, rules TEXT,
      ref TEXT, message TEXT, at INTEGER NOT NULL)`);
    if (withIndexes) {
      this.db.exec(`CREATE INDEX events_by_customer ON events (customer_id, id);
        CREATE INDEX events_by_tap ON events (tap_id) WHERE tap_id IS NOT NULL`);
    }
    const insert = this.db.prepare(
      'INSERT INTO events (customer_id, type, amount, balance_after, tap_id, machine_id, ride_id, tapped_at, base_price, price, ' +
        'rules, ref, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const rules = JSON.stringify(QUOTE.rules);
    this.insertBatch = this.db.transaction((size: number) => {
      for (let i = 0; i < size; i++) {
        const n = this.#next++;
        insert.run(`cust-${n % CUSTOMERS}`, 'ticket.issued', -625, BALANCE, randomIds.next('bare'), 'gate-1', 'ride-a', TAPPED_AT, 500, 625, rules, `tkt-${n}`, NOW_MS);
      }
    });
  }

  close(): void {
    this.db.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function cases(ledger: LedgerRig, indexed: InsertRig, bare: InsertRig): SubjectCase[] {
  const list: SubjectCase[] = [];
  for (const size of BATCH_SIZES) {
    // A batch of 1 waits on an fsync; give it fewer calls than tinybench's 64 so it stays inside the time budget.
    const minCalls = size === 1 ? 32 : 16;
    list.push({
      name: `sqlite.append-${size}`,
      messagesPerTask: size,
      minCalls,
      fn: () => bare.insertBatch.immediate(size),
      extra: () => ({ transactionsPerBatch: 1, rowWritesPerTap: 1 }),
    });
    list.push({
      name: `sqlite.insert-indexed-${size}`,
      baseline: `sqlite.append-${size}`,
      messagesPerTask: size,
      minCalls,
      fn: () => indexed.insertBatch.immediate(size),
      extra: () => ({ transactionsPerBatch: 1, rowWritesPerTap: 1 }),
    });
    let rowsBefore = 0;
    list.push({
      name: `ledger.issue-${size}`,
      baseline: `sqlite.append-${size}`,
      messagesPerTask: size,
      minCalls,
      setup: () => {
        ledger.resetSplit();
        rowsBefore = ledger.rowCount();
      },
      fn: () => ledger.issueBatch(size),
      extra: () => ({
        statementsPerTap: LEDGER_STATEMENTS_PER_TAP,
        rowWritesPerTap: LEDGER_ROW_WRITES_PER_TAP,
        rowsInsertedPerTap: (ledger.rowCount() - rowsBefore) / ledger.taps,
        transactionsPerBatch: LEDGER_TRANSACTIONS_PER_BATCH,
        commitUsPerTap: (ledger.commitMs * 1_000) / ledger.taps,
      }),
    });
  }
  return list;
}

/**
 * `ledger.issue-N`: TicketStore on a temp dir (10,000 customers with 1,000,000.00 EUR each), `commitOutcomes` of N
 * new taps, all issued: one transaction, as the ledger runs it. One op is one tap decided and committed.
 * `sqlite.append-N`: the ceiling, N event rows in one transaction, same pragmas; `sqlite.insert-indexed-N`: the same
 * with a per-customer and a tap-id index. Each ledger case is compared with the append of its N.
 *
 * @example
 * const results = await runLedgerBenches({ timeMs: 1_500, warmupMs: 300, filter: undefined });
 * results['ledger.issue-1000']?.opsPerSec; // taps/s
 */
export async function runLedgerBenches(settings: BenchSettings): Promise<SubjectResults> {
  const ledger = new LedgerRig();
  const indexed = new InsertRig(true);
  const bare = new InsertRig(false);
  try {
    return await runSubjectCases(cases(ledger, indexed, bare), settings);
  } finally {
    ledger.close();
    indexed.close();
    bare.close();
  }
}

if (isMainModule(import.meta.url)) {
  const results = await runLedgerBenches(settingsFromEnv({ timeMs: 1_500, warmupMs: 300 }));
  printTable('ledger group commit vs bare better-sqlite3 (WAL, synchronous=FULL)', 'taps/s', results);
}
