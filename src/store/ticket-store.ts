/**
 * TicketStore: the one SQLite file of ticketd behind a synchronous API. The ledger actor is its only writer;
 * HTTP handlers read. Every write is one IMMEDIATE transaction (so a lock is taken up front, never upgraded
 * half-way), and SQLite's busy and disk errors come out as StoreError `ERR_STORE_BUSY` / `ERR_STORE_IO`.
 */
import type Database from 'better-sqlite3';
import type { CreatedToken, Principal, TokenInfo, TokenScope } from '../domain/principal.ts';
import type { Catalog, Customer, Machine, PricingTable, Ride, Tap, TapState } from '../domain/types.ts';
import { checkKey } from './check-input.ts';
import { checkLimit } from './page-cursor.ts';
import { cryptoSecrets, type SecretSource } from '../platform/secrets.ts';
import * as catalog from './catalog.ts';
import { commitOutcomes, type SeenTap } from './commit-outcomes.ts';
import { parseTappedAt } from '../domain/rfc3339.ts';
import { TapWindow, type TapWindowOptions } from './tap-window.ts';
import { listTickets, streamAfter, tapOutcome } from './customer-reads.ts';
import { getDeadLetter, listDeadLetters, tapToReplay } from './dead-letters.ts';
import { openDatabase } from './open-database.ts';
import { customerFromRow, machineFromRow, rideFromRow, tapFromLegacyRow } from './rows.ts';
import { BookingStore, type BookingWriter } from './bookings.ts';
import { CardTopUpStore } from './card-top-ups.ts';
import { EventFeed } from './event-feed.ts';
import { InboxStore } from './inbox.ts';
import { UserStore } from './users.ts';
import { CommitBatch } from './commit-batch.ts';
import { ShowStore } from './shows.ts';
import { prepareStatements, type StoreContext } from './statements.ts';
import { StoreError, toStoreError } from './store-error.ts';
import type {
  BalanceAudit,
  CommitResult,
  CustomerInput,
  CustomerPatch,
  DeadLetter,
  DeadLetterPage,
  DeadLetterQuery,
  IdSource,
  Notification,
  Outcome,
  ParkSeed,
  RideInput,
  TicketPage,
  TopUpResult,
} from './store-types.ts';
import { topUp } from './top-up.ts';
import {
  createToken, findToken, listTokens, revokeToken, tokenActive, TOKEN_LIST_MAX, type CreateTokenOptions, type RevokeResult,
} from './tokens.ts';

export interface TicketStoreOptions {
  /** Directory of `ticketd.db`; created 0700 when missing. */
  dataDir: string;
  /** Source of ticket ids (`ids.next('tkt')`). */
  ids: IdSource;
  /** Wait on another connection's lock before `ERR_STORE_BUSY`. Default 50 ms: the writer retries, not SQLite. */
  busyTimeoutMs?: number;
  /** Most outcomes one `commitOutcomes` call may carry. Default 10,000. */
  batchSizeMax?: number;
  /** The ledger's window of recent taps (tap-window.ts); default 25 h and 4,000,000 taps (~160 MB when full). */
  tapWindow?: Partial<TapWindowOptions>;
  /** Randomness of token secrets; default the CSPRNG of node:crypto. */
  secrets?: SecretSource;
}

const DEFAULT_BUSY_TIMEOUT_MS = 50;
/** The staleness bound (24 h) and an hour to spare: a tap that can still be charged is always in the window. */
export const TAP_WINDOW_DEFAULTS: TapWindowOptions = { horizonMs: 25 * 3_600_000, entriesMax: 4_000_000 };
const DEFAULT_BATCH_SIZE_MAX = 10_000;

/**
 * Times the COMMIT statement of group commits, for metrics: `commitOutcomes` sets `syncMs` after each commit, from
 * the end of the transaction's statements to the end of its COMMIT (with WAL, where SQLite writes and fsyncs).
 */
export interface CommitTiming {
  readonly now: () => number;
  syncMs: number;
}

