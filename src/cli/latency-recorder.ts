/**
 * Round-trip latencies of a run, in bounded memory: every sample is kept up to `capacity`; past it a uniform
 * reservoir sample (Vitter's algorithm R, on the injected random source) stands in for them, so percentiles stay
 * unbiased estimates while `count` and `max` stay exact.
 */

import type { Random } from '../platform/random.ts';

export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * @example
 * const latencies = new LatencyRecorder(100_000, seededRandom(1));
 * latencies.record(4.2);
 * latencies.percentiles(); // { p50: 4.2, p90: 4.2, p99: 4.2, max: 4.2 }
 */
export class LatencyRecorder {
  readonly #capacity: number;
  readonly #random: Random;
  readonly #samples: number[] = [];
  #count = 0;
  #max = 0;

  constructor(capacity: number, random: Random) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
    this.#random = random;
  }

  /** How many latencies were recorded (not how many are kept). */
  get count(): number {
    return this.#count;
  }

  /** How many samples are held: at most `capacity`. */
  get kept(): number {
    return this.#samples.length;
  }

  record(latencyMs: number): void {
    this.#count++;
    if (latencyMs > this.#max) this.#max = latencyMs;
    if (this.#samples.length < this.#capacity) {
      this.#samples.push(latencyMs);
      return;
    }
    const slot = this.#random.int(this.#count);
    if (slot < this.#capacity) this.#samples[slot] = latencyMs;
  }

  /** Nearest-rank percentiles (the smallest sample with at least p % of samples at or below it); `null` if empty. */
  percentiles(): LatencyPercentiles | null {
    if (this.#samples.length === 0) return null;
    const sorted = Float64Array.from(this.#samples).sort();
    const at = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
    return { p50: at(50), p90: at(90), p99: at(99), max: this.#max };
  }
}
