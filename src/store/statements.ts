/**
 * Every SQL statement of the store, prepared once when the store opens and reused: preparing costs more than
 * running a small statement, and the group commit runs thousands of them per transaction.
 */
import type Database from 'better-sqlite3';
import { prepareMultiRow } from './multi-row.ts';
import type { CustomerRow, DataEventRow, DeadLetterRow, EventRow, LegacyPendingRow, MachineRow, RideRow, TokenRow } from './rows.ts';
import { STREAM_EVENT_TYPES_V5 } from './box-office-schema.ts';
import type { IdSource } from './store-types.ts';
import type { TapWindow } from './tap-window.ts';

const DEAD_LETTER_COLUMNS = 'id, tap_id, tap, reason, error, attempts, first_at, last_at, status';

/**
 * Prepares the statements against a migrated database.
 *
 * @example
 * const st = prepareStatements(db); st.getCustomer.get('c1')
 */
export function prepareStatements(db: Database.Database) {
  return {
    ...catalogStatements(db), ...eventStatements(db), ...ledgerStatements(db), ...readStatements(db),
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
    rideExists: db.prepare<[string], number>('SELECT EXISTS (SELECT 1 FROM rides WHERE id = ?)').pluck(),
    machineExists: db.prepare<[string], number>('SELECT EXISTS (SELECT 1 FROM machines WHERE id = ?)').pluck(),
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

/** The columns of an event row, in the order `EventRow` and the multi-row insert use. */
export const EVENT_COLUMNS =
  'id, customer_id, type, amount, balance_after, tap_id, machine_id, ride_id, tapped_at, reason, base_price, price, rules, ref, message, at, prev_id, version';
/**
 * What reads select: the written columns, `data` (the JSON of a box-office or user event, null on the tap path's) and
 * the feed's envelope (accounts-schema.ts).
 */
export const EVENT_READ_COLUMNS = `${EVENT_COLUMNS}, data, aggregate_type, aggregate_id, correlation_id, causation_id`;
const EVENT_VALUES = `(${'?, '.repeat(17)}?)`;
const STREAM_TYPES = STREAM_EVENT_TYPES_V5.map((t) => `'${t}'`).join(', ');

function eventStatements(db: Database.Database) {
  return {
    // The group commit's rows, many per statement (see multi-row.ts); ids are given, in log order.
    insertEventRows: prepareMultiRow(db, `INSERT INTO events (${EVENT_COLUMNS}) VALUES`, EVENT_VALUES),
    // One event outside a group commit (a top-up, an opening balance), with the request that caused it if any.
    insertEvent: db.prepare<unknown[], unknown>(`INSERT INTO events (${EVENT_COLUMNS}, correlation_id) VALUES (${'?, '.repeat(18)}?)`),
    // A box-office event: one row with its JSON data, written at once (its id is given, so buffered tap rows of the
    // same batch keep their places).
    insertDataEvent: db.prepare<[DataEventRow], unknown>(
      `INSERT INTO events (id, customer_id, type, amount, balance_after, ref, at, prev_id, version, data, aggregate_type, aggregate_id,
                           correlation_id, causation_id)
       VALUES (@id, @customer_id, @type, @amount, @balance_after, @ref, @at, @prev_id, @version, @data, @aggregate_type, @aggregate_id,
               @correlation_id, @causation_id)`,
    ),
    // The last version of an aggregate other than a customer (the partial index events_by_aggregate answers it).
    aggregateVersion: db.prepare<[string, string], number | null>(
      'SELECT max(version) FROM events WHERE aggregate_type = ? AND aggregate_id = ?',
    ).pluck(),
    lastEventId: db.prepare<[], number | null>('SELECT max(id) FROM events').pluck(),
    eventById: db.prepare<[number], EventRow>(`SELECT ${EVENT_READ_COLUMNS} FROM events WHERE id = ?`),
    firstEventAt: db.prepare<[number], number>('SELECT at FROM events WHERE id >= ? ORDER BY id LIMIT 1').pluck(),
    // What the tap window is rebuilt from at start: every tap's events from `id` on, in log order.
    tapEventsFrom: db.prepare<[number], { id: number; tap_id: string; tapped_at: string }>(
      'SELECT id, tap_id, tapped_at FROM events WHERE id >= ? AND tap_id IS NOT NULL ORDER BY id',
    ),
    // Each customer's latest event, read and written once per customer per batch, many per statement.
    // With the customer aggregate's version (the count of its own events in the chain).
    headsAtPositions: prepareMultiRow(
      db,
      'SELECT v.column1, h.last_id, h.version FROM (VALUES',
      '(?, ?)',
      ') AS v JOIN stream_heads h ON h.customer_id = v.column2',
    ),
    setHeadRows: prepareMultiRow(
      db,
      'INSERT INTO stream_heads (customer_id, last_id, version) VALUES',
      '(?, ?, ?)',
      'ON CONFLICT (customer_id) DO UPDATE SET last_id = excluded.last_id, version = excluded.version',
    ),
    headOf: db.prepare<[string], number>('SELECT last_id FROM stream_heads WHERE customer_id = ?').pluck(),
    headAndVersionOf: db.prepare<[string], { last_id: number; version: number }>(
      'SELECT last_id, version FROM stream_heads WHERE customer_id = ?',
    ),
    // A customer's stream after an id: the chain walked back from its head to that id, in SQLite.
    streamAfter: db.prepare<[{ customer: string; after: number; limit: number }], EventRow>(
      `WITH RECURSIVE chain(id) AS (
         SELECT last_id FROM stream_heads WHERE customer_id = @customer
         UNION ALL
         SELECT e.prev_id FROM events e JOIN chain ON e.id = chain.id WHERE e.prev_id > @after
       )
       SELECT ${EVENT_READ_COLUMNS} FROM events
       WHERE id IN (SELECT id FROM chain) AND id > @after AND type IN (${STREAM_TYPES}) ORDER BY id LIMIT @limit`,
    ),
    legacyPending: db.prepare<[number, number], LegacyPendingRow>(
      'SELECT seq, tap_id, customer_id, ride_id, machine_id, tapped_at, signature FROM legacy_pending WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    dropLegacyPending: db.prepare<[string], unknown>('DELETE FROM legacy_pending WHERE tap_id = ?'),
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
    getTopUp: db.prepare<[string], { customer_id: string; amount: number }>(
      'SELECT customer_id, amount FROM top_ups WHERE top_up_id = ?',
    ),
    insertTopUp: db.prepare<[string, string, number, number], unknown>(
      'INSERT INTO top_ups (top_up_id, customer_id, amount, at) VALUES (?, ?, ?, ?)',
    ),
    insertDeadLetter: db.prepare<[string, string, string, string | null, number, number, number], unknown>(
      `INSERT INTO dead_letters (tap_id, tap, reason, error, attempts, first_at, last_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'open')`,
    ),
    // A replayed letter that fails again stays the same letter, one attempt more.
    refailDeadLetter: db.prepare<[string, string | null, number, number], unknown>(
      `UPDATE dead_letters SET reason = ?, error = ?, attempts = attempts + 1, last_at = ?, status = 'open' WHERE id = ?`,
    ),
    markReplayed: db.prepare<[number], unknown>(
      "UPDATE dead_letters SET status = 'replayed' WHERE id = ? AND status = 'open'",
    ),
    audit: db.prepare<[], { customerId: string; balance: number; ledgerSum: number }>(
      `SELECT c.id AS customerId, c.balance AS balance, coalesce(l.total, 0) AS ledgerSum
       FROM customers c LEFT JOIN (SELECT customer_id, sum(amount) AS total FROM events GROUP BY customer_id) l
       ON l.customer_id = c.id ORDER BY c.id`,
    ),
  };
}

function readStatements(db: Database.Database) {
  return {
    deadLetter: db.prepare<[number], DeadLetterRow>(`SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id = ?`),
    deadLettersBefore: db.prepare<[number, number], DeadLetterRow>(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id < ? ORDER BY id DESC LIMIT ?`,
    ),
    deadLettersByReasonBefore: db.prepare<[string, number, number], DeadLetterRow>(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE reason = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
  };
}

const TOKEN_COLUMNS = 'id, role, customer_id, machine_id, created_at, revoked_at, user_id, expires_at';

function tokenStatements(db: Database.Database) {
  return {
    insertToken: db.prepare<[Omit<TokenRow, 'user_id' | 'expires_at'> & { hash: string }], unknown>(
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

/** What the store's operations work with: the connection, its statements, the id source and the tap window. */
export interface StoreContext {
  db: Database.Database;
  st: Statements;
  ids: IdSource;
  taps: TapWindow;
}