type Fn<A extends unknown[], R> = (...args: A) => R;

/** The database's own trouble (busy, failing) is the whole group commit's: it is retried as one. */
function rethrowIfStorageFailed(error: unknown): void {
  const storeError = toStoreError(error);
  if (storeError instanceof StoreError && (storeError.code === 'ERR_STORE_BUSY' || storeError.code === 'ERR_STORE_IO')) throw storeError;
}

/** One write of the box office inside a group commit: reads and writes through the writer, answers a value. */
export type GroupWrite = (writer: BookingWriter) => unknown;

/** What one write came to: its value and the events it appended, or what it threw (nothing of it committed). */
export type WriteOutcome = { ok: true; value: unknown; notifications: Notification[] } | { ok: false; error: unknown };

export interface GroupCommitResult extends CommitResult {
  /** One per write, in the order given. */
  written: WriteOutcome[];
}

/**
 * The SQLite store of ticketd.
 *
 * @example
 * const store = TicketStore.open({ dataDir: './data', ids })
 * const { results, notifications } = store.commitOutcomes([{ tap, kind: 'evaluated', evaluation }], clock.now())
 * store.close()
 */
export class TicketStore {
  /** The shows catalogue (shows.ts), on the same connection. */
  readonly shows: ShowStore;
  /** The box office's bookings, payments, tickets, check-ins and waiting list (bookings.ts). */
  readonly bookings: BookingStore;
  /** Each customer's inbox: its log read newest first, with a read marker (inbox.ts). */
  readonly inbox: InboxStore;
  /** The accounts people log into, and their sessions (users.ts). */
  readonly users: UserStore;
  /** The whole log as the domain event feed, in id order (event-feed.ts). */
  readonly feed: EventFeed;
  /** Customers' own top-ups paid by card, until the provider answers (card-top-ups.ts). */
  readonly cardTopUps: CardTopUpStore;
  readonly #db: Database.Database;
  readonly #ctx: StoreContext;
  readonly #batchSizeMax: number;
  readonly #secrets: SecretSource;
  readonly #tx;
  readonly #windowHorizonMs: number;
  #windowReady = false;
  /** When the statements of the commit being timed ended (see CommitTiming). */
  #statementsDoneMs = 0;
  /** Writes of a group commit in a savepoint (better-sqlite3 nests it as SAVEPOINT), made once. */
  readonly #allWrites: (ctx: StoreContext, writes: readonly GroupWrite[], nowMs: number) => WriteOutcome[];

