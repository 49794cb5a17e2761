/**
 * Declarations of the shows catalogue routes: create or replace a show (admins and managers), read one with each category's
 * live `available` count and, for seated categories, a seat map, and search shows (any token). The handlers are
 * in show-routes.ts. The seat map is this API's own simple shape, `{ rows: [{ row, seats, taken: [] }] }`: seat
 * numbers `1..seats`, `taken` the numbers held or sold.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { SHOW_STATUSES, ShowBody } from '../../domain/show.ts';
import { parseTappedAt } from '../../domain/rfc3339.ts';
import { Id } from '../../domain/request-bodies.ts';
import { QUERY_LENGTH_MAX, SHOWS_PAGE_DEFAULT, SHOWS_PAGE_MAX } from '../../store/shows-search.ts';
import { body, ok, responses } from './declare.ts';
import { IdParam } from './inputs.ts';

const tags = ['shows'];
const Cents = z.number().int().meta({ description: 'integer cents' });

const SeatMap = z.strictObject({
  rows: z.array(z.strictObject({ row: z.string(), seats: z.number().int(), taken: z.array(z.number().int()) })),
}).meta({ id: 'SeatMap', description: 'seats 1..seats of each row; taken: the numbers not free' });

const CategoryAnswer = z.strictObject({
  id: Id, name: z.string(), price: Cents, capacity: z.number().int(),
  available: z.number().int().meta({ description: 'left to sell now: capacity - held - sold' }),
  held: z.number().int().meta({ description: 'held by bookings not yet paid' }),
  sold: z.number().int().meta({ description: 'sold (confirmed bookings)' }),
  rows: z.array(z.strictObject({ row: z.string(), seats: z.number().int() })).optional(),
  seatMap: SeatMap.optional(),
}).meta({ id: 'ShowCategory' });

export const ShowAnswer = z.strictObject({
  id: Id, name: z.string(), venue: z.string(), location: z.string(), startsAt: z.string(), endsAt: z.string().optional(),
  salesStartAt: z.string().optional(), salesEndAt: z.string().optional(), doorsOpenAt: z.string().optional(), status: z.enum(SHOW_STATUSES),
  categories: z.array(CategoryAnswer),
}).meta({
  id: 'Show',
  example: {
    id: 'winter-gala', name: 'Winter Gala', venue: 'Concertgebouw', location: 'Amsterdam', startsAt: '2026-12-05T20:00:00+01:00',
    status: 'on_sale', categories: [{ id: 'floor', name: 'Floor', price: 3_000, capacity: 200, available: 196, held: 2, sold: 2 }],
  },
});

export const ShowPage = z.strictObject({
  shows: z.array(ShowAnswer),
  nextCursor: z.string().nullable().meta({ description: 'pass as ?cursor= for the next page; null on the last' }),
}).meta({ example: { shows: [], nextCursor: null } });

const time = (name: string, description: string) => z.string()
  .refine((s) => s.length <= 40 && !Number.isNaN(parseTappedAt(s)), 'must be an RFC 3339 date-time with an offset')
  .transform((s) => parseTappedAt(s))
  .optional()
  .meta({ param: { name, in: 'query' }, description, example: '2026-12-01T00:00:00Z' });

const limitProblem = `must be an integer in 1..${SHOWS_PAGE_MAX}`;

export const ShowsQuery = z.object({
  q: z.string()
    .max(QUERY_LENGTH_MAX, `must be at most ${QUERY_LENGTH_MAX} characters`)
    .refine((s) => /[\p{L}\p{N}]/u.test(s), 'must hold a letter or digit')
    .optional()
    .meta({ param: { name: 'q', in: 'query' }, description: 'words in the name, venue or location (each as a prefix)', example: 'gala' }),
  from: time('from', 'shows starting at or after this time'),
  to: time('to', 'shows starting at or before this time'),
  available: z.enum(['true', 'false'], { error: 'must be true or false' }).optional()
    .meta({ param: { name: 'available', in: 'query' }, description: 'true: only shows on sale' }),
  limit: z.string()
    .regex(/^[0-9]{1,4}$/, limitProblem)
    .transform(Number)
    .refine((n) => n >= 1 && n <= SHOWS_PAGE_MAX, limitProblem)
    .optional()
    .transform((n) => n ?? SHOWS_PAGE_DEFAULT)
    .meta({ param: { name: 'limit', in: 'query' }, description: `page size, 1..${SHOWS_PAGE_MAX} (default ${SHOWS_PAGE_DEFAULT})` }),
  cursor: z.string()
    .refine((value) => value.length >= 1 && value.length <= 300 && /^[A-Za-z0-9._-]+$/.test(value), {
      message: 'not one this server handed out', params: { code: 'invalid_cursor' },
    })
    .optional()
    .meta({ param: { name: 'cursor', in: 'query' }, description: 'nextCursor of the previous page' }),
});

export const putShowRoute = createRoute({
  method: 'put', path: '/v1/shows/{id}', tags, summary: 'Create a show (201) or replace it (200)',
  description: 'Prices are integer cents. A category with `rows` is reserved seating; its capacity must equal its ' +
    'seat count. `status` may be draft, on_sale or cancelled (default draft); ended and cancelled shows keep their ' +
    'status (409 `status_not_allowed`).',
  request: { params: IdParam, body: body(ShowBody) },
  responses: responses({ 201: ok(ShowAnswer, 'Created'), 200: ok(ShowAnswer, 'Replaced') },
    { 400: ['invalid_field'], 409: ['status_not_allowed'] }, { auth: true, body: true }),
});

export const getShowRoute = createRoute({
  method: 'get', path: '/v1/shows/{id}', tags,
  summary: 'Read a show: each category with what is left to sell and, when seated, its seat map',
  description: 'Drafts are visible to admins and managers only.',
  request: { params: IdParam },
  responses: responses({ 200: ok(ShowAnswer, 'The show') }, { 400: ['invalid_field'], 404: ['unknown_show'] },
    { auth: true, body: false }),
});

export const searchShowsRoute = createRoute({
  method: 'get', path: '/v1/shows', tags, summary: 'Search shows by words, start time and availability, by start time',
  description: 'Ordered by startsAt, then id. Drafts are listed to admins and managers only.',
  request: { query: ShowsQuery },
  responses: responses({ 200: ok(ShowPage, 'One page') }, { 400: ['invalid_query', 'invalid_cursor'] },
    { auth: true, body: false }),
});
