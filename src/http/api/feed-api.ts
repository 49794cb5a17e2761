/**
 * Declaration of the domain event feed (issue 11), admins only: `GET /v1/events` answers a page as JSON, or, asked
 * with `Accept: text/event-stream`, follows the feed live over SSE from `after` (or `Last-Event-ID`). One path with
 * two answers rather than a second path: it is one resource, and a browser's EventSource asks for
 * `text/event-stream` by itself. The handler is in feed-routes.ts; the feed itself in store/event-feed.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { FEED_AGGREGATE_TYPES, FEED_EVENT_TYPES, FEED_LIMIT_DEFAULT, type FeedEventType } from '../../store/event-feed.ts';
import { responses } from './declare.ts';
import { EventsHeaders, PAGE_LIMIT_MAX } from './inputs.ts';

const DIGITS = /^[0-9]{1,15}$/;
const ALLOWED_TYPES: ReadonlySet<string> = new Set(FEED_EVENT_TYPES);

export const FeedQuery = z.object({
  after: z.string()
    .regex(DIGITS, 'must be an event id (a non-negative integer)')
    .transform(Number)
    .optional()
    .meta({ param: { name: 'after', in: 'query' }, description: 'events after this eventId (a nextCursor); default 0, the start', example: '41' }),
  limit: z.string()
    .regex(DIGITS, `must be an integer in 1..${PAGE_LIMIT_MAX}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= PAGE_LIMIT_MAX, `must be an integer in 1..${PAGE_LIMIT_MAX}`)
    .optional()
    .meta({ param: { name: 'limit', in: 'query' }, description: `most events per page, 1..${PAGE_LIMIT_MAX} (default ${FEED_LIMIT_DEFAULT})`, example: '100' }),
  // One comma-separated list, not a repeated parameter: a single value is what every client and proxy keeps intact.
  type: z.string()
    .transform((list) => list.split(','))
    .refine((types) => types.every((t) => ALLOWED_TYPES.has(t)), `must be a comma-separated list of ${FEED_EVENT_TYPES.join(', ')}`)
    .transform((types) => types as FeedEventType[])
    .optional()
    .meta({ param: { name: 'type', in: 'query' }, description: `only these types, comma-separated: ${FEED_EVENT_TYPES.join(', ')}`, example: 'booking.held,booking.confirmed' }),
  aggregateType: z.enum(FEED_AGGREGATE_TYPES, { error: `must be one of ${FEED_AGGREGATE_TYPES.join(', ')}` })
    .optional()
    .meta({ param: { name: 'aggregateType', in: 'query' }, example: 'booking' }),
});

export const FeedEvent = z.strictObject({
  eventId: z.string().meta({ description: 'ordered; what ?after= and Last-Event-ID take' }),
  type: z.enum(FEED_EVENT_TYPES),
  occurredAt: z.string().meta({ description: 'RFC 3339' }),
  aggregateType: z.enum(FEED_AGGREGATE_TYPES),
  aggregateId: z.string(),
  customerId: z.string().nullable().meta({ description: 'the customer whose stream carries it; null for a user\'s events' }),
  version: z.number().int().min(1).meta({ description: '1, 2, 3, … within its aggregate, without gaps' }),
  correlationId: z.string().nullable().meta({
    description: "the X-Request-Id (or the server's id) of the request that began it; a tap's event: its tapId; " +
      'a top-up recorded without one: its topUpId',
  }),
  causationId: z.string().nullable().meta({ description: 'the eventId or request id that caused it directly; null for taps' }),
  data: z.unknown().meta({ description: 'the event as the customer stream shows it (a ticket, a booking, a payment, …)' }),
}).meta({ id: 'FeedEvent' });

const PAGE_EXAMPLE = {
  events: [{
    eventId: '42', type: 'booking.held', occurredAt: '2026-12-06T20:00:00.000Z', aggregateType: 'booking', aggregateId: 'bk_7',
    customerId: 'customer-1', version: 1, correlationId: 'req-abc', causationId: 'req-abc', data: { id: 'bk_7', status: 'held' },
  }],
  nextCursor: '42',
};

const FeedPage = z.strictObject({
  events: z.array(FeedEvent),
  nextCursor: z.string().meta({
    description: 'pass as ?after= for the next page; at the head of the feed (no events) it stays where it was: ask again later',
  }),
}).meta({ id: 'FeedPage', example: PAGE_EXAMPLE });

export const feedRoute = createRoute({
  method: 'get', path: '/v1/events', tags: ['events'],
  summary: 'The domain event feed (admin): a page as JSON, or followed live with Accept: text/event-stream',
  description: 'Every change in id order: taps decided, top-ups, bookings and payments, check-ins, users. Page with ' +
    '`?after=<nextCursor>`; a page reads a bounded stretch of the log, so a filter may answer fewer events than `limit` ' +
    '(even none) with a `nextCursor` further on. With `Accept: text/event-stream` the answer is a stream of the same ' +
    'events (`id:` is the eventId, `data:` the event) from `after` or `Last-Event-ID`, live as they commit.',
  request: { query: FeedQuery, headers: EventsHeaders },
  responses: responses({
    200: {
      description: 'One page (JSON), or the live stream (text/event-stream)',
      content: {
        'application/json': { schema: FeedPage, example: PAGE_EXAMPLE },
        'text/event-stream': {
          schema: z.string(),
          example: 'id: 42\nevent: booking.held\ndata: {"eventId":"42","type":"booking.held","aggregateType":"booking","aggregateId":"bk_7","version":1,...}\n\n',
        },
      },
    },
  }, {
    400: ['invalid_query', 'invalid_last_event_id'], 429: ['too_many_streams'], 500: ['sse_unavailable'], 503: ['shutting_down'],
  }, { auth: true, body: false }),
});