  private constructor(db: Database.Database, ids: IdSource, batchSizeMax: number, secrets: SecretSource, taps: TapWindow, horizonMs: number) {
    this.#db = db;
    this.#windowHorizonMs = horizonMs;
    this.#secrets = secrets;
    const ctx: StoreContext = { db, st: prepareStatements(db), ids, taps };
    this.#ctx = ctx;
    this.shows = new ShowStore(db, (fn) => this.#run(fn));
    this.bookings = new BookingStore(db, (fn) => this.#run(fn));
    this.inbox = new InboxStore(db, ctx.st, (fn) => this.#run(fn));
    this.users = new UserStore(ctx, secrets, (fn) => this.#run(fn));
    this.feed = new EventFeed(db, (fn) => this.#run(fn));
    this.cardTopUps = new CardTopUpStore(db, (fn) => this.#run(fn));
    this.#allWrites = db.transaction((c: StoreContext, writes: readonly GroupWrite[], nowMs: number): WriteOutcome[] => {
      const batch = new CommitBatch(c, nowMs);
      const outcomes = writes.map((write): WriteOutcome => {
        const writer = this.bookings.writer(batch);
        const value = write(writer);
        return { ok: true, value, notifications: writer.notifications };
      });
      batch.flush();
      return outcomes;
    });
    this.#batchSizeMax = batchSizeMax;
    const write = <A extends unknown[], R>(fn: Fn<[StoreContext, ...A], R>): Fn<A, R> => {
      const tx = db.transaction((...args: A) => fn(ctx, ...args));
      return (...args: A) => tx.immediate(...args);
    };
    // Reads of several statements share one snapshot.
    const read = <A extends unknown[], R>(fn: Fn<[StoreContext, ...A], R>): Fn<A, R> => {
      const tx = db.transaction((...args: A) => fn(ctx, ...args));
      return (...args: A) => tx.deferred(...args);
    };
    this.#tx = {
      upsertCustomer: write(catalog.upsertCustomer),
      patchCustomer: write(catalog.patchCustomer),
      upsertRide: write(catalog.upsertRide),
      upsertMachine: write(catalog.upsertMachine),
      setPricing: write(catalog.setPricing),
      seedIfEmpty: write(catalog.seedIfEmpty),
      loadCatalog: read(catalog.loadCatalog),
      topUp: write(topUp),
      commitOutcomes: write((c: StoreContext, outcomes: readonly Outcome[], nowMs: number, seen: SeenTap[], timing?: CommitTiming) => {
        const result = commitOutcomes(c, outcomes, nowMs, seen);
        if (timing !== undefined) this.#statementsDoneMs = timing.now();
        return result;
      }),
      commitGroup: write((c: StoreContext, outcomes: readonly Outcome[], writes: readonly GroupWrite[], nowMs: number, seen: SeenTap[], timing?: CommitTiming) => {
        const result = outcomes.length > 0 ? commitOutcomes(c, outcomes, nowMs, seen) : { results: [], notifications: [] };
        const written = writes.length === 0 ? [] : this.#applyWrites(c, writes, nowMs);
        if (timing !== undefined) this.#statementsDoneMs = timing.now();
        return { ...result, written };
      }),
      createToken: write(createToken),
      revokeToken: write(revokeToken),
    };
  }

  /**
   * Opens (creating and migrating when needed) `<dataDir>/ticketd.db`.
   *
   * @example TicketStore.open({ dataDir: '/var/lib/ticketd', ids: { next: (p) => `${p}_${n++}` } })
   */
  static open(options: TicketStoreOptions): TicketStore {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    const batchSizeMax = options.batchSizeMax ?? DEFAULT_BATCH_SIZE_MAX;
    if (typeof options.ids?.next !== 'function') {
      throw new StoreError('ERR_INVALID_ARGUMENT', 'ids must have a next(prefix) method');
    }
    const secrets = options.secrets ?? cryptoSecrets;
    if (typeof secrets.bytes !== 'function') {
      throw new StoreError('ERR_INVALID_ARGUMENT', 'secrets must have a bytes(length) method');
    }
    if (!Number.isInteger(batchSizeMax) || batchSizeMax < 1 || batchSizeMax > 1_000_000) {
      throw new StoreError('ERR_INVALID_ARGUMENT', `batchSizeMax must be an integer in [1, 1000000]`);
    }
    const windowOptions = { ...TAP_WINDOW_DEFAULTS, ...options.tapWindow };
    const window = new TapWindow(windowOptions);
    const db = openDatabase({ dataDir: options.dataDir, busyTimeoutMs });
    try {
      return new TicketStore(db, options.ids, batchSizeMax, secrets, window, windowOptions.horizonMs);
    } catch (error) {
      db.close();
      throw toStoreError(error);
    }
  }

  /** Closes the connection; later calls throw `ERR_STORE_CLOSED`. Closing twice is harmless. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** Creates the customer with an opening ledger entry, or updates only name and tier. */
  upsertCustomer(id: string, input: CustomerInput, nowMs: number): { customer: Customer; created: boolean } {
    return this.#run(() => this.#tx.upsertCustomer(id, input, nowMs));
  }

  getCustomer(id: string): Customer | undefined {
    return this.#run(() => {
      const row = this.#ctx.st.getCustomer.get(id);
      return row === undefined ? undefined : customerFromRow(row);
    });
  }

  /** Changes only the given name and tier; `ERR_UNKNOWN_CUSTOMER` when there is no such customer. */
  patchCustomer(id: string, patch: CustomerPatch): Customer {
    return this.#run(() => this.#tx.patchCustomer(id, patch));
  }

  upsertRide(id: string, input: RideInput): { ride: Ride; created: boolean } {
    return this.#run(() => this.#tx.upsertRide(id, input));
  }

  listRides(): Ride[] {
    return this.#run(() => this.#ctx.st.listRides.all().map(rideFromRow));
  }

  /** Sets the machine's key to exactly `publicKey` (absent: the machine does not sign). */
  upsertMachine(id: string, input: { publicKey?: string }): { machine: Machine; created: boolean } {
    return this.#run(() => this.#tx.upsertMachine(id, input));
  }

  listMachines(): Machine[] {
    return this.#run(() => this.#ctx.st.listMachines.all().map(machineFromRow));
  }

  setPricing(table: PricingTable): void {
    this.#run(() => this.#tx.setPricing(table));
  }

  /** The catalog for the workers; `version` moves on every change to it (and survives restarts). */
  loadCatalog(): Catalog {
    return this.#run(() => this.#tx.loadCatalog());
  }

  /** Writes `park` when the store has no customer yet; returns whether it did. */
  seedIfEmpty(park: ParkSeed, nowMs: number): boolean {
    return this.#run(() => this.#tx.seedIfEmpty(park, nowMs));
  }

  /** Credits a wallet once per `topUpId`. @example store.topUp('c1', 'tu-9', 2_000, nowMs).status // 'applied' */
  topUp(customerId: string, topUpId: string, amount: number, nowMs: number, requestId?: string): TopUpResult {
    return this.#run(() => this.#tx.topUp(customerId, topUpId, amount, nowMs, requestId));
  }

  /** A tap's latest outcome; undefined for a tap id never decided. */
  getTapState(tapId: string): TapState | undefined {
    this.prepareTapWindow();
    return this.#run(() => tapOutcome(this.#ctx, tapId)?.state);
  }

  /** The customer a decided tap is for, or `undefined` for an unknown tap id. */
  getTapCustomer(tapId: string): string | undefined {
    this.prepareTapWindow();
    return this.#run(() => tapOutcome(this.#ctx, tapId)?.customerId);
  }

  /**
   * Taps that an older ticketd accepted (202) and had not decided when it stopped, after `afterSeq`, oldest first:
   * the engine decides them at start (v3-event-log.ts). Each is `[seq, tap]`.
   */
  legacyPendingTaps(afterSeq: number, limit: number): Array<[number, Tap]> {
    return this.#run(() =>
      this.#ctx.st.legacyPending.all(checkKey(afterSeq, 'afterSeq'), checkLimit(limit)).map((row) => [row.seq, tapFromLegacyRow(row)]),
    );
  }

