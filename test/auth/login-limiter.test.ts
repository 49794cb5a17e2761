import { describe, expect, it } from 'vitest';
import { LOGIN_LIMITER_DEFAULTS, LoginLimiter, type LoginDecision } from '../../src/auth/login-limiter.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { mulberry32 } from '../support/mulberry32.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

function failTimes(limiter: LoginLimiter, n: number, account = 'alice', address = '198.51.100.7'): void {
  for (let i = 0; i < n; i++) limiter.failed(account, address);
}

const refused = (retryAfterMs: number): LoginDecision => ({ allowed: false, retryAfterMs });
const allowed: LoginDecision = { allowed: true };

describe('LoginLimiter, in virtual time', () => {
  it('lets the first 3 failures through, then asks for 1 s since the last failure', () => {
    const clock = new VirtualClock(0);
    const limiter = new LoginLimiter({ clock });
    failTimes(limiter, 2);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(allowed);
    failTimes(limiter, 1);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(refused(1_000));
    clock.advanceTo(999);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(refused(1));
    clock.advanceTo(1_000);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(allowed);
  });

  it('doubles the delay with each further failure, up to 15 minutes', () => {
    const clock = new VirtualClock(0);
    const limiter = new LoginLimiter({ clock });
    failTimes(limiter, 3);
    const delays: number[] = [];
    for (let i = 0; i < 14; i++) {
      const decision = limiter.check('alice', '198.51.100.7');
      expect(decision.allowed).toBe(false);
      if (decision.allowed) return;
      delays.push(decision.retryAfterMs);
      clock.advanceTo(clock.now() + decision.retryAfterMs);
      expect(limiter.check('alice', '198.51.100.7')).toEqual(allowed);
      limiter.failed('alice', '198.51.100.7');
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900].map((s) => s * SECOND));
  });

  it('counts failures per account, whatever the address', () => {
    const limiter = new LoginLimiter({ clock: new VirtualClock(0) });
    for (let i = 0; i < 3; i++) limiter.failed('alice', `203.0.113.${i}`);
    expect(limiter.check('alice', '192.0.2.200')).toEqual(refused(1_000));
    expect(limiter.check('bob', '192.0.2.200')).toEqual(allowed);
    expect(limiter.check('bob', '203.0.113.0')).toEqual(allowed);
  });

  it('counts failures per address, whatever the account', () => {
    const limiter = new LoginLimiter({ clock: new VirtualClock(0) });
    for (let i = 0; i < 4; i++) limiter.failed(`user-${i}`, '198.51.100.7');
    expect(limiter.check('someone-new', '198.51.100.7')).toEqual(refused(2_000));
    expect(limiter.check('someone-new', '198.51.100.8')).toEqual(allowed);
  });

  it('answers the longer wait when both the account and the address are held', () => {
    const clock = new VirtualClock(0);
    const limiter = new LoginLimiter({ clock });
    failTimes(limiter, 3, 'alice', '198.51.100.7');
    clock.advanceTo(500);
    failTimes(limiter, 5, 'bob', '198.51.100.9');
    expect(limiter.check('alice', '198.51.100.9')).toEqual(refused(4_000));
    expect(limiter.check('bob', '198.51.100.7')).toEqual(refused(4_000));
    expect(limiter.check('alice', '198.51.100.7')).toEqual(refused(500));
  });

  it("clears the account's failures on a success, but not the address's", () => {
    const clock = new VirtualClock(0);
    const limiter = new LoginLimiter({ clock });
    failTimes(limiter, 3, 'alice', '198.51.100.7');
    clock.advanceTo(1_000);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(allowed);
    limiter.succeeded('alice');
    expect(limiter.keys).toEqual({ accounts: 0, addresses: 1 });
    // The account starts again from nothing; the address goes on from its three failures.
    limiter.failed('alice', '198.51.100.8');
    expect(limiter.check('alice', '198.51.100.8')).toEqual(allowed);
    limiter.failed('bob', '198.51.100.7');
    expect(limiter.check('carol', '198.51.100.7')).toEqual(refused(2_000));
  });

  it('forgets failures an hour after the last one, not before', () => {
    const clock = new VirtualClock(0);
    const limiter = new LoginLimiter({ clock });
    failTimes(limiter, 2);
    clock.advanceTo(59 * MINUTE);
    failTimes(limiter, 1);
    // Three failures, the last at 59 minutes: the first two are still counted.
    expect(limiter.check('alice', '198.51.100.7')).toEqual(refused(1_000));
    clock.advanceTo(59 * MINUTE + 60 * MINUTE - 1);
    failTimes(limiter, 1);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(refused(2_000));
    clock.advanceTo(clock.now() + 60 * MINUTE);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(allowed);
    expect(limiter.keys).toEqual({ accounts: 0, addresses: 0 });
    failTimes(limiter, 3);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(refused(1_000));
  });

  it('drops expired records from the oldest end as new failures come in', () => {
    const clock = new VirtualClock(0);
    const limiter = new LoginLimiter({ clock });
    for (let i = 0; i < 10; i++) limiter.failed(`user-${i}`, `addr-${i}`);
    clock.advanceTo(60 * MINUTE);
    limiter.failed('late', 'late-addr');
    expect(limiter.keys).toEqual({ accounts: 1, addresses: 1 });
  });

  it('bounds the keys it tracks, dropping the one whose last failure is oldest', () => {
    const clock = new VirtualClock(0);
    const limiter = new LoginLimiter({ clock, freeFailures: 0, keysMax: 3 });
    for (let i = 0; i < 1_000; i++) limiter.failed(`user-${i}`, `addr-${i}`);
    expect(limiter.keys).toEqual({ accounts: 3, addresses: 3 });
    expect(limiter.check('user-999', 'elsewhere').allowed).toBe(false);
    expect(limiter.check('user-996', 'elsewhere').allowed).toBe(true);
    // A check does not keep a key: user-997 is dropped next although it was just looked at.
    expect(limiter.check('user-997', 'elsewhere').allowed).toBe(false);
    limiter.failed('user-1000', 'addr-1000');
    expect(limiter.check('user-997', 'elsewhere').allowed).toBe(true);
    expect(limiter.check('user-998', 'elsewhere').allowed).toBe(false);
  });

  it('never asks for more than the delay when the clock steps back', () => {
    let nowMs = 10 * MINUTE;
    const clock: Clock = { now: () => nowMs, setTimer: () => ({}), clearTimer: () => undefined };
    const limiter = new LoginLimiter({ clock });
    failTimes(limiter, 3);
    nowMs -= 5 * MINUTE;
    expect(limiter.check('alice', '198.51.100.7')).toEqual(refused(1_000));
  });

  it('takes its delays and bounds as options', () => {
    const clock = new VirtualClock(0);
    const limiter = new LoginLimiter({ clock, freeFailures: 1, baseDelayMs: 100, maxDelayMs: 250, windowMs: 1_000 });
    failTimes(limiter, 1);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(refused(100));
    failTimes(limiter, 2);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(refused(250));
    clock.advanceTo(1_000);
    expect(limiter.check('alice', '198.51.100.7')).toEqual(allowed);
    expect(LOGIN_LIMITER_DEFAULTS).toEqual({ freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 900_000, windowMs: 3_600_000, keysMax: 100_000 });
  });

  it('refuses options out of range, naming the option', () => {
    const clock = new VirtualClock(0);
    expect(() => new LoginLimiter({ clock, freeFailures: -1 })).toThrow(/freeFailures/);
    expect(() => new LoginLimiter({ clock, baseDelayMs: 0 })).toThrow(/baseDelayMs/);
    expect(() => new LoginLimiter({ clock, baseDelayMs: 2_000, maxDelayMs: 1_000 })).toThrow(/baseDelayMs/);
    expect(() => new LoginLimiter({ clock, maxDelayMs: 1.5 })).toThrow(/maxDelayMs/);
    expect(() => new LoginLimiter({ clock, windowMs: 60_000 })).toThrow(/windowMs/);
    expect(() => new LoginLimiter({ clock, keysMax: Infinity })).toThrow(/keysMax/);
    expect(() => new LoginLimiter({ clock, keysMax: 0 })).toThrow(/keysMax/);
    expect(() => new LoginLimiter({ clock, keysMax: undefined })).not.toThrow();
  });
});

