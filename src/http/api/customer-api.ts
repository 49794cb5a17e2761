/**
 * Declarations of the customer routes: read, create or replace (PUT), change (PATCH), top up, list tickets, and
 * follow the event stream. The handlers are in customer-routes.ts and events-route.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { CustomerPatchBody, CustomerPutBody, TopUpBody } from '../../domain/request-bodies.ts';
import { body, ok, responses } from './declare.ts';
import { EventsHeaders, EventsQuery, IdParam, PageQuery } from './inputs.ts';
import { Customer, TicketPage, TopUpAnswer } from './schemas.ts';

const tags = ['customers'];
const ENGINE_WAIT = { 503: ['engine_timeout', 'not_ready', 'storage_unavailable'] } as const;

export const getCustomerRoute = createRoute({
  method: 'get', path: '/v1/customers/{id}', tags, summary: 'Read a customer (admin or manager, or the customer itself)',
  request: { params: IdParam },
  responses: responses({ 200: ok(Customer, 'The customer') }, { 400: ['invalid_field'], 404: ['unknown_customer'] },
    { auth: true, body: false }),
});

export const putCustomerRoute = createRoute({
  method: 'put', path: '/v1/customers/{id}', tags,
  summary: 'Create a customer (201) or replace its name and tier (200)',
  description: '`balance` is the opening balance of a new customer (default 0). Sent for a customer that exists, it is ' +
    'accepted when it is the balance the customer has (a retried PUT) and otherwise refused with 409 ' +
    '`balance_not_settable`: a balance changes with top-ups.',
  request: { params: IdParam, body: body(CustomerPutBody) },
  responses: responses({ 201: ok(Customer, 'Created'), 200: ok(Customer, 'Replaced') },
    { 409: ['balance_not_settable'], ...ENGINE_WAIT }, { auth: true, body: true }),
});

export const patchCustomerRoute = createRoute({
  method: 'patch', path: '/v1/customers/{id}', tags, summary: 'Change the name or tier of a customer',
  request: { params: IdParam, body: body(CustomerPatchBody) },
  responses: responses({ 200: ok(Customer, 'The customer as changed') }, { 404: ['unknown_customer'], ...ENGINE_WAIT },
    { auth: true, body: true }),
});

export const topUpRoute = createRoute({
  method: 'post', path: '/v1/customers/{id}/top-ups', tags,
  summary: 'Credit a wallet, once per topUpId (the same topUpId again answers duplicate)',
  request: { params: IdParam, body: body(TopUpBody) },
  responses: responses({
    201: ok(TopUpAnswer, 'Applied: a new top-up'),
    200: ok(TopUpAnswer, 'A duplicate: this topUpId was applied before; nothing changed', { status: 'duplicate', customer: { id: 'customer-1', name: 'Ada Lovelace', tier: 'standard', balance: 12_500, currency: 'EUR' } }),
  },
    { 404: ['unknown_customer'], 409: ['topup_conflict', 'balance_limit_exceeded'], ...ENGINE_WAIT },
    { auth: true, body: true }),
});

export const ticketsRoute = createRoute({
  method: 'get', path: '/v1/customers/{id}/tickets', tags, summary: "A customer's tickets, newest first, page by page",
  request: { params: IdParam, query: PageQuery },
  responses: responses({ 200: ok(TicketPage, 'One page') },
    { 400: ['invalid_field', 'invalid_query', 'invalid_cursor'], 404: ['unknown_customer'] }, { auth: true, body: false }),
});

export const eventsRoute = createRoute({
  method: 'get', path: '/v1/customers/{id}/events', tags,
  summary: "The customer's notifications as Server-Sent Events, resumable with Last-Event-ID",
  request: { params: IdParam, query: EventsQuery, headers: EventsHeaders },
  responses: responses({
    200: {
      description: 'ticket.issued, ticket.rejected and balance.changed events (taps and top-ups); booking.held, ' +
        'booking.confirmed, booking.expired, booking.cancelled (data: the booking), payment.succeeded, payment.failed, ' +
        'payment.refunded (data: the payment with its booking\'s id, status and version), ticket.checked_in and ' +
        'waitlist.offered (data: the entry and the booking held for it); a `: heartbeat` comment in between',
      content: { 'text/event-stream': { schema: z.string(), example: 'id: 42\nevent: balance.changed\ndata: {"customerId":"customer-1","balance":12500,"currency":"EUR","change":2500,"cause":{"kind":"top-up","topUpId":"topup-7"}}\n\n' } },
    },
  }, {
    400: ['invalid_field', 'invalid_last_event_id'], 404: ['unknown_customer'], 405: ['method_not_allowed'],
    429: ['too_many_streams'], 500: ['sse_unavailable'], 503: ['shutting_down'],
  }, { auth: true, body: false }),
});
