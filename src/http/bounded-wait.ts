/**
 * A bound on how long a request waits for the engine. The engine bounds its own waits; this is the backstop that
 * keeps one stuck promise from holding a connection (and its memory) forever.
 */
import type { Clock } from '../platform/clock.ts';
import { HttpError } from './http-error.ts';

/**
 * Resolves like `promise`, or rejects with 503 `engine_timeout` after `timeoutMs` on `clock`. The outcome of the
 * timed-out operation is then unknown; every write of the API is idempotent (tap ids, top-up ids, PUTs), so the
 * client may retry it.
 *
 * @example
 * const results = await boundedWait(engine.submitTaps(taps), clock, 30_000);
 */
export function boundedWait<T>(promise: Promise<T>, clock: Clock, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = clock.setTimer(() => {
      if (settled) return;
      // The engine may still settle later: the handlers below then do nothing (and a late rejection is handled).
      settled = true;
      const message = `the engine did not answer within ${timeoutMs} ms; retrying is safe`;
      reject(new HttpError(503, 'engine_timeout', message, { 'Retry-After': '1' }));
    }, timeoutMs);
    promise.then(
      (value) => {
        if (settled) return;
        settled = true;
        clock.clearTimer(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clock.clearTimer(timer);
        reject(error);
      },
    );
  });
}
