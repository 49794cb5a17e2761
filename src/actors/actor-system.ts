import { systemContext, type RuntimeContext } from '../platform/context.ts';
import type { Random } from '../platform/random.ts';
import { ActorCell, describe } from './actor-cell.ts';
import type { ActorRef } from './actor-ref.ts';
import { AskRegistry } from './ask-registry.ts';
import { DeadLetterOffice } from './dead-letter-office.ts';
import { Dispatcher } from './dispatcher.ts';
import { ActorError, requirePositiveInteger } from './errors.ts';
import { backoffDelayMs, defaultStrategy, type Directive, type SupervisorStrategy } from './supervisor.ts';
import type { SystemCore } from './system-core.ts';
import type { ActorSnapshot, DeadLetter, Props, SystemEvent } from './types.ts';

type AnyCell = ActorCell<never, unknown>;
export type SystemListener = (event: SystemEvent) => void;

export interface ActorSystemOptions {
  runtime?: RuntimeContext;
  /** How the root guardian supervises top-level actors. Escalation past it stops the actor and calls `onEscalation`. */
  guardian?: SupervisorStrategy;
  onEscalation?: (path: string, error: unknown) => void;
  /** Most pending asks across the system (default 100,000). */
  askCapacity?: number;
  /** Dead letters kept for inspection (default 1,000). */
  deadLetterWindow?: number;
  /** Most messages handled in one synchronous drain before I/O gets a turn (default 10,000). */
  drainBudget?: number;
  /** Most milliseconds of one synchronous drain before I/O gets a turn (default 10; `auto` dispatch only). */
  drainBudgetMs?: number;
  /** `manual` hands the dispatcher to the caller (the test kit); `auto` runs it on the event loop. */
  dispatch?: 'auto' | 'manual';
  /** Draw the next ready actor from this random source instead of FIFO (the test kit's interleaving explorer). */
  pick?: Random;
}

/**
 * An in-process actor system: bounded mailboxes, one message at a time per actor, supervision, dead letters.
 *
 * @example
 * const system = new ActorSystem();
 * const echo = system.spawn<string, string>({ name: 'echo', mailbox: { capacity: 100, overflow: 'reject' },
 *   create: () => ({ receive: (text) => text }) });
 * await echo.ask('hi', { timeoutMs: 1_000 }); // 'hi'
 */
export class ActorSystem implements SystemCore {
  readonly runtime: RuntimeContext;
  readonly dispatcher: Dispatcher;
  readonly asks: AskRegistry;
  readonly deadLetters: DeadLetterOffice;
  readonly #topLevel = new Map<string, AnyCell>();
  readonly #listeners = new Set<SystemListener>();
  readonly #guardian: SupervisorStrategy;
  readonly #onEscalation: ((path: string, error: unknown) => void) | undefined;
  #stopped = false;

  constructor(options: ActorSystemOptions = {}) {
    this.runtime = options.runtime ?? systemContext;
    this.#guardian = options.guardian ?? defaultStrategy;
    this.#onEscalation = options.onEscalation;
    this.asks = new AskRegistry(this.runtime.clock, requirePositiveInteger('askCapacity', options.askCapacity ?? 100_000));
    this.deadLetters = new DeadLetterOffice(requirePositiveInteger('deadLetterWindow', options.deadLetterWindow ?? 1_000));
    this.dispatcher = new Dispatcher({
      mode: options.dispatch ?? 'auto',
      drainBudget: requirePositiveInteger('drainBudget', options.drainBudget ?? 10_000),
      drainBudgetMs: requirePositiveInteger('drainBudgetMs', options.drainBudgetMs ?? 10),
      now: () => this.runtime.clock.now(),
      ...(options.pick !== undefined && { pick: options.pick }),
    });
  }

