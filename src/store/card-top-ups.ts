/**
 * A customer's own top-ups paid by card (migration v9): the request, kept from the moment the provider is asked
 * until its webhook answers. Only the record of the payment is here; the money goes into the wallet through the
 * ledger's ordinary top-up (top-up.ts), keyed by the same `topUpId`, and once it is credited the top-up is marked
 * `succeeded` here. On one node the ledger is this database, so a top-up found in `top_ups` reads as succeeded even
 * if a crash came between the credit and the mark; among several nodes the credit is the owner's, and the mark is
 * what tells.
 */
import type Database from 'better-sqlite3';
import { StoreError } from './store-error.ts';

const V9_SQL = `
CREATE TABLE card_top_ups (
  top_up_id      TEXT PRIMARY KEY,
  customer_id    TEXT NOT NULL REFERENCES customers (id),
  amount         INTEGER NOT NULL CHECK (amount > 0),
  currency       TEXT NOT NULL,
  payment_id     TEXT NOT NULL UNIQUE,
  status         TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  failure_reason TEXT,
  created_at     INTEGER NOT NULL,
  settled_at     INTEGER
) WITHOUT ROWID;
`;

/** Runs inside the migration's transaction (schema.ts). */
export function migrateToCardTopUps(db: Database.Database): void {
  db.exec(V9_SQL);
}

export type CardTopUpStatus = 'pending' | 'succeeded' | 'failed';

export interface CardTopUp {
  topUpId: string;
  customerId: string;
  amount: number;
  currency: string;
  /** The id the provider knows the charge by. */
  paymentId: string;
  status: CardTopUpStatus;
  /** Why it failed, e.g. `card_declined`. */
  failureReason?: string;
  createdAt: string;
  /** When the top-up was marked credited (or found in this ledger), or when the charge failed. */
  settledAt?: string;
}

interface Row {
  top_up_id: string; customer_id: string; amount: number; currency: string; payment_id: string; status: CardTopUpStatus;
  failure_reason: string | null; created_at: number; settled_at: number | null; credited_at: number | null;
}

// A top-up in the ledger under the same id is the card top-up's success.
const SELECT = `SELECT c.*, t.at AS credited_at FROM card_top_ups c LEFT JOIN top_ups t ON t.top_up_id = c.top_up_id`;

const maybe = (row: Row | undefined): CardTopUp | undefined => (row === undefined ? undefined : cardTopUpOf(row));

function cardTopUpOf(row: Row): CardTopUp {
  const settledAt = row.settled_at ?? row.credited_at;
  return {
    topUpId: row.top_up_id, customerId: row.customer_id, amount: row.amount, currency: row.currency, paymentId: row.payment_id,
    status: row.credited_at !== null ? 'succeeded' : row.status,
    ...(row.failure_reason !== null && row.credited_at === null && { failureReason: row.failure_reason }),
    createdAt: new Date(row.created_at).toISOString(),
    ...(settledAt !== null && { settledAt: new Date(settledAt).toISOString() }),
  };
}

/**
 * @example
 * const { topUp, created } = store.cardTopUps.begin({ topUpId: 'phone-7f3a', customerId: 'customer-1', amount: 2_000,
 *   currency: 'EUR', paymentId: 'top-up:phone-7f3a' }, clock.now());
 * store.cardTopUps.fail('phone-7f3a', 'card_declined', clock.now());
 */
export class CardTopUpStore {
  readonly #run: <T>(fn: () => T) => T;
  readonly #byId;
  readonly #byPayment;
  readonly #ledgerTopUp;
  readonly #insert;
  readonly #fail;
  readonly #succeed;
  readonly #begin;
  readonly #pendingPage;

