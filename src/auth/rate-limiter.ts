/**
 * The per-token rate limit: a token bucket per key (the token id) that holds at most `burst` requests and refills
 * at `ratePerMinute`, on the injected clock. The buckets sit in an LRU map of bounded size: a bucket that is
 * forgotten comes back full, which only ever errs towards letting a rarely seen token through.
 */
import type { Clock } from '../platform/clock.ts';
import { LruMap } from './lru-map.ts';

/** Admits a request of `key`, or says how long until it would be admitted. */
export interface RateLimiter {
  take(key: string): RateDecision;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

export interface TokenBucketOptions {
  clock: Clock;
  /** Sustained requests a minute per key (reference system 2: 100). */
  ratePerMinute: number;
  /** Most requests at once after a quiet spell (reference system 2: 20). */
  burst: number;
  /** Most keys tracked at once. Default 10,000. */
  keysMax?: number;
}

/** Largest rate, burst and key count accepted. */
export const LIMIT_MAX = 1_000_000;

export const RATE_LIMIT_DEFAULTS = { ratePerMinute: 100, burst: 20, keysMax: 10_000 } as const;

/** A request's cost in bucket units: a minute's worth of milliseconds, so refilling is integer arithmetic. */
const UNIT = 60_000;

interface Bucket {
  /** In UNITs per request: `units >= UNIT` admits one. */
  units: number;
  atMs: number;
}

/**
 * @example
 * const limiter = new TokenBucketLimiter({ clock, ratePerMinute: 100, burst: 20 });
 * limiter.take('tok-1'); // { ok: true } twenty times, then { ok: false, retryAfterMs: 600 }
 */
export class TokenBucketLimiter implements RateLimiter {
  readonly #clock: Clock;
  readonly #capacityUnits: number;
  readonly #ratePerMinute: number;
  /** How long an empty bucket takes to fill. */
  readonly #fillMs: number;
  readonly #buckets: LruMap<string, Bucket>;

  constructor(options: TokenBucketOptions) {
    const { ratePerMinute, burst } = options;
    const keysMax = options.keysMax ?? RATE_LIMIT_DEFAULTS.keysMax;
    for (const [name, value] of [['ratePerMinute', ratePerMinute], ['burst', burst], ['keysMax', keysMax]] as const) {
      if (!Number.isSafeInteger(value) || value < 1 || value > LIMIT_MAX) {
        throw new RangeError(`TokenBucketLimiter option ${name} must be an integer in 1..${LIMIT_MAX}, got ${value}`);
      }
    }
    this.#clock = options.clock;
    this.#capacityUnits = burst * UNIT;
    this.#ratePerMinute = ratePerMinute;
    this.#fillMs = Math.ceil(this.#capacityUnits / ratePerMinute);
    this.#buckets = new LruMap(keysMax);
  }

  /** Keys tracked, for tests of the bound. */
  get keys(): number {
    return this.#buckets.size;
  }

  take(key: string): RateDecision {
    const nowMs = this.#clock.now();
    const bucket = this.#buckets.get(key) ?? { units: this.#capacityUnits, atMs: nowMs };
    // Each elapsed millisecond refills ratePerMinute units; a clock that steps back must not drain the bucket.
    // Capped at the time a refill from empty takes, which also keeps the product a safe integer.
    const elapsedMs = Math.min(Math.max(0, nowMs - bucket.atMs), this.#fillMs);
    bucket.units = Math.min(this.#capacityUnits, bucket.units + elapsedMs * this.#ratePerMinute);
    bucket.atMs = nowMs;
    this.#buckets.set(key, bucket);
    if (bucket.units >= UNIT) {
      bucket.units -= UNIT;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((UNIT - bucket.units) / this.#ratePerMinute) };
  }
}
