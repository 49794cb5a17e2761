import { BoundedMailbox, type OverflowReason, type SendOptions } from '../mailbox/bounded-mailbox.ts';
import type { TimerHandle } from '../platform/clock.ts';
import { ActorRef } from './actor-ref.ts';
import type { AskSlot } from './ask-registry.ts';
import type { Schedulable } from './dispatcher.ts';
import { ActorError, requirePositiveInteger } from './errors.ts';
import type { SystemCore } from './system-core.ts';
import { defaultStrategy, RestartWindow, type SupervisorStrategy } from './supervisor.ts';
import type { ActorContext, ActorSnapshot, ActorState, Addressable, Behavior, Props } from './types.ts';

/**
 * A message in a mailbox. What the x-death record needs is kept apart in `failure`, made at the first failure: most
 * messages never fail, and an envelope is allocated per message, so the common one stays four fields small.
 */
export interface Envelope<M> {
  message: M;
  sender: ActorCell<never, unknown> | undefined;
  ask: AskSlot | undefined;
  failure: Failure | undefined;
}

/** How often and when a message failed, and the last error. */
interface Failure {
  attempts: number;
  firstAt: number;
  lastAt: number;
  error: unknown;
}

export type Control =
  | { kind: 'child-failed'; child: ActorCell<never, unknown>; error: unknown }
  | { kind: 'resume' }
  | { kind: 'restart'; error: unknown }
  | { kind: 'stop' }
  | { kind: 'terminated'; cell: ActorCell<never, unknown> };

type AnyCell = ActorCell<never, unknown>;

const DEFAULT_THROUGHPUT = 64;
const DEFAULT_DELIVERY_LIMIT = 3;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;
const SCHEDULED_MAX = 1_024;

/**
 * The runtime side of one actor: its mailbox, state, behavior, children and watchers. Only the dispatcher runs
 * it, one turn at a time, so a behavior never handles two messages at once.
 */
export class ActorCell<M, R> implements Schedulable {
  scheduled = false;
  state: ActorState = 'starting';
  readonly ref: ActorRef<M, R>;
  readonly path: string;
  readonly throughput: number;
  readonly deliveryLimit: number;
  readonly strategy: SupervisorStrategy;
  readonly restarts = new RestartWindow();
  readonly mailbox: BoundedMailbox<Envelope<M>, Control>;
  readonly children = new Map<string, AnyCell>();
  #behavior: Behavior<M, R> | undefined;
  #ctx: ActorContext<M, R>;
  #current: Envelope<M> | undefined;
  #failed: Envelope<M> | undefined;
  #busy = false;
  #watchers = new Set<AnyCell>();
  #timers = new Set<TimerHandle>();
  #stopTimer: TimerHandle | undefined;
  #stopWaiters: (() => void)[] = [];

  constructor(
    readonly system: SystemCore,
    readonly parent: AnyCell | undefined,
    readonly name: string,
    private readonly props: Props<M, R>,
  ) {
    this.path = `${parent?.path ?? '/user'}/${name}`;
    this.throughput = requirePositiveInteger('throughput', props.throughput ?? DEFAULT_THROUGHPUT);
    this.deliveryLimit = requirePositiveInteger('deliveryLimit', props.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT);
    this.strategy = props.supervisor ?? defaultStrategy;
    this.mailbox = new BoundedMailbox<Envelope<M>, Control>(props.mailbox, system.runtime.clock, (e, reason) =>
      this.#overflowed(e, reason),
    );
    this.ref = new ActorRef<M, R>(this);
    this.#ctx = this.#makeContext();
  }

  /** Creates the behavior and runs preStart; a failure here is handled like any other. */
  start(): void {
    try {
      this.#behavior = this.props.create(this.#ctx);
      this.#behavior.preStart?.(this.#ctx);
      this.state = 'running';
      this.system.emit({ type: 'started', path: this.path, at: this.system.runtime.clock.now() });
    } catch (error) {
      this.#fail(undefined, error);
    }
  }

  // ── sending ────────────────────────────────────────────────────────────────────────────────────────────────

  tell(message: M, sender?: AnyCell): boolean {
    return this.#enqueue({ message, sender, ask: undefined, failure: undefined });
  }

