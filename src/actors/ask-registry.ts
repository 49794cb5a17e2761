import type { Clock, TimerHandle } from '../platform/clock.ts';
import { RingBuffer } from '../mailbox/ring-buffer.ts';
import { ActorError } from './errors.ts';

/** One pending `ask`: settled once, by the reply, the timeout or a failure to deliver. */
export interface AskSlot {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  deadlineMs: number;
  done: boolean;
  target: string;
  timeoutMs: number;
  /** The FIFO of this slot's timeout value, kept here so settling it needs no lookup. */
  bucket: RingBuffer<AskSlot>;
}

/**
 * Pending asks and their deadlines. A timer per ask would cost more than the ask itself, so asks are kept in one
 * FIFO per timeout value (their deadlines are then in order) and a single clock timer is armed for the earliest.
 * At most `capacity` asks are pending; one more is refused with `ERR_ASK_CAPACITY`.
 */
export class AskRegistry {
  #buckets = new Map<number, RingBuffer<AskSlot>>();
  /** Most asks of a caller use one timeout value: its bucket is remembered to skip the map. */
  #lastTimeoutMs = NaN;
  #lastBucket: RingBuffer<AskSlot> | undefined;
  #pending = 0;
  #timer: TimerHandle | undefined;
  #timerDueMs = Infinity;

  constructor(
    private readonly clock: Clock,
    readonly capacity: number,
  ) {}

  get pending(): number {
    return this.#pending;
  }

  open(target: string, timeoutMs: number, resolve: (v: unknown) => void, reject: (e: unknown) => void): AskSlot {
    if (this.#pending >= this.capacity) {
      throw new ActorError('ERR_ASK_CAPACITY', `${this.capacity} asks already pending; ask to ${target} refused`, target);
    }
    const bucket = this.#bucketFor(timeoutMs);
    const deadlineMs = this.clock.now() + timeoutMs;
    const slot: AskSlot = { resolve, reject, deadlineMs, done: false, target, timeoutMs, bucket };
    if (bucket.size === bucket.slots) this.#compactOrGrow(bucket);
    bucket.push(slot);
    this.#pending++;
    if (slot.deadlineMs < this.#timerDueMs) this.#arm(slot.deadlineMs);
    return slot;
  }

  /** Settles with the reply; false when the slot already timed out (the caller dead-letters the late reply). */
  reply(slot: AskSlot, value: unknown): boolean {
    if (!this.#close(slot)) return false;
    slot.resolve(value);
    return true;
  }

  fail(slot: AskSlot, error: unknown): boolean {
    if (!this.#close(slot)) return false;
    slot.reject(error);
    return true;
  }

  #close(slot: AskSlot): boolean {
    if (slot.done) return false;
    slot.done = true;
    this.#pending--;
    const bucket = slot.bucket;
    for (let head = bucket.peek(); head !== undefined && head.done; head = bucket.peek()) bucket.shift();
    return true;
  }

  #bucketFor(timeoutMs: number): RingBuffer<AskSlot> {
    if (timeoutMs === this.#lastTimeoutMs) return this.#lastBucket as RingBuffer<AskSlot>;
    let bucket = this.#buckets.get(timeoutMs);
    if (bucket === undefined) {
      bucket = new RingBuffer<AskSlot>(16);
      this.#buckets.set(timeoutMs, bucket);
    }
    this.#lastTimeoutMs = timeoutMs;
    this.#lastBucket = bucket;
    return bucket;
  }

  #arm(dueMs: number): void {
    if (this.#timer !== undefined) this.clock.clearTimer(this.#timer);
    this.#timerDueMs = dueMs;
    this.#timer = this.clock.setTimer(() => this.#expire(), Math.max(0, dueMs - this.clock.now()));
  }

  #expire(): void {
    this.#timer = undefined;
    this.#timerDueMs = Infinity;
    const nowMs = this.clock.now();
    let earliest = Infinity;
    for (const bucket of this.#buckets.values()) {
      for (let head = bucket.peek(); head !== undefined; head = bucket.peek()) {
        if (!head.done && head.deadlineMs > nowMs) {
          earliest = Math.min(earliest, head.deadlineMs);
          break;
        }
        bucket.shift();
        if (!head.done) this.fail(head, askTimeout(head));
      }
    }
    if (earliest !== Infinity) this.#arm(earliest);
  }

  /** Settled slots behind an unsettled head still take room: drop them before growing. */
  #compactOrGrow(bucket: RingBuffer<AskSlot>): void {
    const live = bucket.drain().filter((s) => !s.done);
    if (live.length * 2 >= bucket.slots) bucket.grow();
    for (const slot of live) bucket.push(slot);
  }
}

function askTimeout(slot: AskSlot): ActorError {
  return new ActorError('ERR_ASK_TIMEOUT', `ask to ${slot.target} timed out after ${slot.timeoutMs} ms`, slot.target);
}
