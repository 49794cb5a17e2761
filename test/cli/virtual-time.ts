import type { VirtualClock } from '../../src/platform/virtual-clock.ts';

/** Lets promise callbacks and stream reads that are ready run to completion. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `promise` to completion in virtual time: whenever everything else is idle, moves the clock to the next
 * timer. Fails instead of hanging when nothing is pending or after `stepsMax` steps.
 */
export async function drive<T>(clock: VirtualClock, promise: Promise<T>, stepsMax = 100_000): Promise<T> {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  for (let step = 0; step < stepsMax && !settled; step++) {
    await flush();
    if (settled) break;
    const dueMs = clock.nextDueMs();
    if (dueMs !== undefined) {
      clock.fireNext(dueMs);
      continue;
    }
    // No timer: real I/O (a file read) may still be under way. Spin the event loop a bounded number of turns: enough
    // for a read on a loaded machine (10,000 turns, tens of milliseconds, once were not: a CI flake), still finite.
    for (let turn = 0; turn < 1_000_000 && !settled && clock.nextDueMs() === undefined; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!settled && clock.nextDueMs() === undefined) throw new Error('stuck: nothing pending in virtual time');
  }
  if (!settled) throw new Error(`did not finish within ${stepsMax} steps`);
  return promise;
}