  /** On the store's connection; `run` wraps every call (the closed check and SQLite error mapping). */
  constructor(db: Database.Database, run: <T>(fn: () => T) => T) {
    this.#run = run;
    this.#byId = db.prepare<[string], Row>(`${SELECT} WHERE c.top_up_id = ?`);
    this.#byPayment = db.prepare<[string], Row>(`${SELECT} WHERE c.payment_id = ?`);
    this.#ledgerTopUp = db.prepare<[string], number>('SELECT 1 FROM top_ups WHERE top_up_id = ?').pluck();
    this.#insert = db.prepare<[string, string, number, string, string, number], unknown>(
      `INSERT INTO card_top_ups (top_up_id, customer_id, amount, currency, payment_id, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
    );
    this.#fail = db.prepare<[string, number, string], unknown>(
      `UPDATE card_top_ups SET status = 'failed', failure_reason = ?, settled_at = ? WHERE top_up_id = ? AND status = 'pending'`,
    );
    this.#succeed = db.prepare<[number, string], unknown>(
      `UPDATE card_top_ups SET status = 'succeeded', settled_at = ? WHERE top_up_id = ? AND status = 'pending'`,
    );
    this.#pendingPage = db.prepare<[string, number], Row>(
      `${SELECT} WHERE c.status = 'pending' AND t.top_up_id IS NULL AND c.top_up_id > ? ORDER BY c.top_up_id LIMIT ?`,
    );
    this.#begin = db.transaction((t: Omit<CardTopUp, 'status' | 'createdAt' | 'settledAt' | 'failureReason'>, nowMs: number) => {
      const earlier = this.#byId.get(t.topUpId);
      if (earlier !== undefined) {
        if (earlier.customer_id !== t.customerId || earlier.amount !== t.amount) {
          throw new StoreError('ERR_TOPUP_CONFLICT', `top-up ${t.topUpId} was already used for another customer or amount`);
        }
        return { topUp: cardTopUpOf(earlier), created: false };
      }
      // The id of a top-up made at the desk is taken too: the ledger would take the card's for a repeat of it.
      if (this.#ledgerTopUp.get(t.topUpId) !== undefined) {
        throw new StoreError('ERR_TOPUP_CONFLICT', `top-up ${t.topUpId} was already used`);
      }
      this.#insert.run(t.topUpId, t.customerId, t.amount, t.currency, t.paymentId, nowMs);
      return { topUp: cardTopUpOf(this.#byId.get(t.topUpId)!), created: true };
    });
  }

  /**
   * Records a new card top-up as `pending`, or answers the one begun before under the same id (`created: false`).
   * Throws `ERR_TOPUP_CONFLICT` when the id was used for another customer or amount, or for a top-up at the desk.
   */
  begin(t: Omit<CardTopUp, 'status' | 'createdAt' | 'settledAt' | 'failureReason'>, nowMs: number): { topUp: CardTopUp; created: boolean } {
    return this.#run(() => this.#begin.immediate(t, nowMs));
  }

  get(topUpId: string): CardTopUp | undefined {
    return this.#run(() => maybe(this.#byId.get(topUpId)));
  }

  byPayment(paymentId: string): CardTopUp | undefined {
    return this.#run(() => maybe(this.#byPayment.get(paymentId)));
  }

  /**
   * Up to `limit` top-ups still waiting for the provider, in id order after `afterTopUpId` (pass the last one's id
   * for the next page): what a restart asks the provider about again.
   */
  pendingPage(afterTopUpId: string, limit: number): CardTopUp[] {
    return this.#run(() => this.#pendingPage.all(afterTopUpId, limit).map(cardTopUpOf));
  }

  /** Marks a pending top-up credited; one that is not pending is left as it is. */
  succeed(topUpId: string, nowMs: number): void {
    this.#run(() => this.#succeed.run(nowMs, topUpId));
  }

  /** Marks a pending top-up failed; one that is not pending (already failed or credited) is left as it is. */
  fail(topUpId: string, reason: string, nowMs: number): void {
    this.#run(() => this.#fail.run(reason, nowMs, topUpId));
  }
}
