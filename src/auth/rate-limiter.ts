/**
 * The rate limits: a token bucket per key that holds at most `burst` requests and refills at `ratePerMinute`, on
 * the injected clock. The auth middleware keeps one limiter per role, keyed by token id, and one for failed
 * authentications, keyed by client address. The buckets sit in an LRU map of bounded size: a bucket that is
 * forgotten comes back full, which only ever errs towards letting a rarely seen key through.
 */
import { ROLES, type Role } from '../domain/principal.ts';
import type { Clock } from '../platform/clock.ts';
import { LruMap } from './lru-map.ts';

/** Admits a request of `key`, or says how long until it would be admitted. */
export interface RateLimiter {
  take(key: string): RateDecision;
  /** What `take` would answer now, without taking anything. */
  peek(key: string): RateDecision;
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

/** One limit as configured: `ratePerMinute` 0 means none. */
export interface RateLimitSetting {
  ratePerMinute: number;
  burst: number;
}

/** Each role's per-token limit, and the limit on failed authentications per client address. */
export type RateLimitConfig = Readonly<Record<Role | 'unauthenticated', Readonly<RateLimitSetting>>>;

/**
 * Customers (phones, the public side) are limited; machines and admins are ticketd's own load and an operator at
 * work, so they are not unless the operator says so. Failed authentications are limited per address because each
 * unknown token costs a store lookup.
 */
export const RATE_LIMIT_DEFAULTS: RateLimitConfig = {
  customer: { ratePerMinute: 100, burst: 20 },
  machine: { ratePerMinute: 0, burst: 20 },
  admin: { ratePerMinute: 0, burst: 20 },
  manager: { ratePerMinute: 0, burst: 20 },
  unauthenticated: { ratePerMinute: 60, burst: 30 },
};

/** Keys a limiter tracks at once unless told otherwise. */
export const RATE_LIMIT_KEYS_MAX_DEFAULT = 10_000;

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
    const keysMax = options.keysMax ?? RATE_LIMIT_KEYS_MAX_DEFAULT;
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
    const bucket = this.#refilled(this.#buckets.get(key));
    this.#buckets.set(key, bucket);
    const decision = this.#decide(bucket);
    if (decision.ok) bucket.units -= UNIT;
    return decision;
  }

  peek(key: string): RateDecision {
    // A key without a bucket has a full one: nothing is stored, so peeking at every caller's key costs no room.
    const bucket = this.#buckets.get(key);
    return bucket === undefined ? { ok: true } : this.#decide(this.#refilled(bucket));
  }

  /** The bucket brought up to now; a new, full one when `bucket` is absent. */
  #refilled(bucket: Bucket | undefined): Bucket {
    const nowMs = this.#clock.now();
    if (bucket === undefined) return { units: this.#capacityUnits, atMs: nowMs };
    // Each elapsed millisecond refills ratePerMinute units; a clock that steps back must not drain the bucket.
    // Capped at the time a refill from empty takes, which also keeps the product a safe integer.
    const elapsedMs = Math.min(Math.max(0, nowMs - bucket.atMs), this.#fillMs);
    bucket.units = Math.min(this.#capacityUnits, bucket.units + elapsedMs * this.#ratePerMinute);
    bucket.atMs = nowMs;
    return bucket;
  }

  #decide(bucket: Bucket): RateDecision {
    if (bucket.units >= UNIT) return { ok: true };
    return { ok: false, retryAfterMs: Math.ceil((UNIT - bucket.units) / this.#ratePerMinute) };
  }
}

/** The limiters the auth middleware applies (see AppAuth): a role or the failures without one are not limited. */
export interface RateLimiters {
  /** Per token, by the token's role. */
  roleLimiters: Partial<Record<Role, RateLimiter>>;
  /** Failed authentications per client address. */
  addressLimiter?: RateLimiter;
}

/**
 * A TokenBucketLimiter for each limit of `config` whose `ratePerMinute` is above 0.
 *
 * @example
 * const auth = { authenticator, ...rateLimiters(clock, RATE_LIMIT_DEFAULTS) };
 * // customers: 100 a minute, burst 20; machines and admins: none; failed authentications: 60 an address, burst 30
 */
export function rateLimiters(clock: Clock, config: RateLimitConfig, keysMax = RATE_LIMIT_KEYS_MAX_DEFAULT): RateLimiters {
  const limiter = ({ ratePerMinute, burst }: RateLimitSetting) =>
    ratePerMinute > 0 ? new TokenBucketLimiter({ clock, ratePerMinute, burst, keysMax }) : undefined;
  const roleLimiters: RateLimiters['roleLimiters'] = {};
  for (const role of ROLES) {
    const roleLimiter = limiter(config[role]);
    if (roleLimiter !== undefined) roleLimiters[role] = roleLimiter;
  }
  const addressLimiter = limiter(config.unauthenticated);
  return { roleLimiters, ...(addressLimiter !== undefined && { addressLimiter }) };
}
