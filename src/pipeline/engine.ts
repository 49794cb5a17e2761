import type { ActorRef } from '../actors/actor-ref.ts';
import { ActorSystem } from '../actors/actor-system.ts';
import { oneForOne } from '../actors/supervisor.ts';
import type { Catalog, Customer, Machine, Ride, Tap, TapState } from '../domain/types.ts';
import type { Show, ShowInput } from '../domain/show.ts';
import type { ShowPage } from '../store/shows.ts';
import type { ShowSearch } from '../store/shows-search.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RuntimeContext } from '../platform/context.ts';
import type { Logger } from '../platform/logger.ts';
import { TimeoutError, withTimeout } from '../platform/with-timeout.ts';
import { StoreError } from '../store/store-error.ts';
import type {
  CustomerInput,
  CustomerPatch,
  DeadLetter,
  DeadLetterPage,
  DeadLetterQuery,
  Notification,
  RideInput,
  TapResult,
  TicketPage,
  TopUpResult,
} from '../store/store-types.ts';
import type { TicketStore } from '../store/ticket-store.ts';
import type { FeedPage, FeedQuery } from '../store/event-feed.ts';
import type { Evaluator, EvaluatorOptions } from '../workers/evaluator.ts';
import { EngineError, type EngineApi, type NotificationListener, type ReadyState } from './engine-api.ts';
import { FlowControl } from './flow-control.ts';
import { ledgerProps, type LedgerReply } from './ledger.ts';
import type { Evaluated, InFlightTap, LedgerMessage, PendingWrite, PricingMessage } from './messages.ts';
import { BoxOffice } from '../box-office/box-office.ts';
import { BoxOfficeError } from '../box-office/box-office-error.ts';
import type { RequestContext } from '../box-office/booking-types.ts';
import { DEFAULT_HOLD_MS } from '../box-office/inventory-types.ts';
import { PaymentError } from '../payments/payment-error.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import type { BookingWriter } from '../store/bookings.ts';
import type { WriteOutcome } from '../store/ticket-store.ts';
import { notifierProps } from './notifier.ts';
import { resolvePipelineOptions, type PipelineOptions } from './pipeline-options.ts';
import { pricingProps } from './pricing.ts';
import { sequencerProps } from './sequencer.ts';
import { Submission } from './submission.ts';

export interface EngineOptions {
  store: TicketStore;
  /** Builds the evaluator (pool or inline) around the engine's live catalog. */
  evaluator: (options: EvaluatorOptions) => Evaluator;
  runtime: RuntimeContext;
  log: Logger;
  pipeline?: Partial<PipelineOptions>;
  /** An actor system to run in (the test kit's); by default the engine makes its own. */
  system?: ActorSystem;
  /** Where the pipeline records its metrics (commits, in-flight taps, mailboxes, dead letters); absent: nowhere. */
  metrics?: Metrics;
  /** The card payment provider of the box office; absent, card payments are refused (`provider_refused`). */
  payments?: PaymentProvider;
  /** How long a booking's hold lasts (default 15 minutes). */
  holdMs?: number;
}

const ASK_TIMEOUT_MS = 10_000;
const LEGACY_PAGE = 1_000;

/**
 * ticketd's engine: pricing (worker pool) → sequencer → ledger → notifier, each an actor with a bounded mailbox
 * under the root guardian, around one SQLite store. A request's taps are decided (validated, priced, charged) and
 * committed in one group commit before the request is answered. Implements what the HTTP layer needs (`EngineApi`).
 *
 * @example
 * const engine = await Engine.start({ store, evaluator: (o) => new InlineEvaluator(o), runtime, log });
 * const [result] = await engine.submitTaps([tap]); // { tapId, status: 'issued', ticketId, price, balanceAfter }
 */
export class Engine implements EngineApi {
  readonly system: ActorSystem;
  readonly options: PipelineOptions;
  readonly flow: FlowControl;
  readonly #store: TicketStore;
  readonly #evaluator: Evaluator;
  readonly #log: Logger;
  readonly #runtime: RuntimeContext;
  readonly #metrics: Metrics | undefined;
  readonly #listeners = new Set<NotificationListener>();
  #catalog: Catalog;
  #state: ReadyState = { ready: false, reason: 'starting' };
  #probing = false;
  #pricing!: ActorRef<PricingMessage>;
  #ledger!: ActorRef<LedgerMessage, LedgerReply>;
  #boxOffice!: BoxOffice;

