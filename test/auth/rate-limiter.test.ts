import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_DEFAULTS, rateLimiters, TokenBucketLimiter, type RateLimiter } from '../../src/auth/rate-limiter.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';

function takeN(limiter: RateLimiter, key: string, n: number): boolean[] {
  return Array.from({ length: n }, () => limiter.take(key).ok);
}

describe('TokenBucketLimiter, in virtual time', () => {
  it('admits a burst of 20, then one request per 600 ms at 100 a minute', () => {
    const clock = new VirtualClock(0);
    const limiter = new TokenBucketLimiter({ clock, ratePerMinute: 100, burst: 20 });
    expect(takeN(limiter, 'tok-1', 20)).toEqual(Array(20).fill(true));
    expect(limiter.take('tok-1')).toEqual({ ok: false, retryAfterMs: 600 });
    clock.advanceTo(599);
    expect(limiter.take('tok-1')).toEqual({ ok: false, retryAfterMs: 1 });
    clock.advanceTo(600);
    expect(limiter.take('tok-1')).toEqual({ ok: true });
    expect(limiter.take('tok-1').ok).toBe(false);
    // A minute at the sustained rate: exactly 100 admitted, never more.
    let admitted = 0;
    for (let ms = 600; ms <= 60_600; ms += 50) {
      clock.advanceTo(ms);
      if (limiter.take('tok-1').ok) admitted++;
    }
    expect(admitted).toBe(100);
  });

  it('keeps one bucket per key', () => {
    const clock = new VirtualClock(0);
    const limiter = new TokenBucketLimiter({ clock, ratePerMinute: 60, burst: 2 });
    expect(takeN(limiter, 'a', 3)).toEqual([true, true, false]);
    expect(takeN(limiter, 'b', 2)).toEqual([true, true]);
  });

  it('refills no further than the burst, however long the quiet', () => {
    const clock = new VirtualClock(0);
    const limiter = new TokenBucketLimiter({ clock, ratePerMinute: 100, burst: 5 });
    takeN(limiter, 'a', 5);
    clock.advanceTo(86_400_000 * 365);
    expect(takeN(limiter, 'a', 6)).toEqual([true, true, true, true, true, false]);
  });

  it('bounds the keys it tracks; a forgotten key starts with a full bucket', () => {
    const clock = new VirtualClock(0);
    const limiter = new TokenBucketLimiter({ clock, ratePerMinute: 1, burst: 1, keysMax: 3 });
    for (let i = 0; i < 1_000; i++) limiter.take(`k-${i}`);
    expect(limiter.keys).toBe(3);
    expect(limiter.take('k-999').ok).toBe(false);
    expect(limiter.take('k-0').ok).toBe(true);
  });

  it('peeks without taking, and stores nothing for a key it has not seen', () => {
    const clock = new VirtualClock(0);
    const limiter = new TokenBucketLimiter({ clock, ratePerMinute: 60, burst: 2, keysMax: 3 });
    for (let i = 0; i < 100; i++) expect(limiter.peek(`k-${i}`)).toEqual({ ok: true });
    expect(limiter.keys).toBe(0);
    expect(takeN(limiter, 'a', 2)).toEqual([true, true]);
    expect(limiter.peek('a')).toEqual({ ok: false, retryAfterMs: 1_000 });
    clock.advanceTo(400);
    expect(limiter.peek('a')).toEqual({ ok: false, retryAfterMs: 600 });
    clock.advanceTo(1_000);
    expect(limiter.peek('a')).toEqual({ ok: true });
    expect(limiter.peek('a')).toEqual({ ok: true });
    expect(takeN(limiter, 'a', 2)).toEqual([true, false]);
  });

  it('refuses options out of range, naming the option', () => {
    const clock = new VirtualClock(0);
    expect(() => new TokenBucketLimiter({ clock, ratePerMinute: 0, burst: 1 })).toThrow(/ratePerMinute/);
    expect(() => new TokenBucketLimiter({ clock, ratePerMinute: 1, burst: 0.5 })).toThrow(/burst/);
    expect(() => new TokenBucketLimiter({ clock, ratePerMinute: 1, burst: 1, keysMax: Infinity })).toThrow(/keysMax/);
  });
});

describe('rateLimiters', () => {
  it('builds a limiter for each limit above 0 a minute: by default customers and failed authentications only', () => {
    const clock = new VirtualClock(0);
    const built = rateLimiters(clock, RATE_LIMIT_DEFAULTS);
    expect(Object.keys(built.roleLimiters)).toEqual(['customer']);
    expect(built.addressLimiter).toBeDefined();
    const off = { ratePerMinute: 0, burst: 1 };
    expect(rateLimiters(clock, { customer: off, machine: off, admin: off, manager: off, unauthenticated: off })).toEqual({ roleLimiters: {} });
  });

  it('gives each role the rate and burst it is configured with', () => {
    const clock = new VirtualClock(0);
    const { roleLimiters } = rateLimiters(clock, {
      ...RATE_LIMIT_DEFAULTS, machine: { ratePerMinute: 60, burst: 3 }, admin: { ratePerMinute: 60, burst: 1 },
    });
    expect(takeN(roleLimiters.machine!, 'tok-1', 4)).toEqual([true, true, true, false]);
    expect(takeN(roleLimiters.admin!, 'tok-2', 2)).toEqual([true, false]);
    expect(takeN(roleLimiters.customer!, 'tok-3', 21).filter((ok) => ok)).toHaveLength(20);
  });
});
