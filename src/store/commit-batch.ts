/**
 * The writes of one group commit: event rows appended to the log many per statement (multi-row.ts), with ids
 * numbered here in the order the events were produced, and the wallets of the batch.
 *
 * Wallets are read once per customer and batch, debited in memory, and each written once when the batch is
 * flushed: the ledger is the only writer, and the whole batch is one transaction, so no one else can see or move a
 * balance in between.
 */
import type Database from 'better-sqlite3';
import type { BoxOfficeEventType } from '../box-office/booking-types.ts';
import type { Currency, Tap } from '../domain/types.ts';
import { RowBuffer, selectMultiRow, type MultiRowStatement } from './multi-row.ts';
import { iso, type EventRow } from './rows.ts';
import type { StoreContext } from './statements.ts';

/** A customer's wallet as this batch holds it; `id` as the database spells it. */
export interface Wallet {
  id: string;
  balance: number;
  currency: Currency;
  /** Debited since the batch last wrote the balance. */
  dirty: boolean;
}

/** The events a tap can have. */
export type TapEventType = 'ticket.issued' | 'ticket.rejected' | 'tap.failed';

/**
 * A customer's own event (the customer aggregate: accounts-schema.ts) without its id, time, place in its customer's
 * chain and version, which the log sets.
 */
export type NewEvent = Omit<
  EventRow, 'id' | 'at' | 'prev_id' | 'version' | 'data' | 'aggregate_type' | 'aggregate_id' | 'correlation_id' | 'causation_id'
>;

/** The values of an event row in column order (`EVENT_COLUMNS`). */
function eventValues(id: number | null, e: NewEvent, atMs: number, prevId: number | null, version: number): unknown[] {
  return [
    id, e.customer_id, e.type, e.amount, e.balance_after, e.tap_id, e.machine_id, e.ride_id, e.tapped_at, e.reason,
    e.base_price, e.price, e.rules, e.ref, e.message, atMs, prevId, version,
  ];
}

/** Where an event other than a customer's own belongs in the feed, and what caused it. */
export interface EventEnvelope {
  aggregateType: string;
  aggregateId: string;
  correlationId: string | null;
  causationId: string | null;
}

/** Only the columns an event of that kind has; the tap and price columns default to null. */
export type EventInput = Pick<NewEvent, 'customer_id' | 'type' | 'amount'> & Partial<NewEvent>;

const NULL_EVENT: NewEvent = {
  customer_id: '', type: 'customer.opened', amount: 0, balance_after: null, tap_id: null, machine_id: null, ride_id: null,
  tapped_at: null, reason: null, base_price: null, price: null, rules: null, ref: null, message: null,
};

/**
 * Appends one event outside a group commit (a top-up, an opening balance); returns its id. `correlationId` is the
 * request that caused it, when one did. Runs inside a transaction opened by TicketStore.
 *
 * @example
 * appendEvent(ctx, { customer_id: 'c1', type: 'balance.changed', amount: 500, balance_after: 1500, ref: 'tu-1' }, nowMs, 'req-7')
 */
export function appendEvent(ctx: StoreContext, e: EventInput, atMs: number, correlationId: string | null = null): number {
  const { st } = ctx;
  const id = (st.lastEventId.get() ?? 0) + 1;
  const head = st.headAndVersionOf.get(e.customer_id);
  const version = (head?.version ?? 0) + 1;
  st.insertEvent.run(...eventValues(id, { ...NULL_EVENT, ...e }, atMs, head?.last_id ?? null, version), correlationId);
  // The one-row form of the multi-row upsert.
  (st.setHeadRows.bySize[0] as Database.Statement).run(e.customer_id, id, version);
  return id;
}

/**
 * Appends an event of an aggregate other than a customer (a user's: `customerId` null, outside every chain) outside a
 * group commit, as the next version of its aggregate; returns its id. Runs inside a transaction opened by TicketStore.
 */