  /** Forgets a legacy pending tap once it is decided. */
  dropLegacyPending(tapId: string): void {
    this.#run(() => this.#ctx.st.dropLegacyPending.run(tapId));
  }

  /**
   * Creates an API token; the answer holds its secret, which is stored only as a SHA-256 hash and cannot be read
   * back later. With `scopeMustExist` (the API and `ticketd token create`), a token for a customer or machine the
   * store does not hold is refused with `ERR_UNKNOWN_CUSTOMER` / `ERR_UNKNOWN_MACHINE`, in the same transaction.
   * @example store.createToken({ role: 'machine', machineId: 'gate-1' }, nowMs, { scopeMustExist: true }).token // 'tkd_…'
   */
  createToken(scope: TokenScope, nowMs: number, options: CreateTokenOptions = {}): CreatedToken {
    return this.#run(() => this.#tx.createToken(this.#secrets, scope, nowMs, options));
  }

  /** The principal of `secret` when it is a known token neither revoked nor expired at `nowMs`; else `undefined`. */
  findToken(secret: string, nowMs: number): Principal | undefined {
    return this.#run(() => findToken(this.#ctx, secret, nowMs));
  }

  /** Whether the token with this id exists and is neither revoked nor expired at `nowMs`. */
  tokenActive(id: string, nowMs: number): boolean {
    return this.#run(() => tokenActive(this.#ctx, id, nowMs));
  }

