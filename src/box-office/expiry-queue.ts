/**
 * The holds of one show ordered by expiry: a binary min-heap of (expiresAtMs, bookingId). Entries are not removed
 * when a hold is confirmed or released; the owner says which entries are still live and stale ones are dropped when
 * they reach the top, or all at once by `compact` so the heap stays bounded by the live holds.
 */

interface Entry {
  atMs: number;
  bookingId: string;
}

/**
 * @example
 * const queue = new ExpiryQueue();
 * queue.push(2_000, 'bk_2'); queue.push(1_000, 'bk_1');
 * queue.peek((id, at) => true); // { atMs: 1_000, bookingId: 'bk_1' }
 */
export class ExpiryQueue {
  readonly #heap: Entry[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(atMs: number, bookingId: string): void {
    const heap = this.#heap;
    heap.push({ atMs, bookingId });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.atMs <= heap[i]!.atMs) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  /** The earliest live entry (stale ones on top are dropped on the way), or undefined. */
  peek(isLive: (bookingId: string, atMs: number) => boolean): Entry | undefined {
    while (this.#heap.length > 0) {
      const top = this.#heap[0]!;
      if (isLive(top.bookingId, top.atMs)) return top;
      this.pop();
    }
    return undefined;
  }

  pop(): Entry | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      this.#siftDown(0);
    }
    return top;
  }

  /** Keeps only the live entries (when stale ones have piled up beyond the live holds). */
  compact(isLive: (bookingId: string, atMs: number) => boolean): void {
    const live = this.#heap.filter((e) => isLive(e.bookingId, e.atMs));
    this.#heap.length = 0;
    for (const e of live) this.push(e.atMs, e.bookingId);
  }

  #siftDown(start: number): void {
    const heap = this.#heap;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && heap[left]!.atMs < heap[least]!.atMs) least = left;
      if (right < heap.length && heap[right]!.atMs < heap[least]!.atMs) least = right;
      if (least === i) return;
      [heap[least], heap[i]] = [heap[i]!, heap[least]!];
      i = least;
    }
  }
}
