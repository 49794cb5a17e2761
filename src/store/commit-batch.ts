/**
 * The writes of one group commit, held back and written many rows per statement (multi-row.ts), each table's rows
 * in the order the outcomes produced them: tap outcomes, ledger entries, tickets and outbox rows. Outbox ids are set
 * on the notifications as their rows are written, so they are strictly increasing in the order the notifications
 * were produced, exactly as if each row had been written on its own.
 *
 * Wallets are read once per customer and batch, debited in memory, and each written once when the batch is
 * flushed: the ledger is the only writer, and the whole batch is one transaction, so no one else can see or move a
 * balance in between.
 */
import type { Currency, TapStatus, Ticket } from '../domain/types.ts';
import { RowBuffer, selectMultiRow } from './multi-row.ts';
import { iso } from './rows.ts';
import type { StoreContext } from './statements.ts';
import type { Notification, NotificationPayload, Outcome } from './store-types.ts';

/** The journal's row of each outcome's tap, by the outcome's position; `seq` is undefined for an unknown tap. */
export interface TapsOfBatch {
  seq: (number | undefined)[];
  status: (TapStatus | undefined)[];
}

/**
 * Looks up the taps of all outcomes in a few statements.
 *
 * @example
 * const taps = lookUpTaps(ctx, outcomes); taps.status[0] // 'pending'
 */
export function lookUpTaps(ctx: StoreContext, outcomes: readonly Outcome[]): TapsOfBatch {
  const values: unknown[] = new Array(outcomes.length * 2);
  for (let i = 0; i < outcomes.length; i++) {
    values[2 * i] = i;
    values[2 * i + 1] = (outcomes[i] as Outcome).tap.tapId;
  }
  const taps: TapsOfBatch = { seq: new Array(outcomes.length), status: new Array(outcomes.length) };
  selectMultiRow(ctx.st.tapsAtPositions, values, (row) => {
    const position = row[0] as number;
    taps.seq[position] = row[1] as number;
    taps.status[position] = row[2] as TapStatus;
  });
  return taps;
}

/** A customer's wallet as this batch holds it; `id` as the database spells it. */
export interface Wallet {
  id: string;
  balance: number;
  currency: Currency;
  /** Debited since the batch last wrote the balance. */
  dirty: boolean;
}

/**
 * One group commit's pending writes. Everything runs inside the transaction TicketStore opened; `flush` must run
 * before the transaction commits and before anything reads back what the batch wrote.
 *
 * @example
 * const batch = new CommitBatch(ctx, nowMs); batch.setTapOutcome(seq, 'rejected', 'ride_closed', null); batch.flush();
 */
export class CommitBatch {
  readonly ctx: StoreContext;
  readonly nowMs: number;
  readonly createdAt: string;
  /** Every notification of the batch in the order produced; an id is 0 until its row is written. */
  readonly notifications: Notification[] = [];
  #numbered = 0;
  readonly #outbox: RowBuffer;
  readonly #tapOutcomes: RowBuffer;
  readonly #ledger: RowBuffer;
  readonly #tickets: RowBuffer;
  /** Seqs of the taps this batch decided, so a tap given twice in one batch is decided once. */
  readonly #decided = new Set<number>();
  /** By customer id as given; `null` for a customer the store does not know. */
  readonly #wallets = new Map<string, Wallet | null>();
  readonly #walletsByDatabaseId = new Map<string, Wallet>();
  readonly #debited: Wallet[] = [];

  constructor(ctx: StoreContext, nowMs: number) {
    this.ctx = ctx;
    this.nowMs = nowMs;
    this.createdAt = iso(nowMs);
    this.#outbox = new RowBuffer(ctx.st.insertOutboxRows, (run, rows) => {
      // One statement's rows take consecutive ids, in the order of its VALUES: the table is AUTOINCREMENT (each new
      // id is one more than the largest ever) and this connection, inside its write transaction, the only writer.
      const last = Number(run.lastInsertRowid);
      for (let id = last - rows + 1; id <= last; id++) (this.notifications[this.#numbered++] as Notification).id = id;
    });
    this.#tapOutcomes = new RowBuffer(ctx.st.setTapOutcomeRows);
    this.#ledger = new RowBuffer(ctx.st.insertLedgerRows);
    this.#tickets = new RowBuffer(ctx.st.insertTicketRows);
  }

