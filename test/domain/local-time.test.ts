import { describe, it, expect } from 'vitest';
import { isKnownTimeZone, localMinuteOfDay } from '../../src/domain/local-time.ts';

describe('localMinuteOfDay', () => {
  it('follows daylight saving time', () => {
    expect(localMinuteOfDay(Date.UTC(2026, 6, 1, 10, 30), 'Europe/Amsterdam')).toBe(12 * 60 + 30);
    expect(localMinuteOfDay(Date.UTC(2026, 0, 15, 11, 30), 'Europe/Amsterdam')).toBe(12 * 60 + 30);
  });

  it('answers 0 at local midnight, not 24:00', () => {
    expect(localMinuteOfDay(Date.UTC(2026, 0, 15, 23, 0), 'Europe/Amsterdam')).toBe(0);
    expect(localMinuteOfDay(Date.UTC(2026, 0, 15, 0, 0), 'UTC')).toBe(0);
  });

  it('handles offsets that are not whole hours', () => {
    expect(localMinuteOfDay(Date.UTC(2026, 0, 15, 0, 0), 'Asia/Kolkata')).toBe(5 * 60 + 30);
  });

  it('throws for an unknown time zone', () => {
    expect(() => localMinuteOfDay(0, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('isKnownTimeZone', () => {
  it('knows IANA names and refuses others', () => {
    expect(isKnownTimeZone('Europe/Amsterdam')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
    expect(isKnownTimeZone('')).toBe(false);
  });
});
