/**
 * Declarations of the caller's own routes (issue 11): who am I, and a customer's inbox — the notifications of its
 * event stream, newest first, with a read marker. Handlers in me-routes.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ROLES } from '../../domain/principal.ts';
import { body, ok, responses } from './declare.ts';
import { IdParam, InboxQuery } from './inputs.ts';
import { Customer } from './schemas.ts';
import { expected, Id } from '../../domain/request-bodies.ts';
import { User } from './user-api.ts';

const tags = ['me'];

const Me = z.strictObject({
  tokenId: z.string(), role: z.enum(ROLES), customerId: z.string().optional(), machineId: z.string().optional(),
  expiresAt: z.string().optional().meta({ description: 'when a session ends; API tokens have none' }),
  user: User.optional().meta({ description: 'the account a session belongs to' }),
  customer: Customer.optional(),
}).meta({
  id: 'Me',
  example: { tokenId: 'tok-7', role: 'customer', customerId: 'customer-1', customer: { id: 'customer-1', name: 'Ada Lovelace', tier: 'standard', balance: 10_000, currency: 'EUR' } },
});

const InboxNotification = z.strictObject({
  id: z.number().int().meta({ description: 'the SSE event id' }), type: z.string(), customerId: z.string(), createdAt: z.string(),
  data: z.unknown().meta({ description: 'what the SSE event carries' }),
});

const InboxPage = z.strictObject({
  notifications: z.array(InboxNotification),
  nextCursor: z.string().nullable().meta({ description: 'pass as ?cursor= for older ones; null on the last page' }),
  unreadCount: z.number().int().meta({ description: 'notifications after readUpTo, counted up to 1000' }),
  readUpTo: z.number().int().meta({ description: 'the id of the last notification marked read; 0: none' }),
}).meta({
  id: 'InboxPage',
  example: {
    notifications: [{ id: 44, type: 'booking.confirmed', customerId: 'customer-1', createdAt: '2026-12-06T20:00:00.000Z', data: { id: 'bk-1', status: 'confirmed' } }],
    nextCursor: null, unreadCount: 1, readUpTo: 43,
  },
});

export const ReadBody = z.strictObject({
  upTo: z.number({ error: 'must be a number' }).int('must be an integer').positive('must be a notification id')
    .max(Number.MAX_SAFE_INTEGER, 'must be a notification id'),
}, { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) })
  .meta({ id: 'InboxRead', example: { upTo: 44 } });

const ReadAnswer = z.strictObject({ readUpTo: z.number().int(), unreadCount: z.number().int() })
  .meta({ example: { readUpTo: 44, unreadCount: 0 } });

export const meRoute = createRoute({
  method: 'get', path: '/v1/me', tags, summary: 'Who the token is: its role, a session\'s account, and a customer token\'s customer',
  responses: responses({ 200: ok(Me, 'The caller') }, {}, { auth: true, body: false }),
});

export const inboxRoute = createRoute({
  method: 'get', path: '/v1/me/notifications', tags,
  summary: 'A customer\'s inbox: what its event stream carried, newest first, with how much is unread',
  description: 'The same log the SSE stream reads (`GET /v1/customers/{id}/events`), read the other way: every ' +
    'notification there is here with the same id. Customer tokens only.',
  request: { query: InboxQuery },
  responses: responses({ 200: ok(InboxPage, 'One page') }, { 400: ['invalid_query', 'invalid_cursor'] }, { auth: true, body: false }),
});

export const markReadRoute = createRoute({
  method: 'post', path: '/v1/me/notifications/read', tags, summary: 'Mark every notification up to an id read',
  description: 'The marker never moves back: an older id changes nothing. The id must be one of the customer\'s notifications.',
  request: { body: body(ReadBody) },
  responses: responses({ 200: ok(ReadAnswer, 'The marker and what is still unread') }, { 400: ['invalid_field'] }, { auth: true, body: true }),
});

/** Most a customer may put in their own wallet at once (a simulated card payment): 500.00. */
export const MY_TOP_UP_MAX = 50_000;