/**
 * The rules written the plain way, keeping every failure: a key's count is its run of failures each less than a
 * window after the one before, the last less than a window ago; a success ends the account's run.
 */
class NaiveLimiter {
  readonly #failures = new Map<string, number[]>();

  check(account: string, address: string, nowMs: number): LoginDecision {
    const retryAfterMs = Math.max(this.#retryAfterMs(`account:${account}`, nowMs), this.#retryAfterMs(`address:${address}`, nowMs));
    return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
  }

  failed(account: string, address: string, nowMs: number): void {
    for (const key of [`account:${account}`, `address:${address}`]) this.#failures.set(key, [...(this.#failures.get(key) ?? []), nowMs]);
  }

  succeeded(account: string): void {
    this.#failures.delete(`account:${account}`);
  }

  #retryAfterMs(key: string, nowMs: number): number {
    const times = this.#failures.get(key) ?? [];
    const { windowMs, freeFailures, baseDelayMs, maxDelayMs } = LOGIN_LIMITER_DEFAULTS;
    if (times.length === 0 || nowMs - times.at(-1)! >= windowMs) return 0;
    let run = 1;
    while (run < times.length && times[times.length - run]! - times[times.length - run - 1]! < windowMs) run++;
    if (run < freeFailures) return 0;
    return Math.max(0, Math.min(maxDelayMs, baseDelayMs * 2 ** (run - freeFailures)) - (nowMs - times.at(-1)!));
  }
}

