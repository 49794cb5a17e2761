import type { ActorRef } from '../actors/actor-ref.ts';
import { ActorSystem } from '../actors/actor-system.ts';
import { oneForOne } from '../actors/supervisor.ts';
import type { Catalog, Customer, Machine, Ride, Tap, TapState } from '../domain/types.ts';
import type { TimerHandle } from '../platform/clock.ts';
import type { RuntimeContext } from '../platform/context.ts';
import type { Logger } from '../platform/logger.ts';
import { StoreError } from '../store/store-error.ts';
import type { CustomerInput, DeadLetter, DeadLetterPage, DeadLetterQuery, Notification, RideInput, TicketPage, TopUpResult } from '../store/store-types.ts';
import type { TicketStore } from '../store/ticket-store.ts';
import { inProcessWritePath, type WritePath } from '../store/write-path.ts';
import type { Evaluator, EvaluatorOptions } from '../workers/evaluator.ts';
import { EngineError, type EngineApi, type NotificationListener, type ReadyState, type SubmitResult } from './engine-api.ts';
import { FlowControl } from './flow-control.ts';
import { gateProps } from './gate.ts';
import { ledgerProps, type LedgerReply } from './ledger.ts';
import type { GateMessage, JournalReply, LedgerMessage, PricingMessage } from './messages.ts';
import { notifierProps } from './notifier.ts';
import { OutcomeWaiters } from './outcome-waiters.ts';
import { resolvePipelineOptions, type PipelineOptions } from './pipeline-options.ts';
import { pricingProps } from './pricing.ts';
import { sequencerProps } from './sequencer.ts';

export interface EngineOptions {
  store: TicketStore;
  /** Where the journal, group commits, top-ups and customers are written: the writer thread in production; by default this thread, on `store`. */
  writePath?: WritePath;
  /** Builds the evaluator (pool or inline) around the engine's live catalog. */
  evaluator: (options: EvaluatorOptions) => Evaluator;
  runtime: RuntimeContext;
  log: Logger;
  pipeline?: Partial<PipelineOptions>;
  /** An actor system to run in (the test kit's); by default the engine makes its own. */
  system?: ActorSystem;
  /** Test-only fault plan handed to the evaluator. */
  faults?: EvaluatorOptions['faults'];
}

const ASK_TIMEOUT_MS = 10_000;
const RECOVERY_PAGE = 1_000;

/**
 * ticketd's engine: gate → pricing (worker pool) → sequencer → ledger → notifier, each an actor with a bounded
 * mailbox under the root guardian, around one SQLite store. Implements what the HTTP layer needs (`EngineApi`).
 *
 * @example
 * const engine = await Engine.start({ store, evaluator: (o) => new InlineEvaluator(o), runtime, log });
 * await engine.submitTaps([tap], { wait: true });
 */
export class Engine implements EngineApi {
  readonly system: ActorSystem;
  readonly options: PipelineOptions;
  readonly flow: FlowControl;
  readonly #store: TicketStore;
  readonly #writes: WritePath;
  readonly #evaluator: Evaluator;
  readonly #log: Logger;
  readonly #runtime: RuntimeContext;
  readonly #waiters: OutcomeWaiters;
  readonly #listeners = new Set<NotificationListener>();
  #catalog: Catalog;
  #state: ReadyState = { ready: false, reason: 'starting' };
  #probing = false;
  #rescanPending = false;
  #gate!: ActorRef<GateMessage>;
  #pricing!: ActorRef<PricingMessage>;
  #ledger!: ActorRef<LedgerMessage, LedgerReply>;

