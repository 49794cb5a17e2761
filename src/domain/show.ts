/**
 * A show of the catalogue (issue 10): its types, the zod schema of `PUT /v1/shows/:id`'s body, and the table of
 * status moves an admin's PUT may make. Prices are integer cents set by an admin here; booking clients never send
 * one. A category with `rows` is a block of numbered seats, and its capacity is its seat count.
 */
import { z } from 'zod';
import { parseTappedAt } from './rfc3339.ts';
import { amount, expected, Id, Name } from './request-bodies.ts';

export const SHOW_STATUSES = ['draft', 'on_sale', 'sold_out', 'ended', 'cancelled'] as const;
export type ShowStatus = (typeof SHOW_STATUSES)[number];
/** What an admin's PUT may ask for; `sold_out` and `ended` are the inventory's and the clock's to set. */
export const SETTABLE_STATUSES = ['draft', 'on_sale', 'cancelled'] as const;

export const CATEGORY_CAPACITY_MAX = 100_000;
export const CATEGORIES_MAX = 50;
export const ROWS_MAX = 500;
export const SEATS_PER_ROW_MAX = 1_000;
export const ROW_LABEL = /^[A-Za-z0-9]{1,8}$/;
/** Shows start in [2000, 2100): a date outside is a typo, not a booking. */
export const SHOW_TIME_MIN_MS = Date.UTC(2000, 0, 1);
export const SHOW_TIME_MAX_MS = Date.UTC(2100, 0, 1);
/** The longest a show may last (a festival): 31 days. */
export const SHOW_DURATION_MAX_MS = 31 * 86_400_000;

export interface SeatRow { row: string; seats: number }

export interface ShowCategory {
  id: string;
  name: string;
  /** Integer cents. */
  price: number;
  capacity: number;
  /** Reserved seating: numbered seats `1..seats` in each row; absent for general admission. */
  rows?: SeatRow[];
}

export interface Show {
  id: string;
  name: string;
  venue: string;
  location: string;
  /** RFC 3339 with offset, as given. */
  startsAt: string;
  endsAt?: string;
  salesStartAt?: string;
  salesEndAt?: string;
  /** When check-in opens; absent, scans are admitted at any time. */
  doorsOpenAt?: string;
  status: ShowStatus;
  categories: ShowCategory[];
}

/** A show as an admin sends it: everything but its id (the path's). */
export type ShowInput = Omit<Show, 'id'>;

/** RFC 3339 with an offset, inside [2000, 2100). */
const Time = z.string(expected('a string')).refine((s) => {
  const ms = s.length <= 40 ? parseTappedAt(s) : NaN;
  return ms >= SHOW_TIME_MIN_MS && ms < SHOW_TIME_MAX_MS;
}, 'must be an RFC 3339 date-time with an offset (2026-12-05T20:00:00+01:00), in the years 2000-2099')
  .meta({ example: '2026-12-05T20:00:00+01:00' });

const Row = z.strictObject({
  row: z.string(expected('a string')).regex(ROW_LABEL, 'must be 1-8 letters or digits'),
  seats: z.number(expected('a number')).int('must be an integer').min(1, `must be in 1..${SEATS_PER_ROW_MAX}`)
    .max(SEATS_PER_ROW_MAX, `must be in 1..${SEATS_PER_ROW_MAX}`),
});

const capacityProblem = `must be an integer in 1..${CATEGORY_CAPACITY_MAX}`;
const Category = z.strictObject({
  id: Id,
  name: Name,
  price: amount(0),
  capacity: z.number(expected('a number')).int(capacityProblem).min(1, capacityProblem).max(CATEGORY_CAPACITY_MAX, capacityProblem),
  rows: z.array(Row).min(1, 'must hold 1 row or more').max(ROWS_MAX, `must hold at most ${ROWS_MAX} rows`).optional(),
}).superRefine((category, ctx) => {
  if (category.rows === undefined) return;
  const labels = new Set(category.rows.map((r) => r.row));
  if (labels.size !== category.rows.length) ctx.addIssue({ code: 'custom', path: ['rows'], message: 'row labels must be unique' });
  const seats = category.rows.reduce((sum, r) => sum + r.seats, 0);
  if (seats !== category.capacity) {
    ctx.addIssue({ code: 'custom', path: ['capacity'], message: `must equal the seat count of rows (${seats})` });
  }
});