describe('LoginLimiter against the naive rules', () => {
  const SEED = process.env.SEED !== undefined && process.env.SEED !== '' ? Number(process.env.SEED) : 20_261_206;

  it(`answers as they do over random failures, successes and quiet spells (seed ${SEED}; replay with SEED=)`, () => {
    const random = mulberry32(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const clock = new VirtualClock(0);
    const limiter = new LoginLimiter({ clock });
    const naive = new NaiveLimiter();
    const steps: string[] = [];
    let refusals = 0;
    let longestWaitMs = 0;
    for (let step = 0; step < 3_000; step++) {
      // Mostly seconds apart, sometimes minutes, now and then past the window.
      const r = random();
      clock.advanceTo(clock.now() + (r < 0.7 ? Math.floor(random() * 5 * SECOND) : r < 0.95 ? Math.floor(random() * 20 * MINUTE) : 61 * MINUTE));
      const account = pick(['alice', 'bob', 'carol']);
      const address = pick(['198.51.100.1', '198.51.100.2', '203.0.113.9']);
      const decision = limiter.check(account, address);
      steps.push(`${clock.now()} ${account} ${address} ${JSON.stringify(decision)}`);
      expect(decision, `SEED=${SEED} step ${step}:\n${steps.slice(-8).join('\n')}`).toEqual(naive.check(account, address, clock.now()));
      if (!decision.allowed) {
        refusals++;
        longestWaitMs = Math.max(longestWaitMs, decision.retryAfterMs);
        continue;
      }
      if (random() < 0.8) {
        limiter.failed(account, address);
        naive.failed(account, address, clock.now());
      } else {
        limiter.succeeded(account);
        naive.succeeded(account);
      }
    }
    // The walk reached the rules that matter: refusals, and delays well past the first doubling.
    console.log(`login limiter walk: SEED=${SEED} refusals=${refusals} longestWaitMs=${longestWaitMs}`);
    expect(refusals).toBeGreaterThan(100);
    expect(longestWaitMs).toBeGreaterThan(8 * SECOND);
  });
});
