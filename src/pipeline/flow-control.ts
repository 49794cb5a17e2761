/**
 * Counts taps accepted but not yet decided, so the pipeline's memory has a bound: a request that would take the
 * count over `limit` is refused (429 `overloaded`) before anything of it is decided.
 *
 * @example
 * if (!flow.tryReserve(taps.length)) throw overloaded();
 */
export class FlowControl {
  #inFlight = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(readonly limit: number) {}

  get inFlight(): number {
    return this.#inFlight;
  }

  tryReserve(count: number): boolean {
    if (this.#inFlight + count > this.limit) return false;
    this.#inFlight += count;
    return true;
  }

  /**
   * Taps that were already accepted, so in flight whatever the limit: a v2 server's undecided taps decided at start,
   * and a dead letter being replayed.
   */
  force(count: number): void {
    this.#inFlight += count;
  }

  release(count: number): void {
    this.#inFlight -= count;
    if (this.#inFlight < 0) throw new Error(`flow control released more than it reserved (${this.#inFlight})`);
    if (this.#inFlight === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  /** Resolves when nothing is in flight (at once if nothing is). The caller bounds the wait. */
  whenIdle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
