import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { TimeoutError, withTimeout } from '../../src/platform/with-timeout.ts';

/** A promise and the functions that settle it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('withTimeout, in virtual time', () => {
  it('settles with the value when the work settles first, and clears its timer', async () => {
    const clock = new VirtualClock(0);
    const work = deferred<string>();
    const waiting = withTimeout(work.promise, { timeoutMs: 100, what: 'the work', clock });
    clock.advanceTo(99);
    work.resolve('done');
    await expect(waiting).resolves.toBe('done');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('passes the work’s own rejection through, and clears its timer', async () => {
    const clock = new VirtualClock(0);
    const work = deferred<string>();
    const waiting = withTimeout(work.promise, { timeoutMs: 100, what: 'the work', clock });
    work.reject(new RangeError('broken'));
    await expect(waiting).rejects.toBeInstanceOf(RangeError);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('rejects with ERR_TIMEOUT naming what was awaited once the time is up; a later rejection of the work is ignored', async () => {
    const clock = new VirtualClock(0);
    const work = deferred<string>();
    const waiting = withTimeout(work.promise, { timeoutMs: 100, what: 'the drain', clock });
    clock.advanceTo(100);
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'ERR_TIMEOUT', what: 'the drain', timeoutMs: 100 });
    // Were this rejection unhandled, vitest would fail the run.
    work.reject(new Error('too late'));
    await Promise.resolve();
  });

  it('refuses a timeout that is not a finite number of ms, naming the option', () => {
    const clock = new VirtualClock(0);
    for (const timeoutMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => withTimeout(Promise.resolve(1), { timeoutMs, what: 'x', clock })).toThrow(/timeoutMs/);
    }
  });
});