  /** Revokes a token by id: from now on `findToken` does not know its secret. */
  revokeToken(id: string, nowMs: number): RevokeResult {
    return this.#run(() => this.#tx.revokeToken(id, nowMs));
  }

  /** Tokens newest first, at most `limit` (default and most 1000): ids, roles, scopes and times, never secrets. */
  listTokens(limit = TOKEN_LIST_MAX): TokenInfo[] {
    return this.#run(() => listTokens(this.#ctx, limit));
  }

  /**
   * The group commit: decides the outcomes in order in one transaction; taps already decided are answered. With
   * `timing`, the time of the COMMIT statement is left in `timing.syncMs`.
   */
  commitOutcomes(outcomes: readonly Outcome[], nowMs: number, timing?: CommitTiming): CommitResult {
    this.#checkBatch(outcomes.length);
    this.prepareTapWindow();
    const seen: SeenTap[] = [];
    const result = this.#run(() => this.#tx.commitOutcomes(outcomes, nowMs, seen, timing));
    if (timing !== undefined) timing.syncMs = timing.now() - this.#statementsDoneMs;
    // Only once the transaction committed: a rolled-back batch decided nothing.
    for (const { tapId, eventId, tappedAtMs } of seen) this.#ctx.taps.remember(tapId, eventId, tappedAtMs);
    return result;
  }

  /**
   * The group commit with the box office's writes: the taps as `commitOutcomes` decides them, then each write in
   * order, all in one transaction. A write that throws is undone alone (a savepoint) and answered as its error; the
   * others commit. A busy or failing database fails the whole group, to be retried as one.
   *
   * @example
   * const { written } = store.commitGroup([], [(w) => w.setStatus('bk_1', 'confirmed')], nowMs);
   * written[0] // { ok: true, value: { id: 'bk_1', status: 'confirmed', … }, notifications: [] }
   */
  commitGroup(outcomes: readonly Outcome[], writes: readonly GroupWrite[], nowMs: number, timing?: CommitTiming): GroupCommitResult {
    this.#checkBatch(outcomes.length);
    this.prepareTapWindow();
    const seen: SeenTap[] = [];
    const result = this.#run(() => this.#tx.commitGroup(outcomes, writes, nowMs, seen, timing));
    if (timing !== undefined) timing.syncMs = timing.now() - this.#statementsDoneMs;
    for (const { tapId, eventId, tappedAtMs } of seen) this.#ctx.taps.remember(tapId, eventId, tappedAtMs);
    return result;
  }

  /**
   * The writes of a group: all in one savepoint and one CommitBatch (one chain-head and wallet write for all), which
   * is what happens when none throws. When one does, that savepoint is undone and each write runs again in a savepoint
   * of its own, so the one that throws is undone alone (writes read what they change, so running one again is safe).
   */
  #applyWrites(ctx: StoreContext, writes: readonly GroupWrite[], nowMs: number): WriteOutcome[] {
    try {
      return this.#allWrites(ctx, writes, nowMs);
    } catch (error) {
      rethrowIfStorageFailed(error);
      return writes.map((write) => this.#oneWrite(ctx, write, nowMs));
    }
  }

