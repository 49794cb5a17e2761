/**
 * A fixed-size log-linear latency histogram (HdrHistogram's layout, simplified): exact below 128 µs, then 64
 * sub-buckets per power of two, so any recorded value is known to within 1/64 (1.6 %). Recording is O(1) and the
 * memory is 1,664 counters whatever the number of samples, so the load process can record every tap's latency
 * instead of a sampled reservoir. Values are microseconds, clamped to [0, 2^31) (about 36 minutes).
 */

const EXACT = 128;
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64
const TOP_EXPONENT = 30;
export const HISTOGRAM_BUCKETS = EXACT + (TOP_EXPONENT - 6) * SUB; // 1664
const VALUE_MAX = 2 ** 31 - 1;

function bucketOf(us: number): number {
  const v = us <= 0 ? 0 : us >= VALUE_MAX ? VALUE_MAX : Math.floor(us);
  if (v < EXACT) return v;
  const exponent = 31 - Math.clz32(v); // floor(log2 v), 7..30
  const shift = exponent - SUB_BITS;
  return EXACT + (exponent - 7) * SUB + ((v >>> shift) - SUB);
}

/** The middle of a bucket's range, in µs. */
function bucketValue(index: number): number {
  if (index < EXACT) return index;
  const exponent = 7 + Math.floor((index - EXACT) / SUB);
  const shift = exponent - SUB_BITS;
  const sub = SUB + ((index - EXACT) % SUB);
  return (sub + 0.5) * 2 ** shift;
}

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  maxMs: number | null;
  meanMs: number | null;
}

export class LatencyHistogram {
  readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  count = 0;
  sumUs = 0;
  maxUs = 0;

  recordUs(us: number): void {
    this.counts[bucketOf(us)]! += 1;
    this.count += 1;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  add(other: LatencyHistogram): void {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sumUs += other.sumUs;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sumUs = 0;
    this.maxUs = 0;
  }

  /** The value at quantile `q` (0..1), in ms; the exact max for q = 1; null when empty. */
  quantileMs(q: number): number | null {
    if (this.count === 0) return null;
    if (q >= 1) return this.maxUs / 1000;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(bucketValue(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      p50Ms: this.quantileMs(0.5),
      p90Ms: this.quantileMs(0.9),
      p99Ms: this.quantileMs(0.99),
      p999Ms: this.quantileMs(0.999),
      maxMs: this.count === 0 ? null : this.maxUs / 1000,
      meanMs: this.count === 0 ? null : this.sumUs / this.count / 1000,
    };
  }
}
