import { describe, expect, it } from 'vitest';
import { BoundedMailbox, type OverflowPolicy, type OverflowReason } from '../../src/mailbox/bounded-mailbox.ts';
import { RingBuffer } from '../../src/mailbox/ring-buffer.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';

function mailbox(capacity: number, overflow: OverflowPolicy, maxWaiters?: number) {
  const clock = new VirtualClock(0);
  const overflowed: Array<[number, OverflowReason]> = [];
  const box = new BoundedMailbox<number, string>(
    { capacity, overflow, ...(maxWaiters !== undefined && { maxWaiters }) },
    clock,
    (m, reason) => overflowed.push([m, reason]),
  );
  return { box, clock, overflowed };
}

function drain(box: BoundedMailbox<number, string>): number[] {
  const out: number[] = [];
  for (let m = box.shift(); m !== undefined; m = box.shift()) out.push(m);
  return out;
}

describe('RingBuffer', () => {
  it('keeps FIFO order across wrap-around and growth', () => {
    const ring = new RingBuffer<number>(4);
    for (let i = 0; i < 3; i++) ring.push(i);
    ring.shift();
    ring.shift();
    for (let i = 3; i < 6; i++) ring.push(i);
    expect(ring.push(99)).toBe(false);
    ring.grow();
    ring.push(6);
    expect(ring.drain()).toEqual([2, 3, 4, 5, 6]);
  });

  it('unshift puts a value at the front and pop takes the newest', () => {
    const ring = new RingBuffer<number>(4);
    ring.push(1);
    ring.push(2);
    ring.unshift(0);
    expect(ring.pop()).toBe(2);
    expect(ring.drain()).toEqual([0, 1]);
  });
});

describe('BoundedMailbox', () => {
  it('requires a positive integer capacity and a known policy', () => {
    const clock = new VirtualClock(0);
    expect(() => new BoundedMailbox({ capacity: 0, overflow: 'reject' }, clock, () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(() => new BoundedMailbox({ capacity: 1.5, overflow: 'reject' }, clock, () => {})).toThrow(/capacity/);
    expect(() => new BoundedMailbox({ capacity: 1, overflow: 'spill' as OverflowPolicy }, clock, () => {})).toThrow(/overflow/);
  });

  it('reject: a full mailbox refuses the message at once and reports mailbox_full', () => {
    const { box, overflowed } = mailbox(2, 'reject');
    expect(box.offer(1)).toBe(true);
    expect(box.offer(2)).toBe(true);
    expect(box.offer(3)).toBe(false);
    expect(overflowed).toEqual([[3, 'mailbox_full']]);
    expect(drain(box)).toEqual([1, 2]);
    expect(box.counters()).toMatchObject({ enqueued: 2, dequeued: 2, rejected: 1, dropped: 0, highWatermark: 2, size: 0 });
  });

  it('drop-oldest: evicts the oldest to make room and reports it as dropped', () => {
    const { box, overflowed } = mailbox(2, 'drop-oldest');
    box.offer(1);
    box.offer(2);
    expect(box.offer(3)).toBe(true);
    expect(overflowed).toEqual([[1, 'dropped']]);
    expect(drain(box)).toEqual([2, 3]);
    expect(box.counters()).toMatchObject({ enqueued: 3, dropped: 1 });
  });

  it('drop-newest: drops the arriving message and reports it as dropped', () => {
    const { box, overflowed } = mailbox(2, 'drop-newest');
    box.offer(1);
    box.offer(2);
    expect(box.offer(3)).toBe(false);
    expect(overflowed).toEqual([[3, 'dropped']]);
    expect(drain(box)).toEqual([1, 2]);
  });

  it('backpressure: a sender waits for room and gets in when a message leaves', async () => {
    const { box } = mailbox(1, 'backpressure');
    box.offer(1);
    let admitted = false;
    const sent = box.offerAsync(2, { timeoutMs: 100 }).then(() => (admitted = true));
    await Promise.resolve();
    expect(admitted).toBe(false);
    expect(box.shift()).toBe(1);
    await sent;
    expect(admitted).toBe(true);
    expect(drain(box)).toEqual([2]);
  });

  it('backpressure: the wait is bounded by a timeout in virtual time', async () => {
    const { box, clock, overflowed } = mailbox(1, 'backpressure');
    box.offer(1);
    const sent = box.offerAsync(2, { timeoutMs: 100 });
    clock.advanceTo(99);
    clock.advanceTo(100);
    await expect(sent).rejects.toMatchObject({ code: 'ERR_BACKPRESSURE_TIMEOUT' });
    expect(overflowed).toEqual([[2, 'mailbox_full']]);
    expect(drain(box)).toEqual([1]);
  });

  it('backpressure: the wait is bounded by an AbortSignal and by the number of waiters', async () => {
    const { box, overflowed } = mailbox(1, 'backpressure', 1);
    box.offer(1);
    const controller = new AbortController();
    const first = box.offerAsync(2, { timeoutMs: 1_000, signal: controller.signal });
    await expect(box.offerAsync(3, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'ERR_MAILBOX_FULL' });
    controller.abort();
    await expect(first).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(overflowed.map(([m]) => m)).toEqual([3, 2]);
    const aborted = new AbortController();
    aborted.abort();
    await expect(box.offerAsync(4, { timeoutMs: 1_000, signal: aborted.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('backpressure: a plain offer on a full mailbox is refused like reject', () => {
    const { box, overflowed } = mailbox(1, 'backpressure');
    box.offer(1);
    expect(box.offer(2)).toBe(false);
    expect(overflowed).toEqual([[2, 'mailbox_full']]);
  });

  it('control messages skip the bounded lane: they are never dropped, even when the mailbox is full', () => {
    const { box } = mailbox(1, 'reject');
    box.offer(1);
    for (let i = 0; i < 100; i++) box.offerControl(`c${i}`);
    expect(box.controlSize).toBe(100);
    expect(box.shiftControl()).toBe('c0');
    expect(box.size).toBe(1);
  });

  it('close rejects waiting senders and returns what was queued', async () => {
    const { box, overflowed } = mailbox(1, 'backpressure');
    box.offer(1);
    const waiting = box.offerAsync(2, { timeoutMs: 1_000 });
    expect(box.close()).toEqual([1]);
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_MAILBOX_CLOSED' });
    expect(overflowed).toEqual([[2, 'mailbox_full']]);
  });

  it('tracks the high watermark', () => {
    const { box } = mailbox(8, 'reject');
    for (let i = 0; i < 5; i++) box.offer(i);
    drain(box);
    box.offer(9);
    expect(box.counters()).toMatchObject({ highWatermark: 5, size: 1, capacity: 8 });
  });
});
