/**
 * The group commit: journaling taps and committing their issued outcomes through TicketStore, against a bare
 * better-sqlite3 insert loop with the same rows per transaction and the same durability (WAL, synchronous=FULL).
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
 * Per issued tap at 1,000-tap batches, from src/store/journal.ts and commit-outcomes.ts: `journalTaps` runs one
 * `insertTap`; `commitOutcomes` writes its rows many per statement (taps looked up and updated in bulk, balances
 * once per customer, ledger, tickets and outbox rows up to 32 a statement): about 255 statements per 1,000 taps.
 * Two transactions (two fsyncs) per batch. (Before the multi-row group commit: 9 statements per tap.)
 */
export const LEDGER_STATEMENTS_PER_TAP = 1.26;
export const LEDGER_ROW_WRITES_PER_TAP = 7;
export const LEDGER_TRANSACTIONS_PER_BATCH = 2;

/** Tables whose row counts move with issued taps (counted before and after, to check the figures above). */
const COUNTED_TABLES = ['taps', 'tickets', 'ledger', 'outbox', 'dead_letters'] as const;

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
  journalMs = 0;
  commitMs = 0;
  taps = 0;

  constructor() {
    this.store.seedIfEmpty(richPark(), NOW_MS);
  }

  /** Journals `size` new taps, then commits each one's issued outcome: the gate's and the ledger's transactions. */
  issueBatch(size: number): void {
    const taps: Tap[] = new Array(size);
    const outcomes: Outcome[] = new Array(size);
    for (let i = 0; i < size; i++) {
      const n = this.#nextTap++;
      const tap: Tap = {
        tapId: `led-${n}`, customerId: `cust-${n % CUSTOMERS}`, rideId: 'ride-a', machineId: 'gate-1',
        tappedAt: TAPPED_AT,
      };
      taps[i] = tap;
      outcomes[i] = { tap, kind: 'evaluated', evaluation: { tapId: tap.tapId, ok: true, quote: QUOTE } };
    }
    const t0 = performance.now();
    this.store.journalTaps(taps, NOW_MS);
    const t1 = performance.now();
    const { results } = this.store.commitOutcomes(outcomes, NOW_MS);
    this.commitMs += performance.now() - t1;
    this.journalMs += t1 - t0;
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
    this.journalMs = 0;
    this.commitMs = 0;
    this.taps = 0;
  }

  close(): void {
    this.counter.close();
    this.store.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The ceiling: a tickets-like table with no secondary index, the same pragmas, one prepared INSERT. */
class BareRig {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-bench-bare-'));
  readonly db = new Database(path.join(this.dir, 'bare.db'));
  readonly insert;
  readonly insertBatch;
  #next = 0;

  constructor() {
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE tickets (
      seq INTEGER PRIMARY KEY, ticket_id TEXT NOT NULL, tap_id TEXT NOT NULL, customer_id TEXT NOT NULL,
      ride_id TEXT NOT NULL, base_price INTEGER NOT NULL, price INTEGER NOT NULL, currency TEXT NOT NULL,
      rules TEXT NOT NULL, balance_after INTEGER NOT NULL, tapped_at TEXT NOT NULL, issued_at INTEGER NOT NULL)`);
    this.insert = this.db.prepare(
      'INSERT INTO tickets (ticket_id, tap_id, customer_id, ride_id, base_price, price, currency, rules, ' +
        'balance_after, tapped_at, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const rules = JSON.stringify(QUOTE.rules);
    this.insertBatch = this.db.transaction((size: number) => {
      for (let i = 0; i < size; i++) {
        const n = this.#next++;
        const customerId = `cust-${n % CUSTOMERS}`;
        this.insert.run(`tkt-${n}`, `bare-${n}`, customerId, 'ride-a', 500, 625, 'EUR', rules, BALANCE, TAPPED_AT, NOW_MS);
      }
    });
  }

  close(): void {
    this.db.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function cases(ledger: LedgerRig, bare: BareRig): SubjectCase[] {
  const list: SubjectCase[] = [];
  for (const size of BATCH_SIZES) {
    // A batch of 1 waits on two fsyncs; give it fewer calls than tinybench's 64 so it stays inside the time budget.
    const minCalls = size === 1 ? 32 : 16;
    list.push({
      name: `sqlite.insert-${size}`,
      messagesPerTask: size,
      minCalls,
      fn: () => bare.insertBatch.immediate(size),
      extra: () => ({ transactionsPerBatch: 1, rowWritesPerTap: 1 }),
    });
    let rowsBefore = 0;
    list.push({
      name: `ledger.issue-${size}`,
      baseline: `sqlite.insert-${size}`,
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
        journalShare: ledger.journalMs / (ledger.journalMs + ledger.commitMs),
        journalUsPerTap: (ledger.journalMs * 1_000) / ledger.taps,
        commitUsPerTap: (ledger.commitMs * 1_000) / ledger.taps,
      }),
    });
  }
  return list;
}

/**
 * `ledger.issue-N`: TicketStore on a temp dir (10,000 customers with 1,000,000.00 EUR each), `journalTaps` of N new
 * taps then `commitOutcomes` of their issued outcomes: two transactions, as the gate and the ledger run them. One op
 * is one tap journaled and issued. `sqlite.insert-N`: the ceiling, N rows into a bare tickets table in one
 * transaction, same pragmas. Each ledger case is compared with the insert case of its N.
 *
 * @example
 * const results = await runLedgerBenches({ timeMs: 1_500, warmupMs: 300, filter: undefined });
 * results['ledger.issue-1000']?.opsPerSec; // taps/s
 */
export async function runLedgerBenches(settings: BenchSettings): Promise<SubjectResults> {
  const ledger = new LedgerRig();
  const bare = new BareRig();
  try {
    return await runSubjectCases(cases(ledger, bare), settings);
  } finally {
    ledger.close();
    bare.close();
  }
}

if (isMainModule(import.meta.url)) {
  const results = await runLedgerBenches(settingsFromEnv({ timeMs: 1_500, warmupMs: 300 }));
  printTable('ledger group commit vs bare better-sqlite3 (WAL, synchronous=FULL)', 'taps/s', results);
}
