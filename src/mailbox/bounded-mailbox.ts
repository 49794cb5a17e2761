import type { Clock, TimerHandle } from '../platform/clock.ts';
import { MailboxError } from './errors.ts';
import { RingBuffer } from './ring-buffer.ts';

/**
 * What happens to a message that finds the mailbox full:
 * - `reject`: it is refused; the sender learns at once and it becomes a dead letter (`mailbox_full`);
 * - `drop-oldest`: the oldest queued message is evicted to make room and becomes a dead letter (`dropped`);
 * - `drop-newest`: the arriving message, the newest, is dropped and becomes a dead letter (`dropped`);
 * - `backpressure`: `offerAsync` waits for room, bounded by a timeout, an AbortSignal and a cap on waiting
 *   senders; a plain `offer` on a full mailbox is refused as under `reject`.
 */
export type OverflowPolicy = 'reject' | 'drop-oldest' | 'drop-newest' | 'backpressure';
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['reject', 'drop-oldest', 'drop-newest', 'backpressure'];

export type OverflowReason = 'mailbox_full' | 'dropped';

export interface MailboxOptions {
  /** Most ordinary messages queued at once. Required: there is no unbounded mailbox. */
  capacity: number;
  overflow: OverflowPolicy;
  /** `backpressure` only: most senders waiting for room at once (default: capacity). */
  maxWaiters?: number;
}

export interface MailboxCounters {
  size: number;
  capacity: number;
  highWatermark: number;
  enqueued: number;
  dequeued: number;
  dropped: number;
  rejected: number;
  controlSize: number;
}

export interface SendOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Waiter<T> {
  message: T;
  resolve: () => void;
  reject: (error: MailboxError) => void;
  timer: TimerHandle;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * A bounded FIFO of ordinary messages plus a control lane that is read first and never drops. The control lane
 * grows instead of dropping: what travels on it (stop, restart, child failed, terminated) is bounded by the
 * shape of the actor tree, not by traffic, and losing one would break supervision.
 *
 * @example
 * const mailbox = new BoundedMailbox<string>({ capacity: 2, overflow: 'drop-oldest' }, clock, (m, why) => dead(m, why));
 * mailbox.offer('a'); mailbox.offer('b'); mailbox.offer('c'); // 'a' goes to onOverflow as 'dropped'
 */
export class BoundedMailbox<T, C = unknown> {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly #maxWaiters: number;
  readonly #queue: RingBuffer<T>;
  readonly #control = new RingBuffer<C>(4);
  readonly #waiters: RingBuffer<Waiter<T>>;
  #highWatermark = 0;
  #enqueued = 0;
  #dequeued = 0;
  #dropped = 0;
  #rejected = 0;
  #closed = false;

  constructor(
    options: MailboxOptions,
    private readonly clock: Clock,
    private readonly onOverflow: (message: T, reason: OverflowReason) => void,
  ) {
    const { capacity, overflow } = options;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new MailboxError('ERR_INVALID_OPTION', `mailbox capacity must be a positive integer, got ${capacity}`);
    }
    if (!OVERFLOW_POLICIES.includes(overflow)) {
      throw new MailboxError('ERR_INVALID_OPTION', `mailbox overflow must be one of ${OVERFLOW_POLICIES.join(', ')}, got ${String(overflow)}`);
    }
    const maxWaiters = options.maxWaiters ?? capacity;
    if (!Number.isInteger(maxWaiters) || maxWaiters < 1) {
      throw new MailboxError('ERR_INVALID_OPTION', `mailbox maxWaiters must be a positive integer, got ${maxWaiters}`);
    }
    this.capacity = capacity;
    this.overflow = overflow;
    this.#maxWaiters = maxWaiters;
    this.#queue = new RingBuffer<T>(capacity);
    this.#waiters = new RingBuffer<Waiter<T>>(overflow === 'backpressure' ? maxWaiters : 1);
  }

  get size(): number {
    return this.#queue.size;
  }