  ask(message: M, timeoutMs: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const slot = this.system.asks.open(this.path, timeoutMs, resolve as (v: unknown) => void, reject);
      this.#enqueue({ message, sender: undefined, ask: slot, failure: undefined });
    });
  }

  send(message: M, options: SendOptions): Promise<void> {
    if (this.#closedToMessages()) {
      this.#deadLetter(this.#envelope(message), 'actor_stopped');
      return Promise.reject(new ActorError('ERR_ACTOR_STOPPED', `${this.path} is ${this.state}`, this.path));
    }
    return this.mailbox.offerAsync(this.#envelope(message), options).then(() => this.#wake());
  }

  #envelope(message: M): Envelope<M> {
    return { message, sender: undefined, ask: undefined, failure: undefined };
  }

  #enqueue(envelope: Envelope<M>): boolean {
    if (this.#closedToMessages()) {
      this.#deadLetter(envelope, 'actor_stopped');
      return false;
    }
    if (!this.mailbox.offer(envelope)) return false;
    this.#wake();
    return true;
  }

  #closedToMessages(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  #wake(): void {
    if (!this.scheduled && this.hasWork()) this.system.dispatcher.schedule(this);
  }

  control(message: Control): void {
    if (this.state === 'stopped') return;
    this.mailbox.offerControl(message);
    this.#wake();
  }

  // ── running ────────────────────────────────────────────────────────────────────────────────────────────────

  hasWork(): boolean {
    if (this.mailbox.controlSize > 0) return true;
    if (this.#busy || this.mailbox.size === 0) return false;
    return this.state === 'running' || this.state === 'stopping';
  }

  runTurn(maxMessages: number): number {
    for (let c = this.mailbox.shiftControl(); c !== undefined; c = this.mailbox.shiftControl()) this.#onControl(c);
    if (this.#busy || (this.state !== 'running' && this.state !== 'stopping')) return 0;
    const behavior = this.#behavior as Behavior<M, R>;
    let handled = 0;
    while (handled < maxMessages) {
      const envelope = this.mailbox.shift();
      if (envelope === undefined) break;
      handled++;
      this.#current = envelope;
      let result: R | Promise<R>;
      try {
        result = behavior.receive(envelope.message, this.#ctx);
      } catch (error) {
        this.#fail(envelope, error);
        return handled;
      }
      if (isThenable(result)) {
        this.#awaitResult(envelope, result);
        return handled;
      }
      if (envelope.ask !== undefined) this.#reply(envelope.ask, result);
      if (this.mailbox.controlSize > 0) break; // a stop or failure of a child goes first
    }
    this.#current = undefined;
    if (this.state === 'stopping' && this.mailbox.size === 0) this.#stopChildrenThenFinish();
    return handled;
  }

  #awaitResult(envelope: Envelope<M>, result: Promise<R>): void {
    this.#busy = true;
    result.then(
      (value) => {
        this.#busy = false;
        this.#current = undefined;
        if (envelope.ask !== undefined) this.#reply(envelope.ask, value);
        if (this.state === 'stopping' && this.mailbox.size === 0) this.#stopChildrenThenFinish();
        this.#wake();
      },
      (error: unknown) => {
        this.#busy = false;
        if (this.state === 'stopped') return; // killed while the handler ran: nothing left to supervise
        this.#fail(envelope, error);
      },
    );
  }

  #reply(slot: AskSlot, value: unknown): void {
    if (!this.system.asks.reply(slot, value)) {
      const now = this.system.runtime.clock.now();
      this.system.deadLetter({ message: value, recipient: `ask:${this.path}`, sender: this.path, reason: 'ask_timeout', attempts: 1, firstAt: now, lastAt: now });
    }
  }

  #onControl(control: Control): void {
    switch (control.kind) {
      case 'child-failed':
        this.system.supervise(this as unknown as AnyCell, control.child, control.error);
        return;
      case 'resume':
        if (this.state === 'suspended') this.#resumeWith();
        return;
      case 'restart':
        this.#restart(control.error);
        return;
      case 'stop':
        this.beginStop();
        return;
      case 'terminated':
        this.#onChildOrWatchedTerminated(control.cell);
        return;
    }
  }

  // ── failure and restart ────────────────────────────────────────────────────────────────────────────────────

  #fail(envelope: Envelope<M> | undefined, error: unknown): void {
    const now = this.system.runtime.clock.now();
    if (envelope !== undefined) {
      if (envelope.failure === undefined) envelope.failure = { attempts: 1, firstAt: now, lastAt: now, error };
      else {
        envelope.failure.attempts++;
        envelope.failure.lastAt = now;
        envelope.failure.error = error;
      }
    }
    this.#current = undefined;
    this.#failed = envelope;
    if (this.state === 'stopping') {
      // Failing while draining for a stop: no restart can follow, so the message is dead-lettered and draining goes on.
      if (envelope !== undefined) this.#deadLetter(envelope, 'actor_stopped');
      this.#failed = undefined;
      this.#wake();
      return;
    }
    this.state = 'suspended';
    this.system.emit({ type: 'failed', path: this.path, at: now, error: describe(error) });
    this.system.reportFailure(this as unknown as AnyCell, error);
  }

  /** The parent decided `restart`: set aside the failed instance now, build the fresh one after `delayMs`. */
  scheduleRestart(error: unknown, delayMs: number): void {
    this.state = 'restarting';
    this.#clearTimers();
    if (delayMs === 0) {
      this.control({ kind: 'restart', error });
      return;
    }
    const timer = this.system.runtime.clock.setTimer(() => {
      this.#timers.delete(timer);
      this.control({ kind: 'restart', error });
    }, delayMs);
    this.#timers.add(timer);
  }

  #restart(error: unknown): void {
    if (this.state !== 'restarting' && this.state !== 'suspended' && this.state !== 'running') return;
    const old = this.#behavior;
    try {
      old?.preRestart?.(error, this.#failed?.message, this.#ctx);
    } catch {
      // The old instance is being replaced anyway; its cleanup failing must not block the fresh one.
    }
    this.#clearTimers();
    this.#busy = false;
    // As in Akka, a restart stops the children; the fresh behavior's `create` spawns the ones it needs again.
    for (const child of [...this.children.values()]) {
      this.children.delete(child.name);
      child.kill();
    }
    try {
      this.#behavior = this.props.create(this.#ctx);
      if (this.#behavior.postRestart !== undefined) this.#behavior.postRestart(error, this.#ctx);
      else this.#behavior.preStart?.(this.#ctx);
    } catch (restartError) {
      this.#fail(undefined, restartError);
      return;
    }
    this.system.emit({ type: 'restarted', path: this.path, at: this.system.runtime.clock.now(), error: describe(error) });
    this.#resumeWith();
  }

  /** Back to running; the failed message is retried unless it reached the delivery limit. */
  #resumeWith(): void {
    this.state = 'running';
    const failed = this.#failed;
    this.#failed = undefined;
    if (failed !== undefined) {
      const attempts = failed.failure === undefined ? 0 : failed.failure.attempts;
      if (attempts >= this.deliveryLimit) this.#deadLetter(failed, 'delivery_limit');
      else this.mailbox.unshift(failed);
    }
    this.#wake();
  }

  /** Dead-letters the message that failed, if any (the parent decided stop or escalate). */
  dropFailed(reason: 'actor_stopped' | 'delivery_limit'): void {
    const failed = this.#failed;
    this.#failed = undefined;
    if (failed !== undefined) this.#deadLetter(failed, reason);
  }

  // ── stopping ───────────────────────────────────────────────────────────────────────────────────────────────

  /** Graceful: refuse new messages, drain the queued ones within the stop timeout, stop children, then stop. */
  stop(): Promise<void> {
    if (this.state === 'stopped') return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#stopWaiters.push(resolve));
    this.control({ kind: 'stop' });
    return done;
  }

  beginStop(): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    const wasSuspended = this.state !== 'running';
    this.state = 'stopping';
    this.#clearTimers();
    if (wasSuspended) this.dropFailed('actor_stopped');
    const timeoutMs = this.props.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    this.#stopTimer = this.system.runtime.clock.setTimer(() => this.kill(), timeoutMs);
    if (!this.#busy && this.mailbox.size === 0) this.#stopChildrenThenFinish();
    else this.#wake();
  }

  /** At once: queued messages become dead letters, children are killed, postStop runs. */
  kill(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    this.dropFailed('actor_stopped');
    for (const child of [...this.children.values()]) child.kill();
    this.#finish();
  }

  #stopChildrenThenFinish(): void {
    if (this.children.size === 0) {
      this.#finish();
      return;
    }
    for (const child of this.children.values()) void child.stop();
  }

  #onChildOrWatchedTerminated(cell: AnyCell): void {
    if (cell.parent === (this as unknown as AnyCell)) {
      if (this.children.get(cell.name) === cell) this.children.delete(cell.name);
      if (this.state === 'stopping' && !this.#busy && this.mailbox.size === 0 && this.children.size === 0) this.#finish();
    }
    if (this.state === 'stopped' || this.state === 'stopping') return;
    try {
      this.#behavior?.onTerminated?.(cell.ref, this.#ctx);
    } catch (error) {
      this.#fail(undefined, error);
    }
  }

  #finish(): void {
    if (this.state === 'stopped') return;
    if (this.#stopTimer !== undefined) this.system.runtime.clock.clearTimer(this.#stopTimer);
    this.#clearTimers();
    for (const envelope of this.mailbox.close()) this.#deadLetter(envelope, 'actor_stopped');
    try {
      this.#behavior?.postStop?.(this.#ctx);
    } catch {
      // postStop is cleanup of an actor that is gone either way; its failure must not keep the actor alive.
    }
    this.state = 'stopped';
    this.system.emit({ type: 'stopped', path: this.path, at: this.system.runtime.clock.now() });
    const notify = new Set(this.#watchers);
    if (this.parent !== undefined) notify.add(this.parent);
    for (const watcher of notify) watcher.control({ kind: 'terminated', cell: this as unknown as AnyCell });
    if (this.parent === undefined) this.system.topLevelGone(this as unknown as AnyCell);
    for (const resolve of this.#stopWaiters.splice(0)) resolve();
  }

  #clearTimers(): void {
    for (const timer of this.#timers) this.system.runtime.clock.clearTimer(timer);
    this.#timers.clear();
  }

  // ── dead letters, watch, context ───────────────────────────────────────────────────────────────────────────

  #overflowed(envelope: Envelope<M>, reason: OverflowReason): void {
    this.#deadLetter(envelope, reason);
  }

  #deadLetter(envelope: Envelope<M>, reason: string): void {
    const now = this.system.runtime.clock.now();
    const failure = envelope.failure;
    if (envelope.ask !== undefined) {
      const code = reason === 'actor_stopped' ? 'ERR_ACTOR_STOPPED' : 'ERR_MAILBOX_FULL';
      this.system.asks.fail(envelope.ask, new ActorError(code, `ask to ${this.path} not delivered: ${reason}`, this.path));
    }
    this.system.deadLetter({
      message: envelope.message,
      recipient: this.path,
      ...(envelope.sender !== undefined && { sender: envelope.sender.path }),
      reason,
      ...(failure !== undefined && failure.error !== undefined && { error: describe(failure.error) }),
      attempts: failure?.attempts ?? 0,
      firstAt: failure?.firstAt ?? now,
      lastAt: failure?.lastAt ?? now,
    });
  }

  addWatcher(watcher: AnyCell): void {
    if (this.state === 'stopped') watcher.control({ kind: 'terminated', cell: this as unknown as AnyCell });
    else this.#watchers.add(watcher);
  }

  removeWatcher(watcher: AnyCell): void {
    this.#watchers.delete(watcher);
  }

  snapshot(): ActorSnapshot {
    return { path: this.path, state: this.state, mailbox: this.mailbox.counters() };
  }

  #makeContext(): ActorContext<M, R> {
    const self = this as unknown as AnyCell;
    const current = (): Envelope<M> | undefined => this.#current;
    return {
      self: this.ref,
      path: this.path,
      parent: this.parent?.ref,
      runtime: this.system.runtime,
      get sender() {
        return current()?.sender?.ref;
      },
      spawn: (props) => this.system.spawnChild(self, props),
      children: () => [...this.children.values()].map((c) => c.ref),
      watch: (ref) => cellOf(ref).addWatcher(self),
      unwatch: (ref) => cellOf(ref).removeWatcher(self),
      scheduleOnce: (delayMs, message) => this.#scheduleOnce(delayMs, message),
    };
  }

  #scheduleOnce(delayMs: number, message: M): void {
    if (this.#timers.size >= SCHEDULED_MAX) {
      throw new ActorError('ERR_INVALID_OPTION', `${this.path} has ${SCHEDULED_MAX} scheduled messages already`, this.path);
    }
    const timer = this.system.runtime.clock.setTimer(() => {
      this.#timers.delete(timer);
      this.tell(message);
    }, delayMs);
    this.#timers.add(timer);
  }
}

/** Every Addressable the runtime hands out is an ActorRef; this recovers its cell. */
function cellOf(ref: Addressable): AnyCell {
  if (!(ref instanceof ActorRef)) throw new ActorError('ERR_INVALID_OPTION', `not an actor of this runtime: ${ref.path}`);
  return ref.cell as unknown as AnyCell;
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
