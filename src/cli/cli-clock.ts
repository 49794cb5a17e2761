/**
 * The clock of the command-line tools. Not `systemClock` from src/platform, for two reasons: its timers are
 * unref'd, and a CLI waiting on its own backoff or pacing timer (with no socket open) must stay alive meanwhile;
 * and latencies of a local server are a few milliseconds, so `now()` needs sub-millisecond resolution.
 */

import type { Clock, TimerHandle } from '../platform/clock.ts';

/**
 * Epoch milliseconds with a fractional part (monotonic within the process), and ref'd timers.
 *
 * @example
 * const t0 = cliClock.now();
 * await sleep(cliClock, 100);
 * cliClock.now() - t0; // ≈ 100.3
 */
export const cliClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer(handle: TimerHandle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * Waits `delayMs` on `clock`; resolves early (never rejects) when `signal` aborts, so a Ctrl-C ends a wait at once.
 *
 * @example
 * await sleep(clock, 1_000, interrupt); // returns after 1 s, or as soon as `interrupt` aborts
 */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clock.clearTimer(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimer(done, Math.max(0, delayMs));
    signal?.addEventListener('abort', done, { once: true });
  });
}