  private constructor(options: EngineOptions) {
    this.options = resolvePipelineOptions(options.pipeline);
    this.#store = options.store;
    this.#log = options.log;
    this.#runtime = options.runtime;
    this.#metrics = options.metrics;
    this.flow = new FlowControl(this.options.maxInFlightTaps);
    this.#catalog = options.store.loadCatalog();
    this.#evaluator = options.evaluator({ catalog: () => this.#catalog, bounds: this.options.staleness });
    this.system =
      options.system ??
      new ActorSystem({
        runtime: options.runtime,
        guardian: oneForOne({ decide: () => 'restart', maxRestarts: 10, withinMs: 10_000, backoff: { minMs: 10, maxMs: 1_000, jitter: 0.2 } }),
      });
    this.system.subscribe((event) => {
      // A show's inventory actor that fails too often stops that show's sales, not the taps.
      if (event.type === 'escalated' && event.path.split('/').length === 3 && !event.path.startsWith('/user/inventory:')) {
        this.#state = { ready: false, reason: 'escalated' };
        this.#log.error('pipeline stage failed too often; no longer accepting taps', { path: event.path, error: event.error });
      } else if (event.type === 'failed') {
        this.#log.warn('pipeline stage failed', { path: event.path, error: event.error });
      }
    });
    this.system.deadLetters.subscribe((d) => {
      this.#log.warn('dead letter', { recipient: d.recipient, reason: d.reason, attempts: d.attempts, ...(d.error !== undefined && { error: d.error }) });
      // Taps the pipeline gave up on (a stage that kept failing, or a full mailbox): nothing of them is committed;
      // their requests are refused so the machines resend, and their share of the in-flight bound is returned.
      for (const write of writesOf(d.message)) write.done(new StoreError('ERR_STORE_IO', 'box-office write not committed: the ledger dropped it'));
      const origins = originsOf(d.message);
      if (origins === undefined) return;
      const error = d.reason === 'mailbox_full' ? this.#overloaded('a pipeline stage is full') : new EngineError('ERR_STORAGE', 'taps not decided: the pipeline dropped them; resend');
      this.#abandon(origins, error);
    });
    this.#metrics?.watchEngine(this);
  }

