import type { TapState } from '../domain/types.ts';
import type { Clock } from '../platform/clock.ts';

type Resolve = (state: TapState | undefined) => void;

/**
 * Callers waiting for taps to be decided (`?wait=true`, dead-letter replay). Bounded twice: at most `capacity`
 * taps waited on at once, and each wait ends after `timeoutMs` with whatever is known by then.
 *
 * @example
 * const wait = waiters.waitFor(['tap-1'], 10_000); // register before the taps can be decided
 * ...
 * waiters.decided(results);
 * const states = await wait; // [TapState | undefined]
 */
export class OutcomeWaiters {
  #byTap = new Map<string, Resolve[]>();
  #count = 0;

  constructor(
    private readonly clock: Clock,
    readonly capacity: number,
  ) {}

  /** Registers a wait; returns undefined when the bound is reached (the caller answers without waiting). */
  waitFor(tapIds: string[], timeoutMs: number): { promise: Promise<Map<string, TapState>>; cancel: () => void } | undefined {
    if (this.#count + tapIds.length > this.capacity) return undefined;
    const states = new Map<string, TapState>();
    const resolvers: Array<[string, Resolve]> = [];
    let settle!: (value: Map<string, TapState>) => void;
    const promise = new Promise<Map<string, TapState>>((resolve) => (settle = resolve));
    let remaining = tapIds.length;
    const finish = (): void => {
      this.clock.clearTimer(timer);
      for (const [tapId, resolver] of resolvers) this.#remove(tapId, resolver);
      settle(states);
    };
    const timer = this.clock.setTimer(finish, timeoutMs);
    for (const tapId of tapIds) {
      const resolver: Resolve = (state) => {
        if (state !== undefined) states.set(tapId, state);
        if (--remaining === 0) finish();
      };
      resolvers.push([tapId, resolver]);
      this.#add(tapId, resolver);
    }
    if (remaining === 0) finish();
    return { promise, cancel: finish };
  }

  /** Settles the waits of taps that reached a final state. */
  decided(states: readonly TapState[]): void {
    if (this.#count === 0) return;
    for (const state of states) {
      if (state.status === 'pending') continue;
      const resolvers = this.#byTap.get(state.tapId);
      if (resolvers === undefined) continue;
      for (const resolve of [...resolvers]) resolve(state);
    }
  }

  get size(): number {
    return this.#count;
  }

  #add(tapId: string, resolve: Resolve): void {
    const list = this.#byTap.get(tapId);
    if (list === undefined) this.#byTap.set(tapId, [resolve]);
    else list.push(resolve);
    this.#count++;
  }

  #remove(tapId: string, resolve: Resolve): void {
    const list = this.#byTap.get(tapId);
    if (list === undefined) return;
    const index = list.indexOf(resolve);
    if (index < 0) return;
    list.splice(index, 1);
    this.#count--;
    if (list.length === 0) this.#byTap.delete(tapId);
  }
}
