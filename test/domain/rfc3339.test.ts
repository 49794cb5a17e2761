import { describe, it, expect } from 'vitest';
import { parseTappedAt } from '../../src/domain/rfc3339.ts';

describe('parseTappedAt', () => {
  it('parses Z and numeric offsets to the same instant', () => {
    const utc = Date.UTC(2026, 10, 22, 8, 0, 0);
    expect(parseTappedAt('2026-11-22T08:00:00Z')).toBe(utc);
    expect(parseTappedAt('2026-11-22T10:00:00+02:00')).toBe(utc);
    expect(parseTappedAt('2026-11-22T03:30:00-04:30')).toBe(utc);
    expect(parseTappedAt('2026-11-22T08:00:00-00:00')).toBe(utc);
  });

  it('accepts lower-case t and z as RFC 3339 allows', () => {
    expect(parseTappedAt('2026-11-22t08:00:00z')).toBe(Date.UTC(2026, 10, 22, 8));
  });

  it('keeps milliseconds of a fraction and truncates beyond them', () => {
    const base = Date.UTC(2026, 10, 22, 8);
    expect(parseTappedAt('2026-11-22T08:00:00.5Z')).toBe(base + 500);
    expect(parseTappedAt('2026-11-22T08:00:00.123Z')).toBe(base + 123);
    expect(parseTappedAt('2026-11-22T08:00:00.123999999+00:00')).toBe(base + 123);
  });

  it('agrees with Date.parse across years, leap days and offsets', () => {
    const samples = [
      '1970-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2000-02-29T12:00:00+01:00', '2024-02-29T23:59:59-23:59',
      '2100-03-01T00:00:00Z', '1600-02-29T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-03-29T02:30:00+01:00',
    ];
    for (const s of samples) expect(parseTappedAt(s), s).toBe(Date.parse(s));
  });

  it.each([
    ['no offset', '2026-11-22T10:00:00'],
    ['date only', '2026-11-22'],
    ['space for T', '2026-11-22 10:00:00Z'],
    ['month 13', '2026-13-01T10:00:00Z'],
    ['month 00', '2026-00-01T10:00:00Z'],
    ['Feb 30', '2026-02-30T10:00:00Z'],
    ['Feb 29 in a common year', '2026-02-29T10:00:00Z'],
    ['Feb 29 in 1900', '1900-02-29T10:00:00Z'],
    ['April 31', '2026-04-31T10:00:00Z'],
    ['day 00', '2026-01-00T10:00:00Z'],
    ['hour 24', '2026-11-22T24:00:00Z'],
    ['minute 60', '2026-11-22T10:60:00Z'],
    ['leap second', '2026-12-31T23:59:60Z'],
    ['offset without colon', '2026-11-22T10:00:00+0200'],
    ['offset hours only', '2026-11-22T10:00:00+02'],
    ['offset hour 24', '2026-11-22T10:00:00+24:00'],
    ['offset minute 60', '2026-11-22T10:00:00+01:60'],
    ['empty fraction', '2026-11-22T10:00:00.Z'],
    ['trailing text', '2026-11-22T10:00:00Zjunk'],
    ['trailing after offset', '2026-11-22T10:00:00+02:000'],
    ['short year', '226-11-22T10:00:00Z'],
    ['sign before year', '+2026-11-22T10:00:00Z'],
    ['letters', 'abcd-ef-ghTij:kl:mnZ'],
    ['non-ASCII digits', '２026-11-22T10:00:00Z'],
    ['empty', ''],
    ['over 40 chars', '2026-11-22T10:00:00.12345678901234567890Z'],
  ])('rejects %s', (_label, s) => {
    expect(parseTappedAt(s)).toBeNaN();
  });

  it('accepts exactly 40 characters', () => {
    const s = '2026-11-22T10:00:00.1234567890123456789Z';
    expect(s.length).toBe(40);
    expect(parseTappedAt(s)).toBe(Date.UTC(2026, 10, 22, 10, 0, 0, 123));
  });
});
