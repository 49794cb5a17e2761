import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from '../../src/cli/batch-sender.ts';
import { describeFetchError } from '../../src/cli/fetch-error.ts';

describe('parseRetryAfterMs', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('2', 0)).toBe(2_000);
    expect(parseRetryAfterMs(' 0 ', 0)).toBe(0);
    expect(parseRetryAfterMs('Thu, 01 Jan 1970 00:00:05 GMT', 1_000)).toBe(4_000);
    expect(parseRetryAfterMs('Thu, 01 Jan 1970 00:00:05 GMT', 9_000)).toBe(0);
  });

  it('answers undefined when absent or unreadable', () => {
    expect(parseRetryAfterMs(null, 0)).toBeUndefined();
    expect(parseRetryAfterMs('soon', 0)).toBeUndefined();
    expect(parseRetryAfterMs('-1', 0)).toBeUndefined();
  });
});

describe('describeFetchError', () => {
  it('prefers the cause code, then the cause message, then the message', () => {
    expect(describeFetchError(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))).toBe('ECONNREFUSED');
    expect(describeFetchError(new TypeError('fetch failed', { cause: new Error('other side closed') }))).toBe('other side closed');
    expect(describeFetchError(new Error('boom'))).toBe('boom');
    expect(describeFetchError('text')).toBe('text');
  });
});