  #oneWrite(ctx: StoreContext, write: GroupWrite, nowMs: number): WriteOutcome {
    try {
      const [outcome] = this.#allWrites(ctx, [write], nowMs);
      return outcome!;
    } catch (error) {
      rethrowIfStorageFailed(error);
      return { ok: false, error };
    }
  }

  /**
   * Reads the taps of the log's last `horizonMs` into the tap window, once; the first commit or tap read does it
   * if nobody did before (the engine does it at start, so that no request waits for it).
   */
  prepareTapWindow(): void {
    if (this.#windowReady) return;
    this.#run(() => {
      const { st, taps } = this.#ctx;
      const lastId = st.lastEventId.get() ?? 0;
      const lastAt = st.firstEventAt.get(lastId);
      // Events are appended in time order: find the first one inside the horizon before the latest, by bisection.
      const sinceMs = (lastAt ?? 0) - this.#windowHorizonMs;
      let low = 1;
      let high = lastId + 1;
      while (low < high) {
        const middle = Math.floor((low + high) / 2);
        const at = st.firstEventAt.get(middle);
        if (at === undefined || at >= sinceMs) high = middle;
        else low = middle + 1;
      }
      for (const row of st.tapEventsFrom.iterate(low)) taps.remember(row.tap_id, row.id, parseTappedAt(row.tapped_at));
    });
    this.#windowReady = true;
  }

  /** Stream events of the customer with `id > afterId`, oldest first (SSE `Last-Event-ID` replay). */
  streamAfter(customerId: string, afterId: number, limit: number): Notification[] {
    return this.#run(() => streamAfter(this.#ctx, customerId, afterId, limit));
  }

  /** Tickets newest first; pass `nextCursor` back for the next page. */
  listTickets(customerId: string, limit: number, cursor?: string): TicketPage {
    return this.#run(() => listTickets(this.#ctx, customerId, limit, cursor));
  }

  /** Dead letters newest first, optionally of one reason. */
  listDeadLetters(query: DeadLetterQuery): DeadLetterPage {
    return this.#run(() => listDeadLetters(this.#ctx, query));
  }

  getDeadLetter(id: number): DeadLetter | undefined {
    return this.#run(() => getDeadLetter(this.#ctx, id));
  }

  /** The tap of an open dead letter, to decide again with `replayOf: id` (dead-letters.ts). */
  tapToReplay(id: number): Tap {
    return this.#run(() => tapToReplay(this.#ctx, id));
  }

  /**
   * Commits one small write (and its fsync): succeeds once the database takes writes again after a disk failure.
   * Throws the StoreError of the failure otherwise.
   */
  probeWrite(nowMs: number): void {
    this.#run(() => {
      this.#db.prepare("INSERT INTO meta (key, value) VALUES ('write_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(nowMs);
    });
  }

  /**
   * How far a named reader of the log (the AMQP bridge's outbox) has got: the id of the last event it is done with,
   * kept in `meta` as `cursor:<name>`; undefined before its first `setCursor`.
   */
  cursor(name: string): number | undefined {
    return this.#run(() => this.#db.prepare<[string], number>('SELECT value FROM meta WHERE key = ?').pluck().get(`cursor:${name}`));
  }

  setCursor(name: string, eventId: number): void {
    this.#run(() => {
      this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
        .run(`cursor:${name}`, eventId);
    });
  }

  /** The id of a customer's latest event (0 for none): where a stream opened without Last-Event-ID starts. */
  streamHead(customerId: string): number {
    return this.#run(() => this.#ctx.st.headOf.get(customerId) ?? 0);
  }

  /** The id of the log's last event (0 for an empty log). */
  lastEventId(): number {
    return this.#run(() => this.#ctx.st.lastEventId.get() ?? 0);
  }

  /** Every customer's balance beside the sum of its events' amounts; a correct store has them equal and ≥ 0. */
  auditBalances(): BalanceAudit[] {
    return this.#run(() => this.#ctx.st.audit.all());
  }

  #checkBatch(size: number): void {
    if (size > this.#batchSizeMax) {
      throw new StoreError('ERR_BATCH_TOO_LARGE', `batch of ${size} is over batchSizeMax ${this.#batchSizeMax}`);
    }
  }

  #run<T>(fn: () => T): T {
    if (!this.#db.open) throw new StoreError('ERR_STORE_CLOSED', 'the store is closed');
    try {
      return fn();
    } catch (error) {
      throw toStoreError(error);
    }
  }
}
