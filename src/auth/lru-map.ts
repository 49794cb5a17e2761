/**
 * A map with a fixed capacity that forgets its least recently used entry to make room: the bound on the token
 * cache and on the rate limiter's buckets. A JavaScript Map keeps insertion order, so "used" means deleted and
 * set again, and the oldest entry is the first key.
 */

/**
 * @example
 * const recent = new LruMap<string, number>(2);
 * recent.set('a', 1); recent.set('b', 2); recent.get('a'); recent.set('c', 3); // forgets 'b'
 */
export class LruMap<K, V> {
  readonly capacity: number;
  readonly #map = new Map<K, V>();

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`LruMap capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value, which becomes the most recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** Sets the value as the most recently used, forgetting the least recently used entry when full. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    if (this.#map.size >= this.capacity) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
    this.#map.set(key, value);
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /** Deletes every entry whose value matches; answers how many. */
  deleteWhere(predicate: (value: V) => boolean): number {
    let deleted = 0;
    for (const [key, value] of this.#map) {
      if (predicate(value)) {
        this.#map.delete(key);
        deleted++;
      }
    }
    return deleted;
  }

  clear(): void {
    this.#map.clear();
  }
}