  /** Starts a top-level actor under the root guardian. */
  spawn<M, R = void>(props: Props<M, R>): ActorRef<M, R> {
    if (this.#stopped) throw new ActorError('ERR_SYSTEM_STOPPED', 'the actor system is stopped');
    const name = this.#nameFor(props, this.#topLevel);
    const cell = new ActorCell<M, R>(this, undefined, name, props);
    this.#topLevel.set(name, cell as unknown as AnyCell);
    cell.start();
    return cell.ref;
  }

  spawnChild<M, R>(parent: AnyCell, props: Props<M, R>): ActorRef<M, R> {
    if (parent.state === 'stopping' || parent.state === 'stopped') {
      throw new ActorError('ERR_ACTOR_STOPPED', `${parent.path} is ${parent.state}; it cannot spawn`, parent.path);
    }
    const name = this.#nameFor(props, parent.children);
    const cell = new ActorCell<M, R>(this, parent, name, props);
    parent.children.set(name, cell as unknown as AnyCell);
    cell.start();
    return cell.ref;
  }

  /** Stops every top-level actor gracefully (children first); resolves when all have stopped. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#topLevel.values()].map((cell) => cell.stop()));
  }

  subscribe(listener: SystemListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every live actor with its state and mailbox counters, parents before children. */
  snapshot(): ActorSnapshot[] {
    const out: ActorSnapshot[] = [];
    const visit = (cell: AnyCell): void => {
      out.push(cell.snapshot());
      for (const child of cell.children.values()) visit(child);
    };
    for (const cell of this.#topLevel.values()) visit(cell);
    return out;
  }

  emit(event: SystemEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // An observer that throws must not break the actor that emitted the event.
      }
    }
  }

  deadLetter(deadLetter: DeadLetter): void {
    this.deadLetters.publish(deadLetter);
    if (this.#listeners.size > 0) this.emit({ type: 'dead-letter', deadLetter, at: deadLetter.lastAt });
  }

  reportFailure(cell: AnyCell, error: unknown): void {
    if (cell.parent !== undefined) cell.parent.control({ kind: 'child-failed', child: cell, error });
    else this.supervise(undefined, cell, error);
  }

  supervise(parent: AnyCell | undefined, child: AnyCell, error: unknown): void {
    if (child.state !== 'suspended') return; // stopped or already handled meanwhile
    const strategy = parent?.strategy ?? this.#guardian;
    let directive: Directive;
    try {
      directive = strategy.decide(error);
    } catch {
      directive = 'escalate';
    }
    const now = this.runtime.clock.now();
    if (directive === 'restart' && !child.restarts.admit(now, strategy)) directive = 'escalate';
    const siblings = parent !== undefined ? [...parent.children.values()] : [...this.#topLevel.values()];
    const targets = strategy.kind === 'all-for-one' ? siblings.filter((c) => c.state !== 'stopped') : [child];
    switch (directive) {
      case 'resume':
        child.control({ kind: 'resume' });
        return;
      case 'restart': {
        const delayMs = backoffDelayMs(strategy.backoff, child.restarts.count, this.runtime.random);
        for (const target of targets) target.scheduleRestart(error, delayMs);
        return;
      }
      case 'stop':
        for (const target of targets) target.kill();
        return;
      case 'escalate':
        this.#escalate(parent, child, error, now);
        return;
    }
  }

  #escalate(parent: AnyCell | undefined, child: AnyCell, error: unknown, now: number): void {
    this.emit({ type: 'escalated', path: child.path, at: now, error: describe(error) });
    child.kill();
    if (parent === undefined) {
      this.#onEscalation?.(child.path, error);
      return;
    }
    // The parent now fails with its child's error and its own parent decides.
    parent.state = 'suspended';
    this.emit({ type: 'failed', path: parent.path, at: now, error: describe(error) });
    this.reportFailure(parent, error);
  }

  topLevelGone(cell: AnyCell): void {
    if (this.#topLevel.get(cell.name) === cell) this.#topLevel.delete(cell.name);
  }

  #nameFor(props: Props<unknown, unknown>, siblings: Map<string, AnyCell>): string {
    const name = props.name ?? this.runtime.ids.next('actor');
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(name)) {
      throw new ActorError('ERR_INVALID_OPTION', `actor name must be 1–128 characters of [A-Za-z0-9_.:-], got ${name}`);
    }
    if (siblings.has(name)) throw new ActorError('ERR_DUPLICATE_NAME', `an actor named ${name} already exists here`);
    return name;
  }
}