export function appendAggregateEvent(
  ctx: StoreContext, type: EventRow['type'], envelope: EventEnvelope, data: string, atMs: number,
): number {
  const { st } = ctx;
  const id = (st.lastEventId.get() ?? 0) + 1;
  st.insertDataEvent.run({
    id, customer_id: null, type, amount: 0, balance_after: null, ref: envelope.aggregateId, at: atMs, prev_id: null,
    version: (st.aggregateVersion.get(envelope.aggregateType, envelope.aggregateId) ?? 0) + 1, data,
    aggregate_type: envelope.aggregateType, aggregate_id: envelope.aggregateId,
    correlation_id: envelope.correlationId, causation_id: envelope.causationId,
  });
  return id;
}

/**
 * One group commit's pending writes. Everything runs inside the transaction TicketStore opened; `flush` must run
 * before the transaction commits and before anything reads back what the batch wrote.
 *
 * @example
 * const batch = new CommitBatch(ctx, nowMs); const id = batch.appendTap(tap, 'ticket.rejected', 0, null, 'ride_closed', …); batch.flush();
 */
export class CommitBatch {
  readonly ctx: StoreContext;
  readonly nowMs: number;
  readonly createdAt: string;
  readonly #events: RowBuffer;
  #nextId: number;
  /** Each customer's latest event as the batch leaves it: its chain's head, written once when flushed. */
  readonly #heads = new Map<string, number | null>();
  /** The customer aggregate's version at each head (0 before its first event); set with `#heads`. */
  readonly #versions = new Map<string, number>();
  readonly #movedHeads = new Set<string>();
  /** By customer id as given; `null` for a customer the store does not know. */
  readonly #wallets = new Map<string, Wallet | null>();
  readonly #walletsByDatabaseId = new Map<string, Wallet>();
  readonly #debited: Wallet[] = [];

  constructor(ctx: StoreContext, nowMs: number) {
    this.ctx = ctx;
    this.nowMs = nowMs;
    this.createdAt = iso(nowMs);
    this.#events = new RowBuffer(ctx.st.insertEventRows);
    // The log is appended in id order by this connection alone, inside its write transaction.
    this.#nextId = (ctx.st.lastEventId.get() ?? 0) + 1;
  }

  /** The id of the event appended last. */
  get lastId(): number {
    return this.#nextId - 1;
  }

