import type { Clock, TimerHandle } from './clock.ts';

interface VirtualTimer {
  dueMs: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. Timers fire in due order (ties in creation order) as `advance` passes
 * their due time, so a test of retries or timeouts runs in microseconds and the same way every time.
 *
 * @example
 * const clock = new VirtualClock(0);
 * clock.setTimer(() => fired.push(clock.now()), 100);
 * clock.advanceTo(100); // fired = [100]
 */
export class VirtualClock implements Clock {
  #nowMs: number;
  #timers: VirtualTimer[] = [];
  #order = 0;

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer: VirtualTimer = {
      dueMs: this.#nowMs + Math.max(0, delayMs),
      order: this.#order++,
      callback,
      cancelled: false,
    };
    // Few timers are pending at once in tests; a sorted insert keeps firing order obvious.
    let index = this.#timers.length;
    while (index > 0 && compare(this.#timers[index - 1]!, timer) > 0) index--;
    this.#timers.splice(index, 0, timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    const timer = handle as VirtualTimer;
    timer.cancelled = true;
    const index = this.#timers.indexOf(timer);
    if (index >= 0) this.#timers.splice(index, 1);
  }

  /** Due time of the earliest pending timer, if any. */
  nextDueMs(): number | undefined {
    return this.#timers[0]?.dueMs;
  }

  pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Fires the earliest timer due at or before `targetMs`, moving time to its due time. Returns false when none is
   * due; then time moves to `targetMs`.
   */
  fireNext(targetMs: number): boolean {
    const timer = this.#timers[0];
    if (timer === undefined || timer.dueMs > targetMs) {
      this.#nowMs = Math.max(this.#nowMs, targetMs);
      return false;
    }
    this.#timers.shift();
    this.#nowMs = Math.max(this.#nowMs, timer.dueMs);
    timer.callback();
    return true;
  }

  /** Moves time to `targetMs`, firing every timer due on the way (including ones those timers set). */
  advanceTo(targetMs: number): void {
    while (this.fireNext(targetMs));
  }
}

function compare(a: VirtualTimer, b: VirtualTimer): number {
  return a.dueMs - b.dueMs || a.order - b.order;
}
