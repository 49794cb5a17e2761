/**
 * A bound on how long a request waits for the engine. The engine bounds its own waits; this is the backstop that
 * keeps one stuck promise from holding a connection (and its memory) forever.
 */
import type { Clock } from '../platform/clock.ts';
import { TimeoutError, withTimeout } from '../platform/with-timeout.ts';
import { HttpError } from './http-error.ts';

/**
 * Resolves like `promise`, or rejects with 503 `engine_timeout` after `timeoutMs` on `clock`. The outcome of the
 * timed-out operation is then unknown; every write of the API is idempotent (tap ids, top-up ids, PUTs), so the
 * client may retry it.
 *
 * @example
 * const results = await boundedWait(engine.submitTaps(taps), clock, 30_000);
 */
export async function boundedWait<T>(promise: Promise<T>, clock: Clock, timeoutMs: number): Promise<T> {
  try {
    return await withTimeout(promise, { timeoutMs, what: 'the engine', clock });
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    // The engine may still settle later; withTimeout then ignores it (a late rejection included).
    const message = `the engine did not answer within ${timeoutMs} ms; retrying is safe`;
    throw new HttpError(503, 'engine_timeout', message, { 'Retry-After': '1' });
  }
}
