/**
 * Time, as the engine sees it. Engine code never calls `Date.now` or `setTimeout` directly: it asks the injected
 * clock, so tests can run the same code in virtual time (see `VirtualClock`).
 *
 * @example
 * const timer = clock.setTimer(() => console.log('late'), 1_000);
 * clock.clearTimer(timer);
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Opaque: only the clock that made it knows what it is. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** The real clock. Timers are unref'd so a pending timeout never keeps the process alive on its own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return timer;
  },
  clearTimer(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** Lets pending promise callbacks and I/O run before continuing; the one place that yields to the event loop. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs `callback` on the next turn of the event loop, after I/O. */
export function runSoon(callback: () => void): void {
  setImmediate(callback);
}
