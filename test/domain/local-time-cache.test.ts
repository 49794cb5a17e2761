import { describe, expect, it } from 'vitest';
import { localMinuteOfDay } from '../../src/domain/local-time.ts';
import { seededRandom } from '../../src/platform/random.ts';

/** The answer straight from Intl, uncached: the reference the cached path must equal. */
function reference(epochMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).formatToParts(epochMs);
  return Number(parts.find((p) => p.type === 'hour')!.value) * 60 + Number(parts.find((p) => p.type === 'minute')!.value);
}

describe('localMinuteOfDay with its block cache', () => {
  it('equals Intl for random instants across years, zones with DST, half-hour and 45-minute offsets', () => {
    const random = seededRandom(7);
    const zones = ['Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'UTC'];
    for (let i = 0; i < 20_000; i++) {
      const zone = zones[i % zones.length]!;
      const at = Date.UTC(2020, 0, 1) + Math.floor(random.next() * 8 * 365 * 86_400_000);
      expect(localMinuteOfDay(at, zone)).toBe(reference(at, zone));
    }
  });

  it('is exact minute by minute across both DST switches in Amsterdam', () => {
    for (const switchAt of [Date.UTC(2026, 2, 29, 1, 0), Date.UTC(2026, 9, 25, 1, 0)]) {
      for (let at = switchAt - 3_600_000; at <= switchAt + 3_600_000; at += 30_000) {
        expect(localMinuteOfDay(at, 'Europe/Amsterdam')).toBe(reference(at, 'Europe/Amsterdam'));
      }
    }
  });

  it('is exact for a historical offset with seconds (Amsterdam, 1930: +00:19:32)', () => {
    const start = Date.UTC(1930, 5, 1, 10, 0);
    for (let at = start; at < start + 3_600_000; at += 7_000) {
      expect(localMinuteOfDay(at, 'Europe/Amsterdam')).toBe(reference(at, 'Europe/Amsterdam'));
    }
  });
});
