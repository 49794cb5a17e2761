/**
 * Declarations of the box office's routes (issue 10): bookings (book, read, pay, cancel, a customer's list), a
 * payment and the provider's webhook, the waiting list, check-in and a show's check-in list. Handlers are in
 * booking-routes.ts; the saga behind them in src/box-office/box-office.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { BOOKING_STATUSES, WAITING_LIST_STATUSES } from '../../box-office/booking-types.ts';
import { CHECK_IN_GATE_ID_LENGTH_MAX, CHECK_IN_NONCE_LENGTH_MAX } from '../../domain/check-in.ts';
import { parseTappedAt } from '../../domain/rfc3339.ts';
import { expected, Id } from '../../domain/request-bodies.ts';
import { TICKET_SECRET_LENGTH_MAX } from '../../domain/ticket-secret.ts';
import { body, ok, responses } from './declare.ts';
import { IdParam, PageQuery } from './inputs.ts';

const tags = ['bookings'];
const Cents = z.number().int().meta({ description: 'integer cents' });
const Time = z.string().meta({ description: 'RFC 3339, UTC' });
const ITEMS_MAX = 20;
const PLACES_MAX = 100;

function object<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) });
}

const Method = z.enum(['wallet', 'card'], expected('one of wallet, card'));
const Quantity = z.number(expected('a number')).int('must be an integer').min(1, `must be in 1..${PLACES_MAX}`).max(PLACES_MAX, `must be in 1..${PLACES_MAX}`);
const SeatId = z.string(expected('a string')).regex(/^[A-Za-z0-9]{1,8}-[0-9]{1,4}$/, 'must be a seat id: row-number, e.g. A-7');

// The quantity form first: it is what most requests send, and a union tries its options in order.
const ItemBody = z.union([
  object({ categoryId: Id, quantity: Quantity, together: z.boolean(expected('a boolean')).optional() }),
  object({ categoryId: Id, seats: z.array(SeatId).min(1, 'must name 1 seat or more').max(PLACES_MAX, `must name at most ${PLACES_MAX} seats`) }),
], { error: () => 'must be { categoryId, quantity, together? } or { categoryId, seats }' });

export const BookingBody = object({
  customerId: Id,
  showId: Id,
  items: z.array(ItemBody).min(1, 'must hold 1 item or more').max(ITEMS_MAX, `must hold at most ${ITEMS_MAX} items`),
  payment: object({ method: Method }).optional(),
}).meta({
  id: 'BookingRequest',
  example: { customerId: 'customer-1', showId: 'demo-recital', items: [{ categoryId: 'stalls', quantity: 2, together: true }], payment: { method: 'wallet' } },
});

export const PayBody = object({ method: Method }).meta({ id: 'PayRequest', example: { method: 'card' } });

export const WaitingListBody = object({ customerId: Id, categoryId: Id, quantity: Quantity })
  .meta({ id: 'WaitingListRequest', example: { customerId: 'customer-2', categoryId: 'stalls', quantity: 2 } });

export const CheckInBody = object({
  secret: z.string(expected('a string')).min(1, 'must not be empty').max(TICKET_SECRET_LENGTH_MAX, `must be at most ${TICKET_SECRET_LENGTH_MAX} characters`),
  gateId: z.string(expected('a string')).regex(new RegExp(`^[A-Za-z0-9._:-]{1,${CHECK_IN_GATE_ID_LENGTH_MAX}}$`), `must be 1-${CHECK_IN_GATE_ID_LENGTH_MAX} letters, digits or ._:-`),
  scannedAt: z.string(expected('a string')).refine((s) => s.length <= 40 && !Number.isNaN(parseTappedAt(s)), 'must be an RFC 3339 date-time with an offset'),
  nonce: z.string(expected('a string')).regex(new RegExp(`^[A-Za-z0-9._:-]{1,${CHECK_IN_NONCE_LENGTH_MAX}}$`), `must be 1-${CHECK_IN_NONCE_LENGTH_MAX} letters, digits or ._:-`),
  showId: Id.optional().meta({ description: 'the show this gate admits to; absent: the show the ticket names' }),
}).meta({
  id: 'CheckInRequest',
  example: { secret: 'AQFq_YbACHRp…', gateId: 'north-1', scannedAt: '2026-12-05T19:02:11+01:00', nonce: 'scan-7f3a', showId: 'demo-recital' },
});

const Item = z.strictObject({
  categoryId: Id, quantity: z.number().int(), seats: z.array(z.string()).optional(), unitPrice: Cents, amount: Cents,
});

export const Payment = z.strictObject({
  id: z.string(), bookingId: z.string(), method: z.enum(['wallet', 'card']), amount: Cents, currency: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed', 'refunded', 'partially_refunded']), refunded: Cents,
  providerTransactionId: z.string().optional(), failureReason: z.string().optional(), createdAt: Time, updatedAt: Time,
}).meta({
  id: 'Payment',
  example: {
    id: 'pay-2', bookingId: 'bk-1', method: 'card', amount: 9_000, currency: 'EUR', status: 'succeeded', refunded: 0,
    providerTransactionId: 'txn-1', createdAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:00:00.512Z',
  },
});

const Ticket = z.strictObject({
  id: z.string(), bookingId: z.string(), showId: z.string(), categoryId: z.string(), seat: z.string().optional(),
  secret: z.string().meta({ description: 'what the QR code carries: Ed25519-signed, verifiable offline' }),
  status: z.enum(['valid', 'voided']),
});

export const Booking = z.strictObject({
  id: z.string(), customerId: z.string(), showId: z.string(), status: z.enum(BOOKING_STATUSES), items: z.array(Item),
  total: Cents, currency: z.string(), holdExpiresAt: Time, version: z.number().int().meta({ description: 'also the ETag' }),
  payments: z.array(Payment), tickets: z.array(Ticket), waitingListEntryId: z.string().optional(), createdAt: Time, updatedAt: Time,
}).meta({
  id: 'Booking',
  example: {
    id: 'bk-1', customerId: 'customer-1', showId: 'demo-recital', status: 'confirmed',
    items: [{ categoryId: 'stalls', quantity: 2, seats: ['A-1', 'A-2'], unitPrice: 4_500, amount: 9_000 }],
    total: 9_000, currency: 'EUR', holdExpiresAt: '2026-12-01T10:15:00.000Z', version: 2,
    payments: [{ id: 'pay-2', bookingId: 'bk-1', method: 'wallet', amount: 9_000, currency: 'EUR', status: 'succeeded', refunded: 0, createdAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:00:00.000Z' }],
    tickets: [{ id: 'tkt-3', bookingId: 'bk-1', showId: 'demo-recital', categoryId: 'stalls', seat: 'A-1', secret: 'AQFq_YbACHRp…', status: 'valid' }],
    createdAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:00:00.000Z',
  },
});

const BookingPage = z.strictObject({
  bookings: z.array(Booking),
  nextCursor: z.string().nullable().meta({ description: 'pass as ?cursor= for the next page; null on the last' }),
}).meta({ example: { bookings: [], nextCursor: null } });

const WaitingListEntry = z.strictObject({
  id: z.string(), showId: z.string(), customerId: z.string(), categoryId: z.string(), quantity: z.number().int(),
  status: z.enum(WAITING_LIST_STATUSES), bookingId: z.string().optional(), createdAt: Time,
}).meta({
  id: 'WaitingListEntry',
  example: { id: 'wl-4', showId: 'demo-recital', customerId: 'customer-2', categoryId: 'stalls', quantity: 2, status: 'waiting', createdAt: '2026-12-01T10:00:00.000Z' },
});

const CheckInAnswer = z.strictObject({
  result: z.enum(['ok', 'already_checked_in', 'unknown_ticket', 'invalid_signature', 'voided', 'wrong_show', 'not_yet_open']),
  firstCheckIn: z.strictObject({ at: Time, gateId: z.string() }).optional(),
}).meta({ id: 'CheckInAnswer', example: { result: 'already_checked_in', firstCheckIn: { at: '2026-12-05T18:02:11.000Z', gateId: 'north-1' } } });

const CheckInList = z.strictObject({
  showId: z.string(), generatedAt: Time, checkInOpensAt: Time.nullable(), ticketIds: z.array(z.string()), voidedTicketIds: z.array(z.string()),
  checkedInTicketIds: z.array(z.string()),
  keys: z.array(z.strictObject({ keyId: z.number().int(), publicKey: z.string().meta({ description: 'Ed25519, SPKI PEM' }) })),
}).meta({
  id: 'CheckInList',
  example: {
    showId: 'demo-recital', generatedAt: '2026-12-05T17:00:00.000Z', checkInOpensAt: null, ticketIds: ['tkt-3', 'tkt-4'],
    voidedTicketIds: ['tkt-4'], checkedInTicketIds: [], keys: [{ keyId: 1, publicKey: '-----BEGIN PUBLIC KEY-----\n…' }],
  },
});

const ETagHeader = { ETag: { description: 'the booking\'s version, quoted: send it back as If-Match', schema: { type: 'string' as const, example: '"2"' } } };

const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters').optional()
    .meta({ param: { name: 'idempotency-key', in: 'header' }, description: 'the same key and body again answer the same booking; another body is 422' }),
});

const IfMatchHeaders = z.object({
  'if-match': z.string().regex(/^(W\/)?"?[0-9]{1,9}"?$/, 'must be the booking\'s ETag, e.g. "2"').optional()
    .meta({ param: { name: 'if-match', in: 'header' }, description: 'the version you saw; another is 412 version_mismatch' }),
});

const withETag = <S extends z.ZodType>(schema: S, description: string) => ({ ...ok(schema, description), headers: ETagHeader });

const BOOKING_REFUSALS = {
  404: ['unknown_show', 'unknown_customer'],
  409: ['sold_out', 'seats_taken', 'show_not_on_sale', 'sales_closed', 'too_many_holds'],
  422: ['idempotency_key_reused', 'unknown_category', 'invalid_seats', 'invalid_quantity', 'too_many_items', 'too_many_seats'],
  503: ['overloaded'],
};

export const postBookingRoute = createRoute({
  method: 'post', path: '/v1/bookings', tags, summary: 'Book: hold seats, then pay (wallet at once, card by webhook)',
  description: 'Items are a quantity (general admission, or best available seats), `together: true` for adjacent seats in ' +
    'one row, or named `seats`. Prices are the show\'s. With `payment.method: wallet` the answer comes once the saga is ' +
    'done: `confirmed` with its tickets, or `payment_failed`. With `card` it is `held` with a `pending` payment until ' +
    'the provider\'s webhook. Without `payment` the seats are held until `POST /v1/bookings/{id}/pay` or `holdExpiresAt`. ' +
    'A customer token books for itself only. 409 details name the category and what is left (or the taken seats).',
  request: { headers: IdempotencyHeaders, body: body(BookingBody) },
  responses: responses({ 201: withETag(Booking, 'The booking (also a replay under the same Idempotency-Key)') }, BOOKING_REFUSALS, { auth: true, body: true }),
});

export const getBookingRoute = createRoute({
  method: 'get', path: '/v1/bookings/{id}', tags, summary: 'Read a booking, with its payments and tickets',
  request: { params: IdParam },
  responses: responses({ 200: withETag(Booking, 'The booking') }, { 400: ['invalid_field'], 404: ['unknown_booking'] }, { auth: true, body: false }),
});

export const payBookingRoute = createRoute({
  method: 'post', path: '/v1/bookings/{id}/pay', tags, summary: 'Pay a booking held without a payment (a waiting-list offer)',
  request: { params: IdParam, body: body(PayBody) },
  responses: responses({ 200: withETag(Booking, 'The booking after the payment step') },
    { 400: ['invalid_field'], 404: ['unknown_booking'], 409: ['booking_not_held'], 503: ['overloaded'] }, { auth: true, body: true }),
});

export const cancelBookingRoute = createRoute({
  method: 'post', path: '/v1/bookings/{id}/cancel', tags, summary: 'Cancel: seats back, tickets voided, what was paid refunded',
  description: 'Wallet payments are refunded at once; card payments through the provider (`payment.refunded` follows). ' +
    'With `If-Match` the cancel applies only to the version you saw.',
  request: { params: IdParam, headers: IfMatchHeaders },
  responses: responses({ 200: withETag(Booking, 'The cancelled booking') },
    { 400: ['invalid_field'], 404: ['unknown_booking'], 409: ['booking_not_cancellable'], 412: ['version_mismatch'], 503: ['overloaded'] },
    { auth: true, body: false }),
});

export const customerBookingsRoute = createRoute({
  method: 'get', path: '/v1/customers/{id}/bookings', tags, summary: 'A customer\'s bookings, newest first',
  request: { params: IdParam, query: PageQuery },
  responses: responses({ 200: ok(BookingPage, 'One page') }, { 400: ['invalid_field', 'invalid_query', 'invalid_cursor'], 404: ['unknown_customer'] }, { auth: true, body: false }),
});

export const getPaymentRoute = createRoute({
  method: 'get', path: '/v1/payments/{id}', tags: ['payments'], summary: 'Read a payment',
  request: { params: IdParam },
  responses: responses({ 200: ok(Payment, 'The payment') }, { 400: ['invalid_field'], 404: ['unknown_payment'] }, { auth: true, body: false }),
});

export const ProviderEventBody = z.object({
  type: z.enum(['charge.succeeded', 'charge.failed', 'refund.succeeded']), id: z.string(), paymentId: z.string(),
  providerTransactionId: z.string(), amount: Cents, createdAt: z.number().int(), reason: z.string().optional(), providerRefundId: z.string().optional(),
}).meta({
  id: 'ProviderEvent',
  example: { type: 'charge.succeeded', id: 'evt-9', paymentId: 'pay-2', providerTransactionId: 'txn-1', amount: 9_000, createdAt: 1_764_583_200_000 },
});

export const paymentWebhookRoute = createRoute({
  method: 'post', path: '/v1/payments/webhook', tags: ['payments'], summary: 'The payment provider\'s webhook (signed)',
  description: 'No bearer token: the body is trusted only with a valid `ticketd-signature: t=<unix seconds>,v1=<hex ' +
    'HMAC-SHA256 of "<t>.<raw body>">` made with the provider secret, within 5 minutes, never seen before. Each event ' +
    'id is applied once.',
  security: [],
  request: { body: body(ProviderEventBody) },
  responses: responses({ 200: ok(z.strictObject({ applied: z.boolean() }).meta({ example: { applied: true } }), 'Applied (false: seen before)') },
    { 400: ['invalid_signature', 'invalid_body'], 404: ['unknown_payment'], 500: ['internal'], 503: ['overloaded'] }, { auth: false, body: true }),
});

export const joinWaitingListRoute = createRoute({
  method: 'post', path: '/v1/shows/{id}/waiting-list', tags, summary: 'Join a show\'s waiting list for a category',
  description: 'When places come back (a cancellation, an expiry, a failed payment) the first entry whose group fits gets ' +
    'a booking held for it, told over SSE as `waitlist.offered`; pay it with `POST /v1/bookings/{id}/pay` before it ' +
    'expires. Lines are served in order: a group that does not fit yet is not skipped.',
  request: { params: IdParam, body: body(WaitingListBody) },
  responses: responses({ 201: ok(WaitingListEntry, 'In line (or offered already)') },
    { 400: ['invalid_field'], 404: ['unknown_show', 'unknown_customer'], 409: ['show_not_on_sale', 'sales_closed'], 422: ['unknown_category', 'too_many_seats'] },
    { auth: true, body: true }),
});

export const checkInRoute = createRoute({
  method: 'post', path: '/v1/check-ins', tags: ['check-in'], summary: 'Scan a ticket at a gate',
  description: 'Admins and machines (scanners). The first scan of a ticket wins; a second says when and where it was first ' +
    'used; the same nonce uploaded again (an offline scanner syncing) answers what it answered and counts once.',
  request: { body: body(CheckInBody) },
  responses: responses({ 200: ok(CheckInAnswer, 'The answer for the gate') }, { 404: ['unknown_show'], 409: ['nonce_reused'], 503: ['overloaded'] }, { auth: true, body: true }),
});

export const checkInListRoute = createRoute({
  method: 'get', path: '/v1/shows/{id}/check-in-list', tags: ['check-in'], summary: 'What a scanner needs to admit offline',
  description: 'The show\'s ticket ids, the voided and the checked-in ones, and the venue\'s public keys to verify secrets.',
  request: { params: IdParam },
  responses: responses({ 200: ok(CheckInList, 'The list') }, { 400: ['invalid_field'], 404: ['unknown_show'] }, { auth: true, body: false }),
});
