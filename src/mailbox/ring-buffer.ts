/**
 * A FIFO on a fixed array indexed by a mask: push and shift are O(1) and allocate nothing. The slot count is the
 * capacity rounded up to a power of two; `capacity` is the logical bound the owner enforces.
 *
 * @example
 * const ring = new RingBuffer<number>(4);
 * ring.push(1); ring.shift(); // 1
 */
export class RingBuffer<T> {
  #slots: (T | undefined)[];
  #mask: number;
  #head = 0;
  #size = 0;

  constructor(slotsAtLeast: number) {
    if (!Number.isInteger(slotsAtLeast) || slotsAtLeast < 1) {
      throw new RangeError(`RingBuffer: slotsAtLeast must be a positive integer, got ${slotsAtLeast}`);
    }
    const slots = nextPowerOfTwo(slotsAtLeast);
    this.#slots = new Array<T | undefined>(slots).fill(undefined);
    this.#mask = slots - 1;
  }

  get size(): number {
    return this.#size;
  }

  get slots(): number {
    return this.#mask + 1;
  }

  /** Appends; the caller checks room first. Returns false (and stores nothing) when every slot is taken. */
  push(value: T): boolean {
    if (this.#size > this.#mask) return false;
    this.#slots[(this.#head + this.#size) & this.#mask] = value;
    this.#size++;
    return true;
  }

  /** Puts a value back at the front, as the next one out. */
  unshift(value: T): boolean {
    if (this.#size > this.#mask) return false;
    this.#head = (this.#head - 1) & this.#mask;
    this.#slots[this.#head] = value;
    this.#size++;
    return true;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const value = this.#slots[this.#head];
    this.#slots[this.#head] = undefined; // let the message be collected
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    return value;
  }

  /** Removes and returns the newest value. */
  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    const index = (this.#head + this.#size - 1) & this.#mask;
    const value = this.#slots[index];
    this.#slots[index] = undefined;
    this.#size--;
    return value;
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#slots[this.#head];
  }

  /** Doubles the slots, keeping order. Only the control lane grows (see `BoundedMailbox`). */
  grow(): void {
    const values = this.drain();
    this.#slots = new Array<T | undefined>(this.slots * 2).fill(undefined);
    this.#mask = this.#slots.length - 1;
    for (const value of values) this.push(value);
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const values: T[] = [];
    while (this.#size > 0) values.push(this.shift() as T);
    return values;
  }
}

function nextPowerOfTwo(n: number): number {
  let power = 1;
  while (power < n) power *= 2;
  return power;
}