  /**
   * Reads the wallets of `customerIds` (a few statements for all of them) into the batch. Two ids that SQLite
   * takes for the same customer share one wallet.
   */
  loadWallets(customerIds: Iterable<string>): void {
    const asked: string[] = [];
    for (const id of customerIds) {
      if (this.#wallets.has(id)) continue;
      this.#wallets.set(id, null);
      asked.push(id);
    }
    const values: unknown[] = new Array(asked.length * 2);
    for (let i = 0; i < asked.length; i++) {
      values[2 * i] = i;
      values[2 * i + 1] = asked[i];
    }
    const byDatabaseId = this.#walletsByDatabaseId;
    selectMultiRow(this.ctx.st.walletsAtPositions, values, (row) => {
      const id = row[1] as string;
      let wallet = byDatabaseId.get(id);
      if (wallet === undefined) {
        wallet = { id, balance: row[2] as number, currency: row[3] as Currency, dirty: false };
        byDatabaseId.set(id, wallet);
      }
      this.#wallets.set(asked[row[0] as number] as string, wallet);
    });
  }

  /** The wallet of `customerId`, read on first use in this batch; undefined for an unknown customer. */
  wallet(customerId: string): Wallet | undefined {
    if (!this.#wallets.has(customerId)) this.loadWallets([customerId]);
    return this.#wallets.get(customerId) ?? undefined;
  }

  /**
   * Charges `amount` for tap `tapId`: the wallet's balance in memory (`flush` writes it) and a ledger entry.
   * Returns the balance after.
   */
  debit(wallet: Wallet, amount: number, tapId: string): number {
    wallet.balance -= amount;
    if (!wallet.dirty) {
      wallet.dirty = true;
      this.#debited.push(wallet);
    }
    this.#ledger.push(wallet.id, 'debit', -amount, wallet.balance, tapId, this.nowMs);
    return wallet.balance;
  }

  /** Adds the ticket of tap `seq`; `rulesJson` is `JSON.stringify(ticket.rules)`. */
  addTicket(seq: number, t: Ticket, rulesJson: string): void {
    this.#tickets.push(
      seq,
      t.ticketId,
      t.tapId,
      t.customerId,
      t.rideId,
      t.basePrice,
      t.price,
      t.currency,
      rulesJson,
      t.balanceAfter,
      t.tappedAt,
      this.nowMs,
    );
  }

  /** Whether this batch already decided tap `seq`. */
  decided(seq: number): boolean {
    return this.#decided.has(seq);
  }

  setTapOutcome(seq: number, status: TapStatus, reason: string | null, ticketId: string | null): void {
    this.#decided.add(seq);
    this.#tapOutcomes.push(seq, status, reason, ticketId);
  }

  /** Adds a notification; `dataJson` is `JSON.stringify(payload.data)` when the caller has it already. */
  notify(customerId: string, payload: NotificationPayload, dataJson = JSON.stringify(payload.data)): void {
    const { nowMs, createdAt } = this;
    this.notifications.push({ id: 0, customerId, createdAt, ...payload });
    this.#outbox.push(customerId, payload.type, dataJson, nowMs);
  }

  /** Writes every row held back, and the balance of every wallet debited since the last flush. */
  flush(): void {
    this.#tapOutcomes.flush();
    this.#ledger.flush();
    this.#tickets.flush();
    this.#outbox.flush();
    if (this.#debited.length === 0) return;
    const balances = new RowBuffer(this.ctx.st.setBalanceRows);
    for (const wallet of this.#debited) {
      balances.push(wallet.id, wallet.balance);
      wallet.dirty = false;
    }
    balances.flush();
    this.#debited.length = 0;
  }
}
