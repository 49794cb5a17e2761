/**
 * The one way ticketd waits for a promise with a time limit: the engine's drain, the HTTP layer's bound on an engine
 * answer, the CLI's graceful stop, and the waits of tests and benchmarks. The timer runs on a `Clock`, so the same
 * wait runs in virtual time under the test kit.
 */
import { systemClock, type Clock } from './clock.ts';

export interface TimeoutOptions {
  /** How long to wait, in ms; a finite number, at least 0. */
  timeoutMs: number;
  /** What is awaited, for the error's message: "the drain", "the server to close". */
  what: string;
  /** The clock the timer runs on; by default the real one (whose timers do not keep the process alive). */
  clock?: Clock;
}

/** A wait that ran out: the awaited promise may still settle later, and that outcome is then ignored. */
export class TimeoutError extends Error {
  readonly code = 'ERR_TIMEOUT';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what}: not within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Settles like `work`, or rejects with a `TimeoutError` once `timeoutMs` has passed on the clock, whichever comes
 * first. The timer is cleared as soon as `work` settles, and a rejection of `work` after the deadline is handled
 * (it does not surface as an unhandled rejection).
 *
 * @example
 * const code = await withTimeout(child.exited, { timeoutMs: 5_000, what: 'the server to exit' });
 * await withTimeout(flow.whenIdle(), { timeoutMs: drainTimeoutMs, what: 'the drain', clock: runtime.clock })
 *   .catch((error: unknown) => { if (!(error instanceof TimeoutError)) throw error; });
 */
export function withTimeout<T>(work: Promise<T>, options: TimeoutOptions): Promise<T> {
  const { timeoutMs, what, clock = systemClock } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new RangeError(`timeoutMs must be a finite number >= 0, got ${timeoutMs}`);
  let expire!: (error: TimeoutError) => void;
  const deadline = new Promise<never>((_, reject) => (expire = reject));
  const timer = clock.setTimer(() => expire(new TimeoutError(what, timeoutMs)), timeoutMs);
  return Promise.race([work, deadline]).finally(() => clock.clearTimer(timer));
}