/** `PUT /v1/shows/:id`. Times are checked against each other once each is valid on its own. */
export const ShowBody = z.strictObject({
  name: Name,
  venue: Name,
  location: Name,
  startsAt: Time,
  endsAt: Time.optional(),
  salesStartAt: Time.optional(),
  salesEndAt: Time.optional(),
  doorsOpenAt: Time.optional(),
  status: z.enum(SETTABLE_STATUSES, expected(`one of ${SETTABLE_STATUSES.join(', ')}`)).optional().default('draft'),
  categories: z.array(Category).min(1, 'must hold 1 category or more').max(CATEGORIES_MAX, `must hold at most ${CATEGORIES_MAX} categories`),
}, { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) })
  .superRefine((show, ctx) => {
    for (const problem of timeProblems(show)) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    const ids = new Set(show.categories.map((c) => c.id));
    if (ids.size !== show.categories.length) ctx.addIssue({ code: 'custom', path: ['categories'], message: 'category ids must be unique' });
  })
  .meta({
    id: 'ShowPut',
    example: {
      name: 'Winter Gala', venue: 'Concertgebouw', location: 'Amsterdam', startsAt: '2026-12-05T20:00:00+01:00',
      endsAt: '2026-12-05T22:30:00+01:00', status: 'on_sale',
      categories: [{ id: 'stalls', name: 'Stalls', price: 4_500, capacity: 40, rows: [{ row: 'A', seats: 20 }, { row: 'B', seats: 20 }] }],
    },
  });

/**
 * Why the times of a show do not fit together: the show ends after it starts and within 31 days; sales open
 * before the show starts, close after they open and no later than the show's end (its start when it has no end).
 *
 * @example
 * timeProblems({ startsAt: '2026-12-05T20:00:00Z', endsAt: '2026-12-05T19:00:00Z' }); // [{ field: 'endsAt', … }]
 */
export function timeProblems(show: Pick<Show, 'startsAt' | 'endsAt' | 'salesStartAt' | 'salesEndAt' | 'doorsOpenAt'>): Array<{ field: string; message: string }> {
  const ms = (s: string | undefined) => (s === undefined ? undefined : parseTappedAt(s));
  const starts = ms(show.startsAt);
  const ends = ms(show.endsAt);
  const salesStart = ms(show.salesStartAt);
  const salesEnd = ms(show.salesEndAt);
  const doors = ms(show.doorsOpenAt);
  const problems: Array<{ field: string; message: string }> = [];
  if (starts === undefined || Number.isNaN(starts)) return problems;
  if (ends !== undefined && (ends <= starts || ends - starts > SHOW_DURATION_MAX_MS)) {
    problems.push({ field: 'endsAt', message: 'must be after startsAt, by at most 31 days' });
  }
  if (salesStart !== undefined && salesStart >= starts) problems.push({ field: 'salesStartAt', message: 'must be before startsAt' });
  if (salesEnd !== undefined && salesStart !== undefined && salesEnd <= salesStart) {
    problems.push({ field: 'salesEndAt', message: 'must be after salesStartAt' });
  }
  if (doors !== undefined && doors > (ends ?? starts)) problems.push({ field: 'doorsOpenAt', message: 'must not be after the show ends (endsAt, else startsAt)' });
  if (salesEnd !== undefined && salesEnd > (ends ?? starts)) {
    problems.push({ field: 'salesEndAt', message: 'must not be after the show ends (endsAt, else startsAt)' });
  }
  return problems;
}

/** The status moves an admin's PUT may make (SETTABLE_STATUSES to); staying put is always allowed. */
const MOVES: Readonly<Record<ShowStatus, readonly ShowStatus[]>> = {
  draft: ['on_sale', 'cancelled'],
  on_sale: ['draft', 'cancelled'],
  sold_out: ['on_sale', 'cancelled'],
  ended: [],
  cancelled: [],
};

/**
 * Whether a show in `from` may be put into `to`. Ended and cancelled shows are final. Taking a show on sale back to
 * draft is allowed while nothing can have been sold (no bookings exist yet); the booking saga will narrow this.
 *
 * @example
 * statusMoveAllowed('draft', 'on_sale'); // true
 * statusMoveAllowed('cancelled', 'on_sale'); // false
 */
export function statusMoveAllowed(from: ShowStatus, to: ShowStatus): boolean {
  return from === to || MOVES[from].includes(to);
}

/** The total capacity of a show: the sum of its categories'. @example showCapacity(show) // 120 */
export function showCapacity(show: Pick<Show, 'categories'>): number {
  return show.categories.reduce((sum, c) => sum + c.capacity, 0);
}