  /** Builds the pipeline and becomes ready; taps an older version left undecided are decided in the background. */
  static async start(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    options.store.prepareTapWindow();
    engine.#spawnStages();
    engine.#boxOffice = new BoxOffice({
      store: options.store,
      system: engine.system,
      runtime: options.runtime,
      commit: (write) => engine.#commitWrite(write),
      provider: options.payments ?? NO_CARD_PROVIDER,
      log: options.log,
      holdMs: options.holdMs ?? DEFAULT_HOLD_MS,
      ...(options.metrics !== undefined && { onRefused: (code: string) => options.metrics!.boxOffice.refused(code) }),
    });
    if (options.metrics !== undefined) {
      const { boxOffice } = options.metrics;
      boxOffice.watch(engine.#boxOffice);
      engine.onNotifications((batch) => boxOffice.committed(batch));
    }
    engine.#boxOffice.start();
    engine.#state = { ready: true };
    void engine.#decideLegacyPending().catch((error: unknown) => engine.#log.error('legacy pending taps not decided', { error: String(error) }));
    return engine;
  }

  #spawnStages(): void {
    const o = this.options;
    const now = (): number => this.#runtime.clock.now();
    const notifier = this.system.spawn(notifierProps(this.#listeners, 100_000, this.#log));
    const ledger = this.system.spawn(
      ledgerProps({
        store: this.#store,
        notifier,
        now,
        commitBatchMax: o.commitBatchMax,
        mailboxCapacity: 100_000,
        onCommitted: (count) => this.flow.release(count),
        onCustomerChanged: () => this.#refreshCatalog(),
        commitAttempts: o.commitAttempts,
        onStorageTrouble: (error, abandoned) => {
          if (abandoned !== undefined) {
            this.#abandon(abandoned.origins, new EngineError('ERR_STORAGE', `taps not decided: storage failed (${error.code}); resend`));
          }
          this.#storageFailed(error, abandoned !== undefined);
        },
        log: this.#log,
        ...(this.#metrics !== undefined && { metrics: this.#metrics.pipeline }),
      }),
    );
    this.#ledger = ledger;
    const sequencer = this.system.spawn(sequencerProps({ ledger, mailboxCapacity: 10_000, expected: { next: 0 } }));
    this.#pricing = this.system.spawn(
      pricingProps({
        sequencer,
        evaluator: this.#evaluator,
        now,
        attempts: o.evaluateAttempts,
        batchMax: o.evaluateBatchMax,
        concurrency: o.evaluateConcurrency,
        mailboxCapacity: o.intakeMailboxCapacity,
        sequence: { next: 0 },
      }),
    );
  }

  /**
   * Runs a box-office write in the ledger's next group commit (see BoxOffice). Bounded: a ledger that neither
   * commits nor refuses it within ASK_TIMEOUT_MS (a restarted ledger forgot it) is answered `ERR_STORE_BUSY`.
   */
  #commitWrite<T>(write: (w: BookingWriter) => T): Promise<T> {
    const committed = new Promise<T>((resolve, reject) => {
      const done = (outcome: WriteOutcome | StoreError): void => {
        if (outcome instanceof StoreError) reject(outcome);
        else if (outcome.ok) resolve(outcome.value as T);
        else reject(outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error)));
      };
      if (!this.#ledger.tell({ kind: 'write', write, done })) reject(new BoxOfficeError('overloaded', 'the ledger is full; retry'));
    });
    return withTimeout(committed, { timeoutMs: ASK_TIMEOUT_MS, what: 'a box-office commit', clock: this.#runtime.clock }).catch((error: unknown) => {
      throw error instanceof TimeoutError ? new StoreError('ERR_STORE_BUSY', error.message) : error;
    });
  }

  get boxOffice(): BoxOffice {
    return this.#boxOffice;
  }

  get inbox(): TicketStore['inbox'] {
    return this.#store.inbox;
  }

  /** Refuses the requests of taps that will not be decided, and returns their share of the in-flight bound. */
  #abandon(origins: readonly InFlightTap[], error: EngineError): void {
    for (const origin of origins) origin.submission.failed(error);
    this.flow.release(origins.length);
  }

  /** Taps an older ticketd answered 202 and did not decide before it stopped: decided now, a page at a time. */
  async #decideLegacyPending(): Promise<void> {
    let afterSeq = 0;
    let decided = 0;
    for (let page = this.#store.legacyPendingTaps(afterSeq, LEGACY_PAGE); page.length > 0; page = this.#store.legacyPendingTaps(afterSeq, LEGACY_PAGE)) {
      afterSeq = page[page.length - 1]![0];
      const taps = page.map(([, tap]) => tap);
      this.flow.force(taps.length);
      await this.#submit(taps, undefined);
      for (const tap of taps) this.#store.dropLegacyPending(tap.tapId);
      decided += taps.length;
    }
    if (decided > 0) this.#log.info('decided taps accepted by an older version', { taps: decided });
  }

  readiness(): ReadyState {
    return this.#state;
  }

  async submitTaps(taps: Tap[]): Promise<TapResult[]> {
    if (!this.#state.ready) throw new EngineError('ERR_NOT_READY', `not accepting taps: ${this.#state.reason ?? 'not ready'}`);
    if (!this.flow.tryReserve(taps.length)) throw this.#overloaded(`${this.flow.inFlight} taps in flight`);
    return this.#submit(taps, undefined);
  }

  /** Hands taps whose share of the in-flight bound is reserved to pricing; resolves once all are decided. */
  #submit(taps: Tap[], replayOf: number | undefined): Promise<TapResult[]> {
    return new Promise<TapResult[]>((resolve, reject) => {
      const submission = new Submission(taps.length, resolve, reject, replayOf);
      const origins = taps.map((tap, index): InFlightTap => ({ tap, submission, index }));
      // A refused message is also a dead letter, which the subscriber above has already answered and released.
      if (!this.#pricing.tell({ kind: 'taps', origins }) && !submission.settled) {
        this.flow.release(taps.length);
        reject(this.#overloaded('the intake is full'));
      }
    });
  }

  tapState(tapId: string): TapState | undefined {
    return this.#store.getTapState(tapId);
  }

  tapCustomer(tapId: string): string | undefined {
    return this.#store.getTapCustomer(tapId);
  }

  getCustomer(id: string): Customer | undefined {
    return this.#store.getCustomer(id);
  }

  async putCustomer(id: string, input: CustomerInput): Promise<{ customer: Customer; created: boolean }> {
    const reply = await this.#ledger.ask({ kind: 'put-customer', id, input }, { timeoutMs: ASK_TIMEOUT_MS });
    if (reply.kind === 'refused') throw new EngineError(reply.code as 'ERR_BALANCE_NOT_SETTABLE', reply.message);
    if (reply.kind !== 'customer') throw new Error(`ledger answered ${reply.kind} to put-customer`);
    return { customer: reply.customer, created: reply.created };
  }

  async patchCustomer(id: string, patch: CustomerPatch): Promise<Customer> {
    const reply = await this.#ledger.ask({ kind: 'patch-customer', id, patch }, { timeoutMs: ASK_TIMEOUT_MS });
    if (reply.kind === 'refused') throw new EngineError(reply.code as 'ERR_UNKNOWN_CUSTOMER', reply.message);
    if (reply.kind !== 'customer') throw new Error(`ledger answered ${reply.kind} to patch-customer`);
    return reply.customer;
  }

  async topUp(customerId: string, topUpId: string, amount: number, context?: RequestContext): Promise<TopUpResult> {
    const requestId = context?.requestId;
    const reply = await this.#ledger.ask({ kind: 'top-up', customerId, topUpId, amount, ...(requestId !== undefined && { requestId }) }, { timeoutMs: ASK_TIMEOUT_MS });
    if (reply.kind === 'top-up') return reply.result;
    if (reply.kind === 'refused') {
      throw new EngineError(reply.code as 'ERR_UNKNOWN_CUSTOMER' | 'ERR_TOPUP_CONFLICT' | 'ERR_BALANCE_LIMIT', reply.message);
    }
    throw new Error(`ledger answered ${reply.kind} to top-up`);
  }

  listTickets(customerId: string, limit: number, cursor?: string): TicketPage {
    return this.#store.listTickets(customerId, limit, cursor);
  }

  listRides(): Ride[] {
    return this.#store.listRides();
  }

  putRide(id: string, input: RideInput): { ride: Ride; created: boolean } {
    const put = this.#store.upsertRide(id, input);
    this.#refreshCatalog();
    return put;
  }

  listMachines(): Machine[] {
    return this.#store.listMachines();
  }

  putMachine(id: string, input: { publicKey?: string }): { machine: Machine; created: boolean } {
    const put = this.#store.upsertMachine(id, input);
    this.#refreshCatalog();
    return put;
  }

  async putShow(id: string, input: ShowInput): Promise<{ show: Show; created: boolean }> {
    this.#boxOffice.checkShowChange(id, input.categories);
    const put = this.#store.shows.put(id, input, this.#runtime.clock.now());
    await this.#boxOffice.showReplaced(id);
    return put;
  }

  getShow(id: string): Show | undefined {
    return this.#store.shows.get(id);
  }

  searchShows(search: ShowSearch): ShowPage {
    return this.#store.shows.search(search);
  }

  listDeadLetters(query: DeadLetterQuery): DeadLetterPage {
    return this.#store.listDeadLetters(query);
  }

  getDeadLetter(id: number): DeadLetter | undefined {
    return this.#store.getDeadLetter(id);
  }

  async replayDeadLetter(id: number): Promise<TapState> {
    let tap: Tap;
    try {
      tap = this.#store.tapToReplay(id);
    } catch (error) {
      if (error instanceof StoreError && (error.code === 'ERR_UNKNOWN_DEAD_LETTER' || error.code === 'ERR_ALREADY_REPLAYED')) {
        throw new EngineError(error.code, error.message);
      }
      throw error;
    }
    this.flow.force(1);
    const [result] = await this.#submit([tap], id);
    // A tap older than the tap window is decided (refused as stale) but no longer found by its id.
    return this.tapState(tap.tapId) ?? stateOfResult(result!);
  }

  feed(query: FeedQuery): FeedPage {
    return this.#store.feed.page(query);
  }

  notificationsAfter(customerId: string, afterId: number, limit: number): Notification[] {
    return this.#store.streamAfter(customerId, afterId, limit);
  }

  onNotifications(listener: NotificationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stops taking taps (503), waits up to `drainTimeoutMs` for every tap in flight to be decided and answered, then
   * stops the stages and the pool. The store stays open. Taps still in flight at the deadline were not committed and
   * their requests get no answer, so their machines resend them. Resolves with the taps left in flight.
   */
  async stop(drainTimeoutMs = 8_000): Promise<number> {
    this.#state = { ready: false, reason: 'stopping' };
    try {
      await withTimeout(this.flow.whenIdle(), { timeoutMs: drainTimeoutMs, what: 'the drain', clock: this.#runtime.clock });
    } catch (error) {
      // Past the deadline the stop goes on: the taps still in flight are counted and logged below.
      if (!(error instanceof TimeoutError)) throw error;
    }
    const leftInFlight = this.flow.inFlight;
    if (leftInFlight > 0) this.#log.warn('stopping with taps in flight; they were not committed and will be resent', { taps: leftInFlight });
    this.#boxOffice.stop();
    await this.system.stop();
    await this.#evaluator.close();
    return leftInFlight;
  }

  #refreshCatalog(): void {
    this.#catalog = this.#store.loadCatalog();
  }

  /**
   * A failing disk (or a database busy past every retry) stops the intake: `/ready` says so and taps get 503, while
   * reads and SSE go on. A small write is tried every `storageProbeMs`; when one commits, taps are taken again.
   */
  #storageFailed(error: StoreError, gaveUp = false): void {
    this.#log.error('storage failed', { code: error.code, error: error.message, gaveUp });
    if (error.code !== 'ERR_STORE_IO' && !gaveUp) return;
    if (this.#state.ready) this.#state = { ready: false, reason: 'storage_failed' };
    this.#probeStorageLater();
  }

  #probeStorageLater(): void {
    if (this.#probing) return;
    this.#probing = true;
    this.#runtime.clock.setTimer(() => {
      this.#probing = false;
      if (this.#state.reason !== 'storage_failed') return;
      try {
        this.#store.probeWrite(this.#runtime.clock.now());
      } catch {
        this.#probeStorageLater();
        return;
      }
      this.#log.info('storage works again; taking taps');
      this.#state = { ready: true };
    }, this.options.storageProbeMs);
  }

  #overloaded(why: string): EngineError {
    return new EngineError('ERR_OVERLOADED', `overloaded (${why}); retry later`, this.options.retryAfterMs);
  }
}

