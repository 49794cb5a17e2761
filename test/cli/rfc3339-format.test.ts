import { describe, expect, it } from 'vitest';
import { formatRfc3339, localUtcOffsetMinutes } from '../../src/cli/rfc3339-format.ts';
import { parseTappedAt } from '../../src/domain/rfc3339.ts';

describe('formatRfc3339', () => {
  it('writes local time with milliseconds and the offset', () => {
    expect(formatRfc3339(Date.UTC(2026, 10, 22, 8, 0, 0, 5), 120)).toBe('2026-11-22T10:00:00.005+02:00');
    expect(formatRfc3339(Date.UTC(2026, 10, 22, 8), -90)).toBe('2026-11-22T06:30:00.000-01:30');
    expect(formatRfc3339(Date.UTC(2026, 0, 1, 0, 0, 0, 0) + 0.75, 0)).toBe('2026-01-01T00:00:00.000+00:00');
  });

  it('round-trips through the domain parser across dates and offsets', () => {
    for (const ms of [0, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2026, 11, 31, 23, 30)]) {
      for (const offset of [-720, -330, 0, 60, 345, 840]) {
        expect(parseTappedAt(formatRfc3339(ms, offset))).toBe(ms);
      }
    }
  });

  it('answers the local offset as a whole number of minutes, never -0', () => {
    const offset = localUtcOffsetMinutes(Date.UTC(2026, 6, 1));
    expect(Number.isInteger(offset)).toBe(true);
    expect(Object.is(offset, -0)).toBe(false);
  });
});
