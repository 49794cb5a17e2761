import { BoundedMailbox } from '../src/mailbox/bounded-mailbox.ts';
import { systemClock } from '../src/platform/clock.ts';
import { runCases, type BenchCase, type BenchResult, type BenchSettings } from './harness.ts';

/** Messages pushed then shifted by one task call: enough that the timer's own cost (~0.1 µs) is noise. */
const BATCH = 1_000;

export const BASELINE = 'mailbox.baseline-ring';

/**
 * The ceiling: the smallest ring a mailbox could be (array, mask, head, size), written here rather than imported
 * so that nothing in src/ can make it faster or slower.
 */
class InlineRing {
  slots: (number | undefined)[];
  mask: number;
  head = 0;
  size = 0;

  constructor(slotCount: number) {
    this.slots = new Array<number | undefined>(slotCount).fill(undefined);
    this.mask = slotCount - 1;
  }

  push(value: number): void {
    this.slots[(this.head + this.size) & this.mask] = value;
    this.size++;
  }

  shift(): number | undefined {
    if (this.size === 0) return undefined;
    const value = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return value;
  }
}

/** Consumed so the optimiser cannot drop the shifts; kept a small integer (`| 0`) so adding never allocates. */
let sink = 0;

function baselineCase(): BenchCase {
  const ring = new InlineRing(1_024);
  return {
    name: BASELINE,
    messagesPerTask: BATCH,
    fn() {
      for (let i = 0; i < BATCH; i++) ring.push(i);
      for (let i = 0; i < BATCH; i++) sink = (sink + (ring.shift() as number)) | 0;
    },
  };
}

function boundedMailboxCase(): BenchCase {
  const mailbox = new BoundedMailbox<number>({ capacity: BATCH, overflow: 'reject' }, systemClock, () => {
    throw new Error('the bench never overflows its mailbox');
  });
  return {
    name: 'mailbox.enqueue-dequeue',
    messagesPerTask: BATCH,
    fn() {
      for (let i = 0; i < BATCH; i++) mailbox.offer(i);
      for (let i = 0; i < BATCH; i++) sink = (sink + (mailbox.shift() as number)) | 0;
    },
  };
}

/**
 * `mailbox.baseline-ring`: push then shift on a bare inline ring (the ceiling). `mailbox.enqueue-dequeue`: `offer`
 * then `shift` on our `BoundedMailbox` (policy reject, never full). Both move batches of 1,000 numbers; one op is one
 * message enqueued and dequeued. The baseline always runs, whatever the filter, so ratios come from the same run.
 */
export async function runMailboxBenches(settings: BenchSettings): Promise<BenchResult[]> {
  const results = await runCases([baselineCase(), boundedMailboxCase()], settings, [BASELINE]);
  if (sink === 0.5) console.log(sink); // never true; keeps `sink` observable
  return results;
}