/** A tap's state as its result says it, for a tap the store no longer finds by its id. */
function stateOfResult(result: TapResult): TapState {
  if (result.status === 'rejected' || result.status === 'failed') return { tapId: result.tapId, status: result.status, reason: result.reason };
  if (result.status === 'duplicate' && result.outcome !== 'issued') return { tapId: result.tapId, status: result.outcome, reason: result.reason };
  throw new Error(`tap ${result.tapId} answered ${result.status} but is not in the store`);
}

/** A card provider for an engine given none: every charge is refused, so card payments fail at once. */
const NO_CARD_PROVIDER: PaymentProvider = {
  charge: () => Promise.reject(new PaymentError('ERR_INVALID_OPTION', 'no card payment provider is configured')),
  refund: () => Promise.reject(new PaymentError('ERR_INVALID_OPTION', 'no card payment provider is configured')),
};

/** The box-office writes a ledger message carries, for a message that ended as a dead letter. */
function writesOf(message: unknown): PendingWrite[] {
  const m = message as Partial<{ kind: string; writes: PendingWrite[]; done: PendingWrite['done']; write: PendingWrite['write'] }> | undefined;
  if (m?.kind === 'write' && m.done !== undefined && m.write !== undefined) return [{ write: m.write, done: m.done }];
  return m?.kind === 'flush' && Array.isArray(m.writes) ? m.writes : [];
}

/** The taps a pipeline message carries, for a message that ended as a dead letter. */
function originsOf(message: unknown): InFlightTap[] | undefined {
  const m = message as Partial<{ kind: string; origins: InFlightTap[]; batch: Evaluated }> | undefined;
  if (m?.kind === 'flush') return m.batch?.origins;
  return Array.isArray(m?.origins) ? m.origins : undefined;
}