export const MyTopUpBody = z.strictObject({
  topUpId: Id.meta({ description: 'the client\'s id of this top-up: the same id again is the same top-up' }),
  amount: z.number(expected('a number')).int(`must be an integer number of cents in 100..${MY_TOP_UP_MAX}`)
    .min(100, `must be an integer number of cents in 100..${MY_TOP_UP_MAX}`).max(MY_TOP_UP_MAX, `must be an integer number of cents in 100..${MY_TOP_UP_MAX}`),
}, { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) })
  .meta({ id: 'MyTopUp', example: { topUpId: 'phone-7f3a', amount: 2_000 } });

/** A customer's own top-up paid by card, as `POST /v1/me/top-ups` and `GET /v1/me/top-ups/{topUpId}` answer it. */
const CardTopUp = z.strictObject({
  topUpId: z.string(), customerId: z.string(), amount: z.number().int(), currency: z.string(),
  paymentId: z.string().meta({ description: 'the id the card provider knows the charge by' }),
  status: z.enum(['pending', 'succeeded', 'failed']).meta({ description: '`pending` until the provider\'s webhook; `succeeded` once the wallet is credited' }),
  failureReason: z.string().optional().meta({ description: 'why it failed: `card_declined`, `balance_limit` (refunded), or the provider\'s refusal' }),
  createdAt: z.string(), settledAt: z.string().optional(),
}).meta({
  id: 'CardTopUp',
  example: { topUpId: 'phone-7f3a', customerId: 'customer-1', amount: 2_000, currency: 'EUR', paymentId: 'top-up:phone-7f3a', status: 'pending', createdAt: '2026-12-07T10:00:00.000Z' },
});
const CardTopUpAnswer = z.strictObject({ topUp: CardTopUp }).meta({
  id: 'CardTopUpAnswer',
  example: { topUp: { topUpId: 'phone-7f3a', customerId: 'customer-1', amount: 2_000, currency: 'EUR', paymentId: 'top-up:phone-7f3a', status: 'succeeded', createdAt: '2026-12-07T10:00:00.000Z', settledAt: '2026-12-07T10:00:00.500Z' } },
});

export const myTopUpRoute = createRoute({
  method: 'post', path: '/v1/me/top-ups', tags,
  summary: 'A customer tops up their own wallet by card (1.00 to 500.00), once per topUpId',
  description: 'The charge goes to the card provider (in the demo the simulated one: `--card-delay-ms`, ' +
    '`--card-failure-rate`) and the answer is `202` with the top-up `pending`. The provider\'s signed webhook decides: ' +
    'on success the wallet is credited and `balance.changed` reaches the customer\'s stream and inbox like any top-up; ' +
    'on failure nothing is credited. Read the outcome with `GET /v1/me/top-ups/{id}`. The same topUpId again ' +
    'answers the same top-up as it is now (`200`). Customer tokens and user sessions only.',
  request: { body: body(MyTopUpBody) },
  responses: responses({
    202: ok(CardTopUpAnswer, 'Accepted: the card is being charged; the top-up is pending'),
    200: ok(CardTopUpAnswer, 'This topUpId was asked for before: that top-up, as it is now'),
  }, { 409: ['topup_conflict'], 502: ['provider_refused'], 503: ['payments_busy', 'payments_unavailable'] }, { auth: true, body: true }),
});

export const myTopUpStatusRoute = createRoute({
  method: 'get', path: '/v1/me/top-ups/{id}', tags, summary: 'Read one of my card top-ups: pending, succeeded or failed',
  request: { params: IdParam },
  responses: responses({ 200: ok(CardTopUpAnswer, 'The top-up') }, { 400: ['invalid_field'], 404: ['unknown_top_up'], 503: ['payments_unavailable'] }, { auth: true, body: false }),
});