  get controlSize(): number {
    return this.#control.size;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** True when a control or ordinary message is waiting. */
  hasMessages(): boolean {
    return this.#control.size > 0 || this.#queue.size > 0;
  }

  /**
   * Enqueues an ordinary message, applying the overflow policy when full. Returns true when `message` was
   * queued (under `drop-oldest` that may have evicted another).
   */
  offer(message: T): boolean {
    if (this.#queue.size < this.capacity) {
      this.#queue.push(message);
      this.#enqueued++;
      if (this.#queue.size > this.#highWatermark) this.#highWatermark = this.#queue.size;
      return true;
    }
    return this.#overflow(message);
  }

  /**
   * Enqueues, waiting for room while the mailbox is full (policy `backpressure`; any other policy answers at
   * once as `offer` does). Rejects with `ERR_BACKPRESSURE_TIMEOUT`, `ERR_ABORTED`, `ERR_MAILBOX_FULL` (too many
   * senders already waiting) or `ERR_MAILBOX_CLOSED`; the message then becomes a dead letter.
   */
  offerAsync(message: T, options: SendOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new MailboxError('ERR_MAILBOX_CLOSED', 'mailbox is closed'));
    if (this.overflow !== 'backpressure' || (this.#queue.size < this.capacity && this.#waiters.size === 0)) {
      return this.offer(message)
        ? Promise.resolve()
        : Promise.reject(new MailboxError('ERR_MAILBOX_FULL', `mailbox full (capacity ${this.capacity})`));
    }
    if (options.signal?.aborted) return this.#refuse(message, 'ERR_ABORTED', 'send aborted before it was queued');
    if (this.#waiters.size >= this.#maxWaiters) {
      return this.#refuse(message, 'ERR_MAILBOX_FULL', `mailbox full and ${this.#maxWaiters} senders already waiting`);
    }
    return new Promise<void>((resolve, reject) => this.#wait(message, options, resolve, reject));
  }

  /** Control messages are never dropped and are always read before ordinary ones. */
  offerControl(message: C): void {
    if (this.#control.size === this.#control.slots) this.#control.grow();
    this.#control.push(message);
  }

  shiftControl(): C | undefined {
    return this.#control.shift();
  }

  shift(): T | undefined {
    const message = this.#queue.shift();
    if (message === undefined) return undefined;
    this.#dequeued++;
    if (this.#waiters.size > 0) this.#admitWaiter();
    return message;
  }

  /** Puts a message back at the head (redelivery after a failure); it does not count as enqueued twice. */
  unshift(message: T): void {
    if (!this.#queue.unshift(message)) {
      // Full because a waiter took the freed slot: the oldest queued message must give way, never the redelivery.
      const evicted = this.#queue.pop() as T;
      this.#dropped++;
      this.onOverflow(evicted, 'dropped');
      this.#queue.unshift(message);
    }
  }

  /** Empties the mailbox, rejecting waiting senders; returns the queued ordinary messages, oldest first. */
  close(): T[] {
    this.#closed = true;
    while (this.#waiters.size > 0) {
      const waiter = this.#waiters.shift() as Waiter<T>;
      this.#settle(waiter);
      waiter.reject(new MailboxError('ERR_MAILBOX_CLOSED', 'mailbox closed while waiting for room'));
      this.onOverflow(waiter.message, 'mailbox_full');
    }
    return this.#queue.drain();
  }

  counters(): MailboxCounters {
    return {
      size: this.#queue.size,
      capacity: this.capacity,
      highWatermark: this.#highWatermark,
      enqueued: this.#enqueued,
      dequeued: this.#dequeued,
      dropped: this.#dropped,
      rejected: this.#rejected,
      controlSize: this.#control.size,
    };
  }

  #overflow(message: T): boolean {
    switch (this.overflow) {
      case 'drop-oldest': {
        const evicted = this.#queue.shift() as T;
        this.#dropped++;
        this.onOverflow(evicted, 'dropped');
        this.#queue.push(message);
        this.#enqueued++;
        return true;
      }
      case 'drop-newest':
        this.#dropped++;
        this.onOverflow(message, 'dropped');
        return false;
      case 'reject':
      case 'backpressure':
        this.#rejected++;
        this.onOverflow(message, 'mailbox_full');
        return false;
    }
  }

  #refuse(message: T, code: 'ERR_ABORTED' | 'ERR_MAILBOX_FULL', text: string): Promise<void> {
    this.#rejected++;
    this.onOverflow(message, 'mailbox_full');
    return Promise.reject(new MailboxError(code, text));
  }

  #wait(message: T, options: SendOptions, resolve: () => void, reject: (error: MailboxError) => void): void {
    const waiter: Waiter<T> = { message, resolve, reject, timer: undefined as unknown as TimerHandle, signal: options.signal, onAbort: undefined };
    const giveUp = (code: 'ERR_BACKPRESSURE_TIMEOUT' | 'ERR_ABORTED', text: string): void => {
      if (!this.#removeWaiter(waiter)) return;
      this.#settle(waiter);
      this.#rejected++;
      this.onOverflow(message, 'mailbox_full');
      reject(new MailboxError(code, text));
    };
    waiter.timer = this.clock.setTimer(
      () => giveUp('ERR_BACKPRESSURE_TIMEOUT', `no room in the mailbox within ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    if (options.signal !== undefined) {
      waiter.onAbort = () => giveUp('ERR_ABORTED', 'send aborted while waiting for room');
      options.signal.addEventListener('abort', waiter.onAbort, { once: true });
    }
    this.#waiters.push(waiter);
  }

  #admitWaiter(): void {
    const waiter = this.#waiters.shift() as Waiter<T>;
    this.#settle(waiter);
    this.#queue.push(waiter.message);
    this.#enqueued++;
    if (this.#queue.size > this.#highWatermark) this.#highWatermark = this.#queue.size;
    waiter.resolve();
  }

  #settle(waiter: Waiter<T>): void {
    this.clock.clearTimer(waiter.timer);
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  #removeWaiter(target: Waiter<T>): boolean {
    // Timeouts and aborts are rare next to admissions; a linear rebuild keeps the ring simple.
    const waiters = this.#waiters.drain();
    const kept = waiters.filter((w) => w !== target);
    for (const w of kept) this.#waiters.push(w);
    return kept.length !== waiters.length;
  }
}
