import { runSoon } from '../platform/clock.ts';
import type { Random } from '../platform/random.ts';
import { RingBuffer } from '../mailbox/ring-buffer.ts';

/** What the dispatcher needs of an actor: run one bounded turn. */
export interface Schedulable {
  /** Set by the dispatcher while the actor is in the ready queue. */
  scheduled: boolean;
  readonly throughput: number;
  /** Handles control messages, then up to `maxMessages` ordinary ones; returns how many it handled. */
  runTurn(maxMessages: number): number;
  /** True when a turn now would make progress. */
  hasWork(): boolean;
}

export interface DispatcherOptions {
  /**
   * `auto`: drains by itself, in microtasks, yielding to I/O (setImmediate) after `drainBudget` messages.
   * `manual`: drains only when `drain` is called (the test kit).
   */
  mode: 'auto' | 'manual';
  /** Most messages in one synchronous drain before the event loop gets a turn. */
  drainBudget: number;
  /** With a random source, the next ready actor is drawn from it (to explore interleavings); otherwise FIFO. */
  pick?: Random;
  /**
   * `auto` only: most milliseconds of one synchronous drain, measured on `now`, before I/O gets a turn: a few
   * slow handlers (a group commit) must not keep `/health` waiting however few messages they are.
   */
  drainBudgetMs?: number;
  now?: () => number;
}

/**
 * Runs ready actors in turns. Mailboxes are drained synchronously in bounded batches, not one promise per message:
 * an actor handles at most `throughput` messages a turn, then goes to the back of the ready queue.
 */
export class Dispatcher {
  #ready = new RingBuffer<Schedulable>(64);
  #drainRequested = false;
  #draining = false;
  readonly #tick = (): void => {
    this.#drainRequested = false;
    const { drainBudgetMs, now } = this.options;
    this.drain(this.options.drainBudget, drainBudgetMs === undefined || now === undefined ? undefined : now() + drainBudgetMs);
    if (this.#ready.size > 0) this.#request(true);
  };

  constructor(private readonly options: DispatcherOptions) {}

  get readyCount(): number {
    return this.#ready.size;
  }

  schedule(actor: Schedulable): void {
    if (actor.scheduled) return;
    actor.scheduled = true;
    if (this.#ready.size === this.#ready.slots) this.#ready.grow(); // bounded by the number of actors
    this.#ready.push(actor);
    if (this.options.mode === 'auto' && !this.#draining) this.#request(false);
  }

  /**
   * Runs turns until `budget` messages were handled, no actor is ready, or (checked after each turn) the clock
   * passed `deadlineMs`; returns the number handled.
   */
  drain(budget: number, deadlineMs?: number): number {
    if (this.#draining) return 0; // a handler that drains re-entrantly would break one-at-a-time
    this.#draining = true;
    let handled = 0;
    try {
      while (handled < budget && this.#ready.size > 0) {
        const actor = this.#next();
        actor.scheduled = false;
        handled += actor.runTurn(Math.min(actor.throughput, budget - handled));
        if (actor.hasWork()) this.schedule(actor);
        if (deadlineMs !== undefined && this.options.now!() >= deadlineMs) break;
      }
    } finally {
      this.#draining = false;
    }
    return handled;
  }

  #next(): Schedulable {
    const pick = this.options.pick;
    if (pick === undefined || this.#ready.size === 1) return this.#ready.shift() as Schedulable;
    const all = this.#ready.drain();
    const index = pick.int(all.length);
    const chosen = all[index] as Schedulable;
    for (let i = 0; i < all.length; i++) if (i !== index) this.#ready.push(all[i] as Schedulable);
    return chosen;
  }

  #request(yieldFirst: boolean): void {
    if (this.#drainRequested) return;
    this.#drainRequested = true;
    if (yieldFirst) runSoon(this.#tick);
    else queueMicrotask(this.#tick);
  }
}
