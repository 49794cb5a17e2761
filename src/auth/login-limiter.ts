/**
 * The brake on password guessing (`POST /v1/sessions`): failed logins are counted per account and per client
 * address, and past a few free ones each further attempt must wait a delay that doubles with every failure, up to
 * a cap. Counting by account stops many addresses guessing one password; counting by address stops one address
 * trying many accounts. A success clears the account's count but not the address's, so a caller holding one valid
 * account cannot use it to wipe the record of its guesses at others.
 *
 * A key's failures are forgotten once `windowMs` passes without a new one. The records sit in two maps of bounded
 * size kept in order of last failure, so the key dropped to make room is the one that failed longest ago.
 */
import type { Clock } from '../platform/clock.ts';

export type LoginDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface LoginLimiterOptions {
  clock: Clock;
  /** Failures in a window that cost no delay. Default 3. */
  freeFailures?: number;
  /** The delay after the first failure past the free ones; it doubles with each further failure. Default 1 s. */
  baseDelayMs?: number;
  /** Longest delay. Default 15 minutes. */
  maxDelayMs?: number;
  /** A key's failures are forgotten this long after its last one; at least `maxDelayMs`. Default 1 hour. */
  windowMs?: number;
  /** Most accounts, and most addresses, tracked at once. Default 100,000 of each. */
  keysMax?: number;
}

export const LOGIN_LIMITER_DEFAULTS = Object.freeze({
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  windowMs: 60 * 60_000,
  keysMax: 100_000,
});

/** Largest value accepted for each option. */
const OPTION_MAX = Object.freeze({
  freeFailures: 1_000,
  baseDelayMs: 24 * 60 * 60_000,
  maxDelayMs: 24 * 60 * 60_000,
  windowMs: 7 * 24 * 60 * 60_000,
  keysMax: 10_000_000,
});

/** A count stops here: the delay reached its cap long before, and the number stays small. */
const FAILURES_MAX = 1_000;

/** Expired records dropped per failure recorded, from the oldest: enough to keep up, bounded per call. */
const SWEEP_MAX = 16;

interface FailureRecord {
  failures: number;
  lastFailureMs: number;
}

/**
 * @example
 * const limiter = new LoginLimiter({ clock });
 * const decision = limiter.check(account, address);
 * if (!decision.allowed) return tooManyRequests(decision.retryAfterMs);
 * if (await hasher.verify(password, stored)) limiter.succeeded(account); else limiter.failed(account, address);
 */
export class LoginLimiter {
  readonly #clock: Clock;
  readonly #options: Readonly<Required<Omit<LoginLimiterOptions, 'clock'>>>;
  readonly #accounts = new Map<string, FailureRecord>();
  readonly #addresses = new Map<string, FailureRecord>();

  constructor(options: LoginLimiterOptions) {
    const { clock, ...given } = options;
    const settings = { ...LOGIN_LIMITER_DEFAULTS, ...definedOnly(given) };
    for (const name of ['freeFailures', 'baseDelayMs', 'maxDelayMs', 'windowMs', 'keysMax'] as const) {
      const value = settings[name];
      const min = name === 'freeFailures' ? 0 : 1;
      if (!Number.isSafeInteger(value) || value < min || value > OPTION_MAX[name]) {
        throw new RangeError(`LoginLimiter option ${name} must be an integer in ${min}..${OPTION_MAX[name]}, got ${value}`);
      }
    }
    if (settings.baseDelayMs > settings.maxDelayMs) {
      throw new RangeError(`LoginLimiter option baseDelayMs (${settings.baseDelayMs}) must not exceed maxDelayMs (${settings.maxDelayMs})`);
    }
    if (settings.windowMs < settings.maxDelayMs) {
      // A window shorter than the delay would forget the failures before the delay they set had passed.
      throw new RangeError(`LoginLimiter option windowMs (${settings.windowMs}) must be at least maxDelayMs (${settings.maxDelayMs})`);
    }
    this.#clock = clock;
    this.#options = Object.freeze(settings);
  }

  /**
   * Whether a login for `account` from `address` may be tried now: refused while either is within the delay its
   * failures set, with the longer of the two waits. Records no attempt: the caller reports the outcome of the
   * login it then tries with `failed` or `succeeded`, and reports nothing for one refused here.
   */
  check(account: string, address: string): LoginDecision {
    const nowMs = this.#clock.now();
    const retryAfterMs = Math.max(this.#retryAfterMs(this.#accounts, account, nowMs), this.#retryAfterMs(this.#addresses, address, nowMs));
    return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
  }

  /** Records a failed login (wrong password, or no such account) against both the account and the address. */
  failed(account: string, address: string): void {
    const nowMs = this.#clock.now();
    this.#recordFailure(this.#accounts, account, nowMs);
    this.#recordFailure(this.#addresses, address, nowMs);
  }

  /** Clears the account's failures after a successful login; the address keeps its own. */
  succeeded(account: string): void {
    this.#accounts.delete(account);
  }

  /** Keys tracked, for metrics and tests of the bound. */
  get keys(): { accounts: number; addresses: number } {
    return { accounts: this.#accounts.size, addresses: this.#addresses.size };
  }

  /** The delay a key's `failures` set, from its last failure. */
  #delayMs(failures: number): number {
    const { freeFailures, baseDelayMs, maxDelayMs } = this.#options;
    if (failures < freeFailures) return 0;
    // The exponent is capped where the product is far past any maxDelayMs, so it stays a finite number.
    return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures - freeFailures, 40));
  }

  #retryAfterMs(records: Map<string, FailureRecord>, key: string, nowMs: number): number {
    const record = this.#live(records, key, nowMs);
    if (record === undefined) return 0;
    // A clock that steps back must not stretch the wait past the delay itself.
    const elapsedMs = Math.max(0, nowMs - record.lastFailureMs);
    return Math.max(0, this.#delayMs(record.failures) - elapsedMs);
  }

  /** The key's record, unless its window has passed: then it is dropped. */
  #live(records: Map<string, FailureRecord>, key: string, nowMs: number): FailureRecord | undefined {
    const record = records.get(key);
    if (record !== undefined && nowMs - record.lastFailureMs >= this.#options.windowMs) {
      records.delete(key);
      return undefined;
    }
    return record;
  }

  #recordFailure(records: Map<string, FailureRecord>, key: string, nowMs: number): void {
    const failures = Math.min(FAILURES_MAX, (this.#live(records, key, nowMs)?.failures ?? 0) + 1);
    // Deleted and set again, so the map stays in order of last failure and its first key is the oldest.
    records.delete(key);
    this.#sweep(records, nowMs);
    if (records.size >= this.#options.keysMax) {
      const oldest = records.keys().next();
      if (oldest.done !== true) records.delete(oldest.value);
    }
    records.set(key, { failures, lastFailureMs: nowMs });
  }

  /** Drops expired records from the oldest end; stops at a live one (a clock step back may leave a few late). */
  #sweep(records: Map<string, FailureRecord>, nowMs: number): void {
    let dropped = 0;
    for (const [key, record] of records) {
      if (dropped >= SWEEP_MAX || nowMs - record.lastFailureMs < this.#options.windowMs) return;
      records.delete(key);
      dropped++;
    }
  }
}

/** `options` without the keys set to undefined, so that spreading it over the defaults keeps them. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
