/**
 * Every SQL statement of the store, prepared once when the store opens and reused: preparing costs more than
 * running a small statement, and the group commit runs thousands of them per transaction.
 */
import type Database from 'better-sqlite3';
import { prepareMultiRow } from './multi-row.ts';
import type {
  CustomerRow,
  DeadLetterRow,
  MachineRow,
  OutboxRow,
  RideRow,
  TapRow,
  TapStatusRow,
  TicketRow,
  TokenRow,
} from './rows.ts';
import type { IdSource } from './store-types.ts';

const TAP_COLUMNS = 'seq, tap_id, customer_id, ride_id, machine_id, tapped_at, signature, accepted_at';
const TICKET_COLUMNS = [
  'seq, ticket_id, tap_id, customer_id, ride_id, base_price, price, currency,',
  'rules, balance_after, tapped_at, issued_at',
].join(' ');
const DEAD_LETTER_COLUMNS = 'id, tap_id, tap, reason, error, attempts, first_at, last_at, status';

/**
 * Prepares the statements against a migrated database.
 *
 * @example
 * const st = prepareStatements(db); st.getCustomer.get('c1')
 */
export function prepareStatements(db: Database.Database) {
  return {
    ...catalogStatements(db), ...journalStatements(db), ...ledgerStatements(db), ...readStatements(db),
    ...tokenStatements(db),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

function catalogStatements(db: Database.Database) {
  return {
    getCustomer: db.prepare<[string], CustomerRow>(
      'SELECT id, name, tier, balance, currency FROM customers WHERE id = ?',
    ),
    insertCustomer: db.prepare<[string, string, string, number], unknown>(
      "INSERT INTO customers (id, name, tier, balance, currency) VALUES (?, ?, ?, ?, 'EUR')",
    ),
    // Changes nothing (and reports 0 changes) when name and tier are already these, so the catalog version only
    // moves on a real change.
    updateCustomerProfile: db.prepare<[{ id: string; name: string; tier: string }], unknown>(
      'UPDATE customers SET name = @name, tier = @tier WHERE id = @id AND (name <> @name OR tier <> @tier)',
    ),
    anyCustomer: db.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM customers)').pluck(),
    customerTiers: db.prepare<[], Pick<CustomerRow, 'id' | 'tier'>>('SELECT id, tier FROM customers'),
    upsertRide: db.prepare<[{ id: string; name: string; price: number; open: number }], unknown>(
      `INSERT INTO rides (id, name, price, open) VALUES (@id, @name, @price, @open)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, price = excluded.price, open = excluded.open
       WHERE name <> excluded.name OR price <> excluded.price OR open <> excluded.open`,
    ),
    listRides: db.prepare<[], RideRow>('SELECT id, name, price, open FROM rides ORDER BY id'),
    upsertMachine: db.prepare<[string, string | null], unknown>(
      `INSERT INTO machines (id, public_key) VALUES (?, ?)
       ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key WHERE public_key IS NOT excluded.public_key`,
    ),
    listMachines: db.prepare<[], MachineRow>('SELECT id, public_key FROM machines ORDER BY id'),
    setPricing: db.prepare<[string], unknown>(
      `INSERT INTO pricing (id, table_json) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET table_json = excluded.table_json WHERE table_json <> excluded.table_json`,
    ),
    getPricing: db.prepare<[], string>('SELECT table_json FROM pricing WHERE id = 1').pluck(),
    catalogVersion: db.prepare<[], number>("SELECT value FROM meta WHERE key = 'catalog_version'").pluck(),
    bumpCatalogVersion: db.prepare<[], unknown>("UPDATE meta SET value = value + 1 WHERE key = 'catalog_version'"),
  };
}

function journalStatements(db: Database.Database) {
  return {
    insertTap: db.prepare<[string, string, string, string, string, string | null, number], unknown>(
      `INSERT INTO taps (tap_id, customer_id, ride_id, machine_id, tapped_at, signature, accepted_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (tap_id) DO NOTHING`,
    ),
    // `status = 'pending'` lets the planner use the partial index taps_pending.
    pendingTaps: db.prepare<[number, number], TapRow>(
      `SELECT ${TAP_COLUMNS} FROM taps WHERE status = 'pending' AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    tapStatus: db.prepare<[string], TapStatusRow>('SELECT seq, status, reason FROM taps WHERE tap_id = ?'),
    tapCustomer: db.prepare<[string], string>('SELECT customer_id FROM taps WHERE tap_id = ?').pluck(),
    // The group commit's reads and writes of taps, many per statement (see multi-row.ts). A lookup answers with the
    // position it was given, since a tap id bound to SQLite may not read back as the same JavaScript string.
    tapsAtPositions: prepareMultiRow(
      db,
      'SELECT v.column1, t.seq, t.status FROM (VALUES',
      '(?, ?)',
      ') AS v JOIN taps t ON t.tap_id = v.column2',
    ),
    setTapOutcomeRows: prepareMultiRow(
      db,
      'UPDATE taps SET status = v.column2, reason = v.column3, ticket_id = v.column4 FROM (VALUES',
      '(?, ?, ?, ?)',
      ') AS v WHERE taps.seq = v.column1',
    ),
    reopenTap: db.prepare<[string], unknown>(
      `UPDATE taps SET status = 'pending', reason = NULL, ticket_id = NULL
       WHERE tap_id = ? AND status IN ('rejected', 'failed')`,
    ),
  };
}

function ledgerStatements(db: Database.Database) {
  return {
    // The group commit's wallets: read once and written once per customer and batch, many per statement.
    walletsAtPositions: prepareMultiRow(
      db,
      'SELECT v.column1, c.id, c.balance, c.currency FROM (VALUES',
      '(?, ?)',
      ') AS v JOIN customers c ON c.id = v.column2',
    ),
    setBalanceRows: prepareMultiRow(
      db,
      'UPDATE customers SET balance = v.column2 FROM (VALUES',
      '(?, ?)',
      ') AS v WHERE customers.id = v.column1',
    ),
    setBalance: db.prepare<[number, string], unknown>('UPDATE customers SET balance = ? WHERE id = ?'),
    insertLedger: db.prepare<[string, string, number, number, string | null, number], unknown>(
      'INSERT INTO ledger (customer_id, kind, amount, balance_after, ref, at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    getTopUp: db.prepare<[string], { customer_id: string; amount: number }>(
      'SELECT customer_id, amount FROM top_ups WHERE top_up_id = ?',
    ),
    insertTopUp: db.prepare<[string, string, number, number], unknown>(
      'INSERT INTO top_ups (top_up_id, customer_id, amount, at) VALUES (?, ?, ?, ?)',
    ),
    insertOutbox: db.prepare<[string, string, string, number], unknown>(
      'INSERT INTO outbox (customer_id, type, data, created_at) VALUES (?, ?, ?, ?)',
    ),
    // The group commit's rows, many per statement (see multi-row.ts).
    insertOutboxRows: prepareMultiRow(
      db,
      'INSERT INTO outbox (customer_id, type, data, created_at) VALUES',
      '(?, ?, ?, ?)',
    ),
    insertLedgerRows: prepareMultiRow(
      db,
      'INSERT INTO ledger (customer_id, kind, amount, balance_after, ref, at) VALUES',
      '(?, ?, ?, ?, ?, ?)',
    ),
    insertTicketRows: prepareMultiRow(
      db,
      `INSERT INTO tickets (${TICKET_COLUMNS}) VALUES`,
      '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertDeadLetter: db.prepare<[string, string, string, string | null, number, number, number], unknown>(
      `INSERT INTO dead_letters (tap_id, tap, reason, error, attempts, first_at, last_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'open')`,
    ),
    markReplayed: db.prepare<[number], unknown>(
      "UPDATE dead_letters SET status = 'replayed' WHERE id = ? AND status = 'open'",
    ),
    audit: db.prepare<[], { customerId: string; balance: number; ledgerSum: number }>(
      `SELECT c.id AS customerId, c.balance AS balance, coalesce(l.total, 0) AS ledgerSum
       FROM customers c LEFT JOIN (SELECT customer_id, sum(amount) AS total FROM ledger GROUP BY customer_id) l
       ON l.customer_id = c.id ORDER BY c.id`,
    ),
  };
}

function readStatements(db: Database.Database) {
  return {
    ticketBySeq: db.prepare<[number], TicketRow>(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE seq = ?`),
    ticketsBefore: db.prepare<[string, number, number], TicketRow>(
      `SELECT ${TICKET_COLUMNS} FROM tickets WHERE customer_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
    outboxAfter: db.prepare<[string, number, number], OutboxRow>(
      'SELECT id, customer_id, type, data, created_at FROM outbox WHERE customer_id = ? AND id > ? ORDER BY id LIMIT ?',
    ),
    lastOutboxId: db
      .prepare<[string], number>('SELECT id FROM outbox WHERE customer_id = ? ORDER BY id DESC LIMIT 1')
      .pluck(),
    deadLetter: db.prepare<[number], DeadLetterRow>(`SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id = ?`),
    deadLettersBefore: db.prepare<[number, number], DeadLetterRow>(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id < ? ORDER BY id DESC LIMIT ?`,
    ),
    deadLettersByReasonBefore: db.prepare<[string, number, number], DeadLetterRow>(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE reason = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
  };
}

const TOKEN_COLUMNS = 'id, role, customer_id, machine_id, created_at, revoked_at';

function tokenStatements(db: Database.Database) {
  return {
    insertToken: db.prepare<[TokenRow & { hash: string }], unknown>(
      `INSERT INTO tokens (id, hash, role, customer_id, machine_id, created_at, revoked_at)
       VALUES (@id, @hash, @role, @customer_id, @machine_id, @created_at, @revoked_at)`,
    ),
    tokenByHash: db.prepare<[string], TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE hash = ?`),
    tokenById: db.prepare<[string], TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE id = ?`),
    revokeToken: db.prepare<[number, string], unknown>(
      'UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    ),
    // No index on created_at: the list is an admin's occasional read of a table of a few thousand rows at most.
    listTokens: db.prepare<[number], TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created_at DESC, id DESC LIMIT ?`,
    ),
  };
}

/** What the store's operations work with: the connection, its statements and the id source. */
export interface StoreContext {
  db: Database.Database;
  st: Statements;
  ids: IdSource;
}
