/**
 * `ticketd serve`'s rate limit flags: the defaults, the per-role flags, the all-roles shorthand and the errors that
 * name the flag. What each limit does to requests is in test/http/app-auth.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_DEFAULTS } from '../../src/auth/rate-limiter.ts';
import { rateLimitFlags, SERVE_USAGE } from '../../src/cli/serve.ts';
import { UsageError } from '../../src/cli/usage-error.ts';

const ROLE_FLAGS = ['customer', 'machine', 'admin', 'unauthenticated'].flatMap((name) => [
  `--rate-limit-${name}-per-minute`, `--rate-limit-${name}-burst`,
]);

function usageErrorOf(values: Record<string, string>): UsageError {
  try {
    rateLimitFlags(values);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no UsageError for ${JSON.stringify(values)}`);
}

describe('ticketd serve --rate-limit-*', () => {
  it('limits customers (100 a minute, burst 20) and failed authentications (60 an address, burst 30) by default; machines, admins and managers not', () => {
    expect(rateLimitFlags({})).toEqual({
      customer: { ratePerMinute: 100, burst: 20 },
      machine: { ratePerMinute: 0, burst: 20 },
      admin: { ratePerMinute: 0, burst: 20 },
      manager: { ratePerMinute: 0, burst: 20 },
      unauthenticated: { ratePerMinute: 60, burst: 30 },
    });
    expect(rateLimitFlags({})).toEqual(RATE_LIMIT_DEFAULTS);
  });

  it('sets each role from its own flags', () => {
    expect(rateLimitFlags({
      'rate-limit-customer-per-minute': '0', 'rate-limit-customer-burst': '1',
      'rate-limit-machine-per-minute': '6000', 'rate-limit-machine-burst': '500',
      'rate-limit-admin-per-minute': '600', 'rate-limit-manager-burst': '7',
      'rate-limit-unauthenticated-per-minute': '10', 'rate-limit-unauthenticated-burst': '5',
    })).toEqual({
      customer: { ratePerMinute: 0, burst: 1 },
      machine: { ratePerMinute: 6000, burst: 500 },
      admin: { ratePerMinute: 600, burst: 20 },
      manager: { ratePerMinute: 0, burst: 7 },
      unauthenticated: { ratePerMinute: 10, burst: 5 },
    });
  });

  it('sets all four roles with the shorthand, a role flag winning; the unauthenticated limit keeps its own', () => {
    expect(rateLimitFlags({ 'rate-limit-per-minute': '0' })).toEqual({
      ...RATE_LIMIT_DEFAULTS, customer: { ratePerMinute: 0, burst: 20 },
    });
    expect(rateLimitFlags({
      'rate-limit-per-minute': '300', 'rate-limit-burst': '50', 'rate-limit-machine-per-minute': '0', 'rate-limit-admin-burst': '5',
    })).toEqual({
      customer: { ratePerMinute: 300, burst: 50 },
      machine: { ratePerMinute: 0, burst: 50 },
      admin: { ratePerMinute: 300, burst: 5 },
      manager: { ratePerMinute: 300, burst: 50 },
      unauthenticated: RATE_LIMIT_DEFAULTS.unauthenticated,
    });
  });

  it('refuses values out of range with a usage error naming the flag', () => {
    for (const [flag, value] of [['rate-limit-per-minute', '-1'], ['rate-limit-burst', '0'],
      ['rate-limit-customer-per-minute', '1000001'], ['rate-limit-machine-burst', '0'], ['rate-limit-admin-per-minute', 'many'],
      ['rate-limit-unauthenticated-burst', '2.5']] as const) {
      const error = usageErrorOf({ [flag]: value });
      expect(error.code).toBe('ERR_USAGE');
      expect(error.message).toContain(`--${flag} `);
    }
  });

  it('lists every rate limit flag in --help', () => {
    for (const flag of [...ROLE_FLAGS, '--rate-limit-per-minute', '--rate-limit-burst']) expect(SERVE_USAGE).toContain(flag);
  });
});