  /**
   * Appends a tap's event to the log, at the head of its customer's chain, and returns its id (the SSE event id).
   * Positional, not an object: this runs once per tap on the hot path and builds nothing it does not write.
   */
  appendTap(
    tap: Tap, type: TapEventType, amount: number, balanceAfter: number | null, reason: string | null, basePrice: number | null,
    price: number | null, rules: string | null, ref: string | null, message: string | null,
  ): number {
    const id = this.#nextId++;
    const customerId = tap.customerId;
    if (!this.#heads.has(customerId)) this.loadHeads([customerId]);
    const version = (this.#versions.get(customerId) ?? 0) + 1;
    this.#events.push(
      id, customerId, type, amount, balanceAfter, tap.tapId, tap.machineId, tap.rideId, tap.tappedAt, reason, basePrice, price,
      rules, ref, message, this.nowMs, this.#heads.get(customerId) ?? null, version,
    );
    this.#heads.set(customerId, id);
    this.#versions.set(customerId, version);
    this.#movedHeads.add(customerId);
    return id;
  }

  /**
   * Appends a box-office event (a booking, payment or check-in event: `data` is its JSON) at the head of its
   * customer's chain and returns its id. `amount` is the wallet change it records (0 when none), with the balance
   * after it.
   *
   * @example
   * batch.appendData('c1', 'payment.succeeded', -4_500, 500, 'bk_1', JSON.stringify(payment)) // 43
   */
  appendData(
    customerId: string, type: BoxOfficeEventType, amount: number, balanceAfter: number | null, ref: string, data: string,
    envelope: EventEnvelope,
  ): number {
    const id = this.#nextId++;
    if (!this.#heads.has(customerId)) this.loadHeads([customerId]);
    const { st } = this.ctx;
    st.insertDataEvent.run({
      id, customer_id: customerId, type, amount, balance_after: balanceAfter, ref, at: this.nowMs, prev_id: this.#heads.get(customerId) ?? null,
      version: (st.aggregateVersion.get(envelope.aggregateType, envelope.aggregateId) ?? 0) + 1, data,
      aggregate_type: envelope.aggregateType, aggregate_id: envelope.aggregateId,
      correlation_id: envelope.correlationId, causation_id: envelope.causationId,
    });
    this.#heads.set(customerId, id);
    this.#movedHeads.add(customerId);
    return id;
  }

  /** Reads the chain heads of `customerIds` (a few statements for all of them) into the batch. */
  loadHeads(customerIds: Iterable<string>): void {
    const heads = this.#heads;
    const versions = this.#versions;
    selectUnread(this.ctx.st.headsAtPositions, customerIds, heads, (customerId, row) => {
      heads.set(customerId, row[1] as number);
      versions.set(customerId, row[2] as number);
    });
  }

  /**
   * Reads the wallets of `customerIds` (a few statements for all of them) into the batch. Two ids that SQLite
   * takes for the same customer share one wallet.
   */
  loadWallets(customerIds: Iterable<string>): void {
    const byDatabaseId = this.#walletsByDatabaseId;
    selectUnread(this.ctx.st.walletsAtPositions, customerIds, this.#wallets, (customerId, row) => {
      const id = row[1] as string;
      let wallet = byDatabaseId.get(id);
      if (wallet === undefined) {
        wallet = { id, balance: row[2] as number, currency: row[3] as Currency, dirty: false };
        byDatabaseId.set(id, wallet);
      }
      this.#wallets.set(customerId, wallet);
    });
  }

  /** The wallet of `customerId`, read on first use in this batch; undefined for an unknown customer. */
  wallet(customerId: string): Wallet | undefined {
    if (!this.#wallets.has(customerId)) this.loadWallets([customerId]);
    return this.#wallets.get(customerId) ?? undefined;
  }

  /** Takes `amount` from the wallet in memory (`flush` writes it); returns the balance after. */
  debit(wallet: Wallet, amount: number): number {
    wallet.balance -= amount;
    if (wallet.balance < 0) throw new Error(`balance of ${wallet.id} would go negative`);
    if (!wallet.dirty) {
      wallet.dirty = true;
      this.#debited.push(wallet);
    }
    return wallet.balance;
  }

  /** Gives `amount` back to the wallet in memory (a refund; `flush` writes it); returns the balance after. */
  credit(wallet: Wallet, amount: number): number {
    if (!(amount >= 0)) throw new Error(`credit of ${amount} to ${wallet.id} is not a refund`);
    return this.debit(wallet, -amount);
  }

  /** Writes every event held back, the chain heads they moved, and the balance of every wallet debited. */
  flush(): void {
    this.#events.flush();
    if (this.#movedHeads.size > 0) {
      const heads = new RowBuffer(this.ctx.st.setHeadRows);
      for (const customerId of this.#movedHeads) heads.push(customerId, this.#heads.get(customerId), this.#versions.get(customerId) ?? 0);
      heads.flush();
      this.#movedHeads.clear();
    }
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

/**
 * Looks up, with `statement` (a multi-row SELECT answering each row with the position it was given), the ids not
 * yet in `cache`, which marks them `null` (none) first; `onRow` hears each id found with its row.
 */
function selectUnread<V>(
  statement: MultiRowStatement,
  ids: Iterable<string>,
  cache: Map<string, V | null>,
  onRow: (id: string, row: unknown[]) => void,
): void {
  const asked: string[] = [];
  for (const id of ids) {
    if (cache.has(id)) continue;
    cache.set(id, null);
    asked.push(id);
  }
  const values: unknown[] = new Array(asked.length * 2);
  for (let i = 0; i < asked.length; i++) {
    values[2 * i] = i;
    values[2 * i + 1] = asked[i];
  }
  selectMultiRow(statement, values, (row) => onRow(asked[row[0] as number] as string, row));
}