  private constructor(options: EngineOptions) {
    this.options = resolvePipelineOptions(options.pipeline);
    this.#store = options.store;
    this.#writes = options.writePath ?? inProcessWritePath(options.store);
    this.#log = options.log;
    this.#runtime = options.runtime;
    this.flow = new FlowControl(this.options.maxInFlightTaps);
    this.#waiters = new OutcomeWaiters(options.runtime.clock, this.options.waitersMax);
    this.#catalog = options.store.loadCatalog();
    this.#evaluator = options.evaluator({
      catalog: () => this.#catalog,
      bounds: this.options.staleness,
      ...(options.faults !== undefined && { faults: options.faults }),
    });
    this.system =
      options.system ??
      new ActorSystem({
        runtime: options.runtime,
        guardian: oneForOne({ decide: () => 'restart', maxRestarts: 10, withinMs: 10_000, backoff: { minMs: 10, maxMs: 1_000, jitter: 0.2 } }),
      });
    this.system.subscribe((event) => {
      if (event.type === 'escalated' && event.path.split('/').length === 3) {
        this.#state = { ready: false, reason: 'escalated' };
        this.#log.error('pipeline stage failed too often; no longer accepting taps', { path: event.path, error: event.error });
      } else if (event.type === 'failed') {
        this.#log.warn('pipeline stage failed', { path: event.path, error: event.error });
      }
    });
    this.system.deadLetters.subscribe((d) => {
      this.#log.warn('dead letter', { recipient: d.recipient, reason: d.reason, attempts: d.attempts, ...(d.error !== undefined && { error: d.error }) });
      // A group commit given up by the runtime: its taps stay pending in SQLite (recovered at the next start);
      // what they held of the in-flight bound is returned.
      const message = d.message as Partial<LedgerMessage> | undefined;
      if (message?.kind === 'flush' && Array.isArray(message.batch)) this.flow.release(message.batch.length);
    });
  }

  /** Builds the pipeline, hands taps journaled before a crash back to it, and becomes ready. */
  static async start(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    engine.#spawnStages();
    engine.#recover();
    engine.#state = { ready: true };
    return engine;
  }

  #spawnStages(): void {
    const o = this.options;
    const now = (): number => this.#runtime.clock.now();
    const notifier = this.system.spawn(notifierProps(this.#listeners, 100_000, this.#log));
    this.#ledger = this.system.spawn(
      ledgerProps({
        store: this.#writes,
        notifier,
        now,
        commitBatchMax: o.commitBatchMax,
        mailboxCapacity: 100_000,
        onCommitted: (results, count) => {
          this.flow.release(count);
          this.#waiters.decided(results);
        },
        onCustomerChanged: () => this.#refreshCatalog(),
        commitAttempts: o.commitAttempts,
        onStorageTrouble: (error, abandoned) => {
          if (abandoned !== undefined) {
            // Given up in memory, still pending in SQLite: a rescan hands them back once writes work again.
            this.flow.release(abandoned.length);
            this.#rescanPending = true;
          }
          this.#storageFailed(error, abandoned !== undefined);
        },
        log: this.#log,
      }),
    );
    const sequence = { next: 0 };
    const expected = { next: 0 };
    const sequencer = this.system.spawn(sequencerProps({ ledger: this.#ledger, mailboxCapacity: 10_000, expected }));
    this.#pricing = this.system.spawn(
      pricingProps({
        sequencer,
        evaluator: this.#evaluator,
        now,
        attempts: o.evaluateAttempts,
        batchMax: o.evaluateBatchMax,
        concurrency: o.evaluateConcurrency,
        mailboxCapacity: 100_000,
        sequence,
      }),
    );
    this.#gate = this.system.spawn(
      gateProps({
        store: this.#writes,
        pricing: this.#pricing,
        flow: this.flow,
        now,
        journalBatchMax: o.journalBatchMax,
        mailboxCapacity: o.gateMailboxCapacity,
        onStorageFailure: (error) => this.#storageFailed(error),
        log: this.#log,
      }),
    );
  }

  #recover(): void {
    let afterSeq = 0;
    let recovered = 0;
    for (let page = this.#store.pendingTaps(afterSeq, RECOVERY_PAGE); page.length > 0; page = this.#store.pendingTaps(afterSeq, RECOVERY_PAGE)) {
      afterSeq = page[page.length - 1]!.seq;
      this.flow.force(page.length);
      this.#pricing.tell({ kind: 'taps', taps: page.map((j) => j.tap) });
      recovered += page.length;
    }
    if (recovered > 0) this.#log.info('recovered journaled taps', { taps: recovered });
  }

  readiness(): ReadyState {
    return this.#state;
  }

  async submitTaps(taps: Tap[], options: { wait: boolean }): Promise<SubmitResult> {
    if (!this.#state.ready) throw new EngineError('ERR_NOT_READY', `not accepting taps: ${this.#state.reason ?? 'not ready'}`);
    if (!this.flow.tryReserve(taps.length)) throw this.#overloaded(`${this.flow.inFlight} taps in flight`);
    const wait = options.wait ? this.#waiters.waitFor(taps.map((t) => t.tapId), this.options.waitTimeoutMs) : undefined;
    const reply = await new Promise<JournalReply>((resolve) => {
      if (!this.#gate.tell({ kind: 'submit', submission: { taps, reply: resolve } })) {
        this.flow.release(taps.length);
        resolve({ ok: false, error: this.#overloaded('the gate is full') });
      }
    });
    if (!reply.ok) {
      wait?.cancel();
      throw reply.error;
    }
    const submitted = reply.results.map(({ tapId, status }) => ({ tapId, status }));
    if (!options.wait) return { taps: submitted };
    // Duplicates were decided (or are pending) from before: answer them from the store.
    this.#waiters.decided(submitted.filter((t) => t.status === 'duplicate').map((t) => this.tapState(t.tapId) ?? pendingState(t.tapId)));
    const states = wait === undefined ? new Map<string, TapState>() : await wait.promise;
    return { taps: submitted, outcomes: taps.map((t) => states.get(t.tapId) ?? this.tapState(t.tapId) ?? pendingState(t.tapId)) };
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
    if (reply.kind !== 'customer') throw new Error(`ledger answered ${reply.kind} to put-customer`);
    return { customer: reply.customer, created: reply.created };
  }

  async topUp(customerId: string, topUpId: string, amount: number): Promise<TopUpResult> {
    const reply = await this.#ledger.ask({ kind: 'top-up', customerId, topUpId, amount }, { timeoutMs: ASK_TIMEOUT_MS });
    if (reply.kind === 'top-up') return reply.result;
    if (reply.kind === 'refused') throw new EngineError(reply.code as 'ERR_UNKNOWN_CUSTOMER' | 'ERR_TOPUP_CONFLICT', reply.message);
    throw new Error(`ledger answered ${reply.kind} to top-up`);
  }

  listTickets(customerId: string, limit: number, cursor?: string): TicketPage {
    return this.#store.listTickets(customerId, limit, cursor);
  }

  listRides(): Ride[] {
    return this.#store.listRides();
  }

  putRide(id: string, input: RideInput): Ride {
    const ride = this.#store.upsertRide(id, input);
    this.#refreshCatalog();
    return ride;
  }

  putMachine(id: string, input: { publicKey?: string }): Machine {
    const machine = this.#store.upsertMachine(id, input);
    this.#refreshCatalog();
    return machine;
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
      tap = this.#store.reopenDeadLetter(id, this.#runtime.clock.now());
    } catch (error) {
      if (error instanceof StoreError && (error.code === 'ERR_UNKNOWN_DEAD_LETTER' || error.code === 'ERR_ALREADY_REPLAYED')) {
        throw new EngineError(error.code, error.message);
      }
      throw error;
    }
    const wait = this.#waiters.waitFor([tap.tapId], this.options.waitTimeoutMs);
    this.flow.force(1);
    this.#pricing.tell({ kind: 'taps', taps: [tap] });
    const states = wait === undefined ? undefined : await wait.promise;
    return states?.get(tap.tapId) ?? this.tapState(tap.tapId) ?? pendingState(tap.tapId);
  }

  notificationsAfter(customerId: string, afterId: number, limit: number): Notification[] {
    return this.#store.outboxAfter(customerId, afterId, limit);
  }

  onNotifications(listener: NotificationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stops taking taps (503), journals what the gate holds, waits up to `drainTimeoutMs` for every accepted tap to be
   * committed, then stops the stages and the pool. The store stays open. Whatever did not make it within the
   * deadline is still pending in SQLite and is processed at the next start. Resolves with the taps left in flight.
   */
  async stop(drainTimeoutMs = 8_000): Promise<number> {
    this.#state = { ready: false, reason: 'stopping' };
    await this.#gate.stop();
    let timer: TimerHandle | undefined;
    const deadline = new Promise<void>((resolve) => (timer = this.#runtime.clock.setTimer(resolve, drainTimeoutMs)));
    await Promise.race([this.flow.whenIdle(), deadline]);
    this.#runtime.clock.clearTimer(timer!);
    const leftInFlight = this.flow.inFlight;
    if (leftInFlight > 0) this.#log.warn('stopping with taps in flight; they are processed at the next start', { taps: leftInFlight });
    await this.system.stop();
    await this.#evaluator.close();
    return leftInFlight;
  }

  #refreshCatalog(): void {
    this.#catalog = this.#store.loadCatalog();
  }

  /**
   * A failing disk (or a database busy past every retry) stops the intake: `/ready` says so and taps get 503, while
   * reads and SSE go on. A small write is tried every `storageProbeMs`; when one commits, taps are taken again and
   * any batch given up meanwhile is handed back from the journal.
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
      if (this.#rescanPending) {
        this.#rescanPending = false;
        this.#recover();
      }
    }, this.options.storageProbeMs);
  }

  #overloaded(why: string): EngineError {
    return new EngineError('ERR_OVERLOADED', `overloaded (${why}); retry later`, this.options.retryAfterMs);
  }
}

function pendingState(tapId: string): TapState {
  return { tapId, status: 'pending' };
}
