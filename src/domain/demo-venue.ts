/**
 * The demo venue that `ticketd serve --demo` adds to the catalogue: one seated show and one general-admission
 * show, both on sale, dated from the time the server seeds them (tomorrow and the day after, evenings, UTC).
 */
import type { Show } from './show.ts';

const DAY_MS = 86_400_000;

/** RFC 3339 in UTC of a day's `hour` o'clock, `days` after the day of `nowMs`. */
function eveningOf(nowMs: number, days: number, hour: number): string {
  const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return new Date(dayStart + days * DAY_MS + hour * 3_600_000).toISOString().replace('.000Z', 'Z');
}

/**
 * The demo venue's shows: `demo-recital` (seated: stalls rows A–C of 10, balcony rows D–E of 8) tomorrow at 19:00
 * UTC, and `demo-open-air` (general admission: floor 500, VIP 50) the day after at 20:00 UTC.
 *
 * @example
 * demoVenue(Date.UTC(2026, 10, 29, 13)).map((s) => s.startsAt); // ['2026-11-30T19:00:00Z', '2026-12-01T20:00:00Z']
 */
export function demoVenue(nowMs: number): Show[] {
  const venue = 'Demo Hall';
  const location = 'Amsterdam';
  const recitalAt = eveningOf(nowMs, 1, 19);
  const openAirAt = eveningOf(nowMs, 2, 20);
  return [
    {
      id: 'demo-recital', name: 'Piano Recital', venue, location, startsAt: recitalAt, endsAt: eveningOf(nowMs, 1, 21),
      salesEndAt: recitalAt, status: 'on_sale',
      categories: [
        { id: 'stalls', name: 'Stalls', price: 4_500, capacity: 30, rows: ['A', 'B', 'C'].map((row) => ({ row, seats: 10 })) },
        { id: 'balcony', name: 'Balcony', price: 2_500, capacity: 16, rows: ['D', 'E'].map((row) => ({ row, seats: 8 })) },
      ],
    },
    {
      id: 'demo-open-air', name: 'Open Air Night', venue, location, startsAt: openAirAt, endsAt: eveningOf(nowMs, 2, 23),
      salesEndAt: openAirAt, status: 'on_sale',
      categories: [
        { id: 'floor', name: 'Floor', price: 3_000, capacity: 500 },
        { id: 'vip', name: 'VIP', price: 9_000, capacity: 50 },
      ],
    },
  ];
}
