/**
 * The booking routes (issue 10) over real HTTP against the real engine: `startTicketd` in-process on port 0 with a
 * temp data dir and the demo park, its tokens read from `demo-credentials.json`, and a simulated card provider that
 * answers after 50 ms and never declines. Every answer is also checked against the routes' declarations
 * (contract.ts). Each test makes its own shows and customers, so the tests do not see each other's bookings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCredentialTokens, type CredentialTokens } from '../../src/cli/credentials.ts';
import type { Booking, BookingPayment, WaitlistOfferData } from '../../src/box-office/booking-types.ts';
import { signWebhook, SIGNATURE_HEADER } from '../../src/payments/webhook-signature.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { DEFAULT_CONFIG, startTicketd, type RunningTicketd } from '../../src/server/start-ticketd.ts';
import type { TicketdApp } from '../../src/http/app.ts';
import { checkContract } from './contract.ts';
import { harness } from './helpers.ts';
import { SseClient } from './sse-client.ts';

const WEBHOOK_SECRET = 'bookings-test-webhook-secret-0123456789';
/** Polls of a booking still settling (card webhook 50 ms after the charge); 10 ms apart. */
const POLLS_MAX = 500;
const OFF = { ratePerMinute: 0, burst: 1 };

/** A running server and the demo tokens of its data dir. */
interface Target {
  running: RunningTicketd;
  tokens: CredentialTokens & { admin: string };
  dir: string;
}

/** Starts ticketd in-process on port 0 with the demo park in a fresh temp data dir. */
async function startTarget(holdSeconds: number, card: { delayMs: number; failureRate: number }): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-bookings-'));
  const running = await startTicketd({
    ...DEFAULT_CONFIG, port: 0, dataDir: dir, demo: true, workers: 0, log: silentLogger,
    rateLimits: { customer: OFF, machine: OFF, admin: OFF, unauthenticated: OFF },
    holdSeconds, card, webhookSecret: WEBHOOK_SECRET,
  });
  const loaded = await loadCredentialTokens(running.demoCredentialsFile!);
  if (!loaded.ok || loaded.tokens.admin === undefined) throw new Error(`no demo credentials: ${loaded.ok ? 'no admin' : loaded.problem}`);
  return { running, tokens: { ...loaded.tokens, admin: loaded.tokens.admin }, dir };
}

async function stopTarget(target: Target | undefined): Promise<void> {
  if (target === undefined) return;
  await target.running.close();
  fs.rmSync(target.dir, { recursive: true, force: true });
}

/** The server most tests use: holds of a minute, card answers after 50 ms and never declined. */
let main: Target;
let server: RunningTicketd;
let tokens: Target['tokens'];
/** An app with the same route declarations, for the contract check of every answer. */
let declared: TicketdApp;
let serial = 0;

beforeAll(async () => {
  main = await startTarget(60, { delayMs: 50, failureRate: 0 });
  ({ running: server, tokens } = main);
  declared = harness().app;
});

afterAll(() => stopTarget(main));

interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

interface Call {
  body?: unknown;
  /** Bearer token; absent: the admin's; `null`: none. */
  token?: string | null;
  headers?: Record<string, string>;
  /** The server to ask; absent: `main`. */
  at?: Target;
}

async function api<T = unknown>(method: string, urlPath: string, call: Call = {}): Promise<Answer<T>> {
  const target = call.at ?? main;
  const headers: Record<string, string> = { ...call.headers };
  const token = call.token === undefined ? target.tokens.admin : call.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (call.body !== undefined) {
    init.body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${target.running.url}${urlPath}`, init);
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const body = (text !== '' && contentType.includes('application/json') ? JSON.parse(text) : text) as T;
  checkContract(declared, method, urlPath, res.status, contentType, body);
  return { status: res.status, headers: res.headers, body };
}

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

function expectError(answer: Answer, status: number, code: string): ErrorBody['error'] {
  const { error } = answer.body as ErrorBody;
  expect({ status: answer.status, code: error?.code }, JSON.stringify(answer.body)).toEqual({ status, code });
  return error;
}

function fresh(prefix: string): string {
  serial += 1;
  return `${prefix}-${serial}`;
}

interface CategorySpec {
  id: string;
  price: number;
  capacity: number;
  rows?: Array<{ row: string; seats: number }>;
}

/** A show on sale a week from now. */
async function newShow(categories: CategorySpec[], at?: Target, status = 'on_sale'): Promise<string> {
  const id = fresh('show');
  const startsAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const answer = await api('PUT', `/v1/shows/${id}`, {
    at, body: { name: `Show ${id}`, venue: 'Test Hall', location: 'Utrecht', startsAt, status, categories: categories.map((c) => ({ name: c.id, ...c })) },
  });
  expect(answer.status).toBe(201);
  return id;
}

/** A customer with `balance` cents and a token of its own. */
async function newCustomer(balance: number, at?: Target): Promise<{ id: string; token: string }> {
  const id = fresh('buyer');
  expect((await api('PUT', `/v1/customers/${id}`, { at, body: { name: `Buyer ${id}`, tier: 'standard', balance } })).status).toBe(201);
  const created = await api<{ token: string }>('POST', '/v1/tokens', { at, body: { role: 'customer', customerId: id } });
  expect(created.status).toBe(201);
  return { id, token: created.body.token };
}

function book(body: Record<string, unknown>, call: Omit<Call, 'body'> = {}): Promise<Answer<Booking>> {
  return api<Booking>('POST', '/v1/bookings', { ...call, body });
}

async function balanceOf(customerId: string, at?: Target): Promise<number> {
  return (await api<{ balance: number }>('GET', `/v1/customers/${customerId}`, { at })).body.balance;
}

/** Reads the booking until `done` holds of it, at most POLLS_MAX times; the last read is returned either way. */
async function pollBooking(id: string, done: (b: Booking) => boolean, call: Pick<Call, 'token' | 'at'> = {}): Promise<Booking> {
  let booking = (await api<Booking>('GET', `/v1/bookings/${id}`, call)).body;
  for (let i = 0; i < POLLS_MAX && !done(booking); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    booking = (await api<Booking>('GET', `/v1/bookings/${id}`, call)).body;
  }
  return booking;
}

/** A confirmed wallet booking of `quantity` general-admission places. */
async function confirmedBooking(quantity: number): Promise<{ showId: string; customer: { id: string; token: string }; booking: Booking }> {
  const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 10 }]);
  const customer = await newCustomer(100_000);
  const answer = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity }], payment: { method: 'wallet' } });
  expect(answer.status).toBe(201);
  expect(answer.body.status).toBe('confirmed');
  return { showId, customer, booking: answer.body };
}

describe('POST /v1/bookings', () => {
  it('answers a wallet booking 201 confirmed, with its tickets, a succeeded payment and the ETag of its version', async () => {
    const showId = await newShow([{ id: 'floor', price: 2_500, capacity: 10 }]);
    const customer = await newCustomer(10_000);
    const answer = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 3 }], payment: { method: 'wallet' } }, { token: customer.token });
    expect(answer.status).toBe(201);
    const booking = answer.body;
    expect(booking).toMatchObject({ customerId: customer.id, showId, status: 'confirmed', total: 7_500, currency: 'EUR' });
    expect(booking.items).toEqual([{ categoryId: 'floor', quantity: 3, unitPrice: 2_500, amount: 7_500 }]);
    expect(booking.payments).toEqual([expect.objectContaining({ method: 'wallet', amount: 7_500, status: 'succeeded' })]);
    expect(booking.tickets).toHaveLength(3);
    for (const ticket of booking.tickets) expect(ticket).toMatchObject({ bookingId: booking.id, showId, categoryId: 'floor', status: 'valid' });
    expect(new Set(booking.tickets.map((t) => t.id)).size).toBe(3);
    expect(answer.headers.get('etag')).toBe(`"${booking.version}"`);
    expect(answer.headers.get('idempotent-replayed')).toBeNull();
    expect(await balanceOf(customer.id)).toBe(2_500);
    const read = await api<Booking>('GET', `/v1/bookings/${booking.id}`, { token: customer.token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(booking);
    expect(read.headers.get('etag')).toBe(`"${booking.version}"`);
  });

  it('replays the same body under the same Idempotency-Key (Idempotent-Replayed: true) and refuses another body 422', async () => {
    const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 10 }]);
    const customer = await newCustomer(10_000);
    const body = { customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 2 }], payment: { method: 'wallet' } };
    const headers = { 'idempotency-key': fresh('key') };
    const first = await book(body, { headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await book(body, { headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.status).toBe('confirmed');
    const other = await book({ ...body, items: [{ categoryId: 'floor', quantity: 3 }] }, { headers });
    expect(expectError(other, 422, 'idempotency_key_reused').message).toContain(first.body.id);
    // One booking, paid once.
    expect(await balanceOf(customer.id)).toBe(8_000);
    const list = await api<{ bookings: Booking[] }>('GET', `/v1/customers/${customer.id}/bookings`);
    expect(list.body.bookings.map((b) => b.id)).toEqual([first.body.id]);
  });

  it('refuses 409 sold_out naming the category, what was asked and what is left', async () => {
    const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 3 }]);
    const customer = await newCustomer(10_000);
    const answer = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 4 }], payment: { method: 'wallet' } });
    const error = expectError(answer, 409, 'sold_out');
    expect(error.details).toMatchObject({ categoryId: 'floor', requested: 4, available: 3 });
    expect(await balanceOf(customer.id)).toBe(10_000);
  });

  it('refuses 409 seats_taken naming the taken seats, and 422 invalid_seats for seats the category does not have', async () => {
    const showId = await newShow([{ id: 'stalls', price: 4_000, capacity: 10, rows: [{ row: 'A', seats: 10 }] }]);
    const customer = await newCustomer(100_000);
    const first = await book({ customerId: customer.id, showId, items: [{ categoryId: 'stalls', seats: ['A-1', 'A-2'] }], payment: { method: 'wallet' } });
    expect(first.status).toBe(201);
    expect(first.body.items[0]).toMatchObject({ quantity: 2, seats: ['A-1', 'A-2'] });
    expect(first.body.tickets.map((t) => t.seat).sort()).toEqual(['A-1', 'A-2']);
    const taken = await book({ customerId: customer.id, showId, items: [{ categoryId: 'stalls', seats: ['A-2', 'A-3'] }], payment: { method: 'wallet' } });
    expect(expectError(taken, 409, 'seats_taken').details).toMatchObject({ categoryId: 'stalls', seats: ['A-2'] });
    const invalid = await book({ customerId: customer.id, showId, items: [{ categoryId: 'stalls', seats: ['Z-99'] }], payment: { method: 'wallet' } });
    expectError(invalid, 422, 'invalid_seats');
    // A-3 was not taken by the refused request.
    const after = await book({ customerId: customer.id, showId, items: [{ categoryId: 'stalls', seats: ['A-3'] }], payment: { method: 'wallet' } });
    expect(after.status).toBe(201);
  });

  it('refuses an unknown show or customer 404, a show not on sale 409, a bad body 400; a wallet short of funds fails the payment', async () => {
    const showId = await newShow([{ id: 'floor', price: 5_000, capacity: 4 }]);
    const draft = await newShow([{ id: 'floor', price: 5_000, capacity: 4 }], undefined, 'draft');
    const customer = await newCustomer(6_000);
    const items = [{ categoryId: 'floor', quantity: 2 }];
    expectError(await book({ customerId: customer.id, showId: 'no-such-show', items }), 404, 'unknown_show');
    expectError(await book({ customerId: 'no-such-customer', showId, items }), 404, 'unknown_customer');
    expectError(await book({ customerId: customer.id, showId: draft, items }), 409, 'show_not_on_sale');
    expect((await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 0 }] })).status).toBe(400);
    expectError(await book({ customerId: customer.id, showId, items: [{ categoryId: 'nope', quantity: 1 }] }), 422, 'unknown_category');
    const short = await book({ customerId: customer.id, showId, items, payment: { method: 'wallet' } });
    expect(short.status).toBe(201);
    expect(short.body).toMatchObject({ status: 'payment_failed', tickets: [] });
    expect(short.body.payments).toEqual([expect.objectContaining({ status: 'failed', failureReason: 'insufficient_funds' })]);
    expect(await balanceOf(customer.id)).toBe(6_000);
    const show = await api<{ categories: Array<{ available: number }> }>('GET', `/v1/shows/${showId}`);
    expect(show.body.categories[0]!.available).toBe(4);
  });

  it('sells each place once to buyers who come at once, and books once for requests under one Idempotency-Key at once', async () => {
    const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 5 }]);
    const buyers = await Promise.all(Array.from({ length: 10 }, () => newCustomer(5_000)));
    const answers = await Promise.all(buyers.map((b) =>
      book({ customerId: b.id, showId, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'wallet' } }, { token: b.token })));
    const confirmed = answers.filter((a) => a.status === 201 && a.body.status === 'confirmed');
    const soldOut = answers.filter((a) => a.status === 409 && (a.body as unknown as ErrorBody).error.code === 'sold_out');
    expect({ confirmed: confirmed.length, soldOut: soldOut.length }).toEqual({ confirmed: 5, soldOut: 5 });
    const show = await api<{ categories: Array<{ available: number; held: number; sold: number }> }>('GET', `/v1/shows/${showId}`);
    expect(show.body.categories[0]).toMatchObject({ available: 0, held: 0, sold: 5 });

    const other = await newShow([{ id: 'floor', price: 1_000, capacity: 5 }]);
    const customer = await newCustomer(10_000);
    const body = { customerId: customer.id, showId: other, items: [{ categoryId: 'floor', quantity: 2 }], payment: { method: 'wallet' } };
    const headers = { 'idempotency-key': fresh('key') };
    const same = await Promise.all([book(body, { headers }), book(body, { headers }), book(body, { headers })]);
    expect(same.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(same.map((a) => a.body.id)).size).toBe(1);
    expect(same.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(2);
    expect(await balanceOf(customer.id)).toBe(8_000);
    const otherShow = await api<{ categories: Array<{ available: number; held: number; sold: number }> }>('GET', `/v1/shows/${other}`);
    expect(otherShow.body.categories[0]).toMatchObject({ available: 3, held: 0, sold: 2 });
  });

  it('holds a customer token to its own customer: 403 booking for another, 404 reading another\'s booking or payment', async () => {
    const { booking } = await confirmedBooking(1);
    const other = await newCustomer(10_000);
    const forAnother = await book({ customerId: booking.customerId, showId: booking.showId, items: [{ categoryId: 'floor', quantity: 1 }] }, { token: other.token });
    expectError(forAnother, 403, 'forbidden');
    expectError(await api('GET', `/v1/bookings/${booking.id}`, { token: other.token }), 404, 'unknown_booking');
    expectError(await api('POST', `/v1/bookings/${booking.id}/cancel`, { token: other.token }), 404, 'unknown_booking');
    expectError(await api('GET', `/v1/payments/${booking.payments[0]!.id}`, { token: other.token }), 404, 'unknown_payment');
    expectError(await api('GET', `/v1/customers/${booking.customerId}/bookings`, { token: other.token }), 403, 'forbidden');
  });

  it('answers a card booking held with a pending payment, confirmed with tickets once the provider\'s webhook came', async () => {
    const showId = await newShow([{ id: 'floor', price: 3_000, capacity: 10 }]);
    const customer = await newCustomer(0);
    const answer = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 2 }], payment: { method: 'card' } }, { token: customer.token });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ status: 'held', total: 6_000, tickets: [] });
    expect(answer.body.payments).toEqual([expect.objectContaining({ method: 'card', amount: 6_000, status: 'pending' })]);
    const settled = await pollBooking(answer.body.id, (b) => b.status !== 'held', { token: customer.token });
    expect(settled.status).toBe('confirmed');
    expect(settled.version).toBeGreaterThan(answer.body.version);
    expect(settled.tickets).toHaveLength(2);
    expect(settled.payments[0]).toMatchObject({ status: 'succeeded', providerTransactionId: expect.any(String) as string });
    // The wallet was never touched.
    expect(await balanceOf(customer.id)).toBe(0);
    const payment = await api<BookingPayment>('GET', `/v1/payments/${settled.payments[0]!.id}`, { token: customer.token });
    expect(payment.status).toBe(200);
    expect(payment.body).toEqual(settled.payments[0]);
  });
});

describe('POST /v1/bookings/:id/cancel', () => {
  it('refuses a stale If-Match 412, cancels with the right one, refuses a second cancel 409 and refunds the wallet', async () => {
    const { booking, customer } = await confirmedBooking(2);
    expect(await balanceOf(customer.id)).toBe(98_000);
    const stale = await api('POST', `/v1/bookings/${booking.id}/cancel`, { token: customer.token, headers: { 'if-match': `"${booking.version - 1}"` } });
    expectError(stale, 412, 'version_mismatch');
    expect((await api<Booking>('GET', `/v1/bookings/${booking.id}`)).body.status).toBe('confirmed');
    const cancelled = await api<Booking>('POST', `/v1/bookings/${booking.id}/cancel`, { token: customer.token, headers: { 'if-match': `"${booking.version}"` } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.version).toBeGreaterThan(booking.version);
    expect(cancelled.headers.get('etag')).toBe(`"${cancelled.body.version}"`);
    expect(cancelled.body.tickets.map((t) => t.status)).toEqual(['voided', 'voided']);
    expect(cancelled.body.payments[0]).toMatchObject({ status: 'refunded', refunded: 2_000 });
    expectError(await api('POST', `/v1/bookings/${booking.id}/cancel`, { token: customer.token }), 409, 'booking_not_cancellable');
    expect(await balanceOf(customer.id)).toBe(100_000);
    // The places are back.
    const show = await api<{ categories: Array<{ id: string; available: number; sold: number; held: number }> }>('GET', `/v1/shows/${booking.showId}`);
    expect(show.body.categories[0]).toMatchObject({ id: 'floor', available: 10, sold: 0, held: 0 });
  });

  it('refunds a cancelled card booking through the provider: payment.refunded follows and the payment reads refunded', async () => {
    const showId = await newShow([{ id: 'floor', price: 3_000, capacity: 10 }]);
    const customer = await newCustomer(0);
    const stream = await SseClient.open(server.port, `/v1/customers/${customer.id}/events`, { authorization: `Bearer ${customer.token}` });
    try {
      const held = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'card' } }, { token: customer.token });
      const confirmed = await pollBooking(held.body.id, (b) => b.status !== 'held');
      expect(confirmed.status).toBe('confirmed');
      const cancelled = await api<Booking>('POST', `/v1/bookings/${held.body.id}/cancel`, { token: customer.token, headers: { 'if-match': `W/"${confirmed.version}"` } });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');
      await stream.waitFor(() => stream.events.some((e) => e.event === 'payment.refunded'), 'payment.refunded');
      expect(stream.events.map((e) => e.event)).toEqual(['booking.held', 'payment.succeeded', 'booking.confirmed', 'booking.cancelled', 'payment.refunded']);
      expect(stream.events.at(-1)!.data).toMatchObject({ id: confirmed.payments[0]!.id, status: 'refunded', refunded: 3_000, refundAmount: 3_000 });
      const payment = await api<BookingPayment>('GET', `/v1/payments/${confirmed.payments[0]!.id}`, { token: customer.token });
      expect(payment.body).toMatchObject({ status: 'refunded', refunded: 3_000 });
      // A card refund never touches the wallet.
      expect(await balanceOf(customer.id)).toBe(0);
    } finally {
      stream.close();
    }
  });
});

describe('races and other paths of the saga', () => {
  it('refunds a card payment that succeeds after its booking was cancelled while it was pending', async () => {
    const showId = await newShow([{ id: 'floor', price: 2_000, capacity: 10 }]);
    const customer = await newCustomer(0);
    const held = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'card' } });
    expect(held.body.payments[0]!.status).toBe('pending');
    // Cancelled before the provider's webhook (50 ms later) says the charge succeeded.
    const cancelled = await api<Booking>('POST', `/v1/bookings/${held.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const paymentId = held.body.payments[0]!.id;
    let payment = (await api<BookingPayment>('GET', `/v1/payments/${paymentId}`)).body;
    for (let i = 0; i < POLLS_MAX && payment.status !== 'refunded'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      payment = (await api<BookingPayment>('GET', `/v1/payments/${paymentId}`)).body;
    }
    expect(payment).toMatchObject({ status: 'refunded', refunded: 2_000 });
    const after = await api<Booking>('GET', `/v1/bookings/${held.body.id}`);
    expect(after.body).toMatchObject({ status: 'cancelled', tickets: [] });
    const show = await api<{ categories: Array<{ available: number }> }>('GET', `/v1/shows/${showId}`);
    expect(show.body.categories[0]!.available).toBe(10);
  });

  it('offers a waiting-list entry at once when its places are free, and confirms the offer paid by card after the webhook', async () => {
    const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 4 }]);
    const customer = await newCustomer(0);
    const joined = await api<{ status: string; bookingId?: string }>('POST', `/v1/shows/${showId}/waiting-list`, {
      token: customer.token, body: { customerId: customer.id, categoryId: 'floor', quantity: 3 },
    });
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ status: 'offered', bookingId: expect.any(String) as string });
    const paying = await api<Booking>('POST', `/v1/bookings/${joined.body.bookingId!}/pay`, { token: customer.token, body: { method: 'card' } });
    expect(paying.status).toBe(200);
    expect(paying.body).toMatchObject({ status: 'held', payments: [expect.objectContaining({ method: 'card', status: 'pending' })] });
    expectError(await api('POST', `/v1/bookings/${joined.body.bookingId!}/pay`, { token: customer.token, body: { method: 'card' } }), 409, 'booking_not_held');
    const confirmed = await pollBooking(joined.body.bookingId!, (b) => b.status !== 'held', { token: customer.token });
    expect(confirmed.status).toBe('confirmed');
    expect(confirmed.tickets).toHaveLength(3);
  });

  it('seats a together request side by side in one row', async () => {
    const showId = await newShow([{ id: 'stalls', price: 1_000, capacity: 12, rows: [{ row: 'A', seats: 6 }, { row: 'B', seats: 6 }] }]);
    const customer = await newCustomer(100_000);
    // taken: four together no longer fit in row A.
    expect((await book({ customerId: customer.id, showId, items: [{ categoryId: 'stalls', seats: ['A-2', 'A-5'] }], payment: { method: 'wallet' } })).status).toBe(201);
    const together = await book({ customerId: customer.id, showId, items: [{ categoryId: 'stalls', quantity: 4, together: true }], payment: { method: 'wallet' } });
    expect(together.status).toBe(201);
    const seats = together.body.items[0]!.seats!;
    expect(seats).toHaveLength(4);
    const rows = new Set(seats.map((s) => s.split('-')[0]));
    const numbers = seats.map((s) => Number(s.split('-')[1])).sort((a, b) => a - b);
    expect(rows).toEqual(new Set(['B']));
    expect(numbers.at(-1)! - numbers[0]!).toBe(3);
  });

  it('tells a voided ticket, a ticket of another show, and a checked-in ticket on the stream', async () => {
    const { booking, showId, customer } = await confirmedBooking(2);
    const otherShow = await newShow([{ id: 'floor', price: 1_000, capacity: 10 }]);
    const gate = tokens.machines['gate-1']!;
    const stream = await SseClient.open(server.port, `/v1/customers/${customer.id}/events`, { authorization: `Bearer ${customer.token}`, 'last-event-id': '0' });
    try {
      const at = new Date().toISOString();
      const wrongShow = await api<{ result: string }>('POST', '/v1/check-ins', { token: gate, body: { secret: booking.tickets[0]!.secret, gateId: 'g-1', scannedAt: at, nonce: fresh('scan'), showId: otherShow } });
      expect(wrongShow.body.result).toBe('wrong_show');
      const ok = await api<{ result: string }>('POST', '/v1/check-ins', { token: gate, body: { secret: booking.tickets[0]!.secret, gateId: 'g-1', scannedAt: at, nonce: fresh('scan') } });
      expect(ok.body.result).toBe('ok');
      await stream.waitFor(() => stream.events.some((e) => e.event === 'ticket.checked_in'), 'ticket.checked_in');
      expect(stream.events.find((e) => e.event === 'ticket.checked_in')!.data).toMatchObject({ ticketId: booking.tickets[0]!.id, bookingId: booking.id, showId, gateId: 'g-1' });
      expect((await api('POST', `/v1/bookings/${booking.id}/cancel`)).status).toBe(200);
      const voided = await api<{ result: string }>('POST', '/v1/check-ins', { token: gate, body: { secret: booking.tickets[1]!.secret, gateId: 'g-1', scannedAt: at, nonce: fresh('scan'), showId } });
      expect(voided.body.result).toBe('voided');
    } finally {
      stream.close();
    }
  });
});

describe('waiting list order and concurrent changes', () => {
  it('serves the line in order: a group that does not fit yet is not passed by a smaller one behind it', async () => {
    const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 3 }]);
    const holder = await newCustomer(10_000);
    const [big, small, late] = await Promise.all([newCustomer(10_000), newCustomer(10_000), newCustomer(10_000)]);
    const bought = await book({ customerId: holder.id, showId, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'wallet' } });
    const rest = await book({ customerId: holder.id, showId, items: [{ categoryId: 'floor', quantity: 2 }], payment: { method: 'wallet' } });
    expect([bought.body.status, rest.body.status]).toEqual(['confirmed', 'confirmed']);
    const join = (who: { id: string }, quantity: number): Promise<Answer<{ id: string; status: string; bookingId?: string }>> =>
      api('POST', `/v1/shows/${showId}/waiting-list`, { body: { customerId: who.id, categoryId: 'floor', quantity } });
    const bigEntry = await join(big, 2);
    const smallEntry = await join(small, 1);
    expect([bigEntry.body.status, smallEntry.body.status]).toEqual(['waiting', 'waiting']);
    // One place back: the first in line wants two, so no one is offered.
    expect((await api('POST', `/v1/bookings/${bought.body.id}/cancel`)).status).toBe(200);
    // Joining answers after a pass over the line, which runs after the one the cancel started: that one is done.
    expect((await join(late, 3)).body.status).toBe('waiting');
    const afterOne = await api<{ bookings: Booking[] }>('GET', `/v1/customers/${small.id}/bookings`);
    expect(afterOne.body.bookings).toEqual([]);
    // Two more: the first in line is offered its two, then the next its one.
    expect((await api('POST', `/v1/bookings/${rest.body.id}/cancel`)).status).toBe(200);
    const bigOffer = await pollList(big.id, 1);
    const smallOffer = await pollList(small.id, 1);
    expect(bigOffer.map((b) => [b.status, b.items[0]!.quantity])).toEqual([['held', 2]]);
    expect(smallOffer.map((b) => [b.status, b.items[0]!.quantity])).toEqual([['held', 1]]);
  });

  it('cancels a booking once when cancels come at once', async () => {
    const { booking, customer } = await confirmedBooking(2);
    const answers = await Promise.all(Array.from({ length: 4 }, () => api('POST', `/v1/bookings/${booking.id}/cancel`, { token: customer.token })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    expect(await balanceOf(customer.id)).toBe(100_000);
    const show = await api<{ categories: Array<{ available: number; sold: number }> }>('GET', `/v1/shows/${booking.showId}`);
    expect(show.body.categories[0]).toMatchObject({ available: 10, sold: 0 });
  });
});

/** A customer's bookings once there are at least `count` (read at most POLLS_MAX times). */
async function pollList(customerId: string, count: number): Promise<Booking[]> {
  let bookings = (await api<{ bookings: Booking[] }>('GET', `/v1/customers/${customerId}/bookings`)).body.bookings;
  for (let i = 0; i < POLLS_MAX && bookings.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    bookings = (await api<{ bookings: Booking[] }>('GET', `/v1/customers/${customerId}/bookings`)).body.bookings;
  }
  return bookings;
}

describe('reading bookings and payments', () => {
  it('pages a customer\'s bookings newest first with limit and cursor', async () => {
    const showId = await newShow([{ id: 'floor', price: 500, capacity: 20 }]);
    const customer = await newCustomer(10_000);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'wallet' } });
      made.push(answer.body.id);
    }
    type Page = { bookings: Booking[]; nextCursor: string | null };
    const first = await api<Page>('GET', `/v1/customers/${customer.id}/bookings?limit=2`, { token: customer.token });
    expect(first.status).toBe(200);
    expect(first.body.bookings.map((b) => b.id)).toEqual([made[2], made[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api<Page>('GET', `/v1/customers/${customer.id}/bookings?limit=2&cursor=${encodeURIComponent(first.body.nextCursor!)}`, { token: customer.token });
    expect(second.status).toBe(200);
    expect(second.body.bookings.map((b) => b.id)).toEqual([made[0]]);
    expect(second.body.nextCursor).toBeNull();
    expect((await api('GET', `/v1/customers/${customer.id}/bookings?limit=0`)).status).toBe(400);
  });

  it('reads a payment by id (admin) and answers 404 unknown_payment for an id that is none', async () => {
    const { booking } = await confirmedBooking(1);
    const payment = await api<BookingPayment>('GET', `/v1/payments/${booking.payments[0]!.id}`);
    expect(payment.status).toBe(200);
    expect(payment.body).toMatchObject({ id: booking.payments[0]!.id, bookingId: booking.id, method: 'wallet', amount: 1_000, status: 'succeeded', refunded: 0 });
    expectError(await api('GET', '/v1/payments/pay-nothing'), 404, 'unknown_payment');
  });
});

describe('POST /v1/payments/webhook', () => {
  const post = (body: string, signature?: string): Promise<Answer> =>
    api('POST', '/v1/payments/webhook', { token: null, body, headers: signature === undefined ? {} : { [SIGNATURE_HEADER]: signature } });

  it('refuses a missing or bad signature 400, answers 404 for an unknown payment, and applies an event id once', async () => {
    const { booking } = await confirmedBooking(1);
    const payment = booking.payments[0]!;
    const event = { type: 'charge.succeeded', id: fresh('evt'), paymentId: payment.id, providerTransactionId: 'txn-test', amount: payment.amount, createdAt: Date.now() };
    const text = JSON.stringify(event);
    expectError(await post(text), 400, 'invalid_signature');
    expectError(await post(text, signWebhook(text, 'not-the-secret-but-long-enough', Date.now())), 400, 'invalid_signature');
    expectError(await post(text, 't=1,v1=zz'), 400, 'invalid_signature');
    const unknown = JSON.stringify({ ...event, id: fresh('evt'), paymentId: 'pay-nobody' });
    expectError(await post(unknown, signWebhook(unknown, WEBHOOK_SECRET, Date.now())), 404, 'unknown_payment');
    const applied = await post(text, signWebhook(text, WEBHOOK_SECRET, Date.now()));
    expect(applied).toMatchObject({ status: 200, body: { applied: true } });
    // The same event delivered again, signed anew (another timestamp: the same signature would be a replay).
    const again = await post(text, signWebhook(text, WEBHOOK_SECRET, Date.now() - 2_000));
    expect(again).toMatchObject({ status: 200, body: { applied: false } });
    // A late duplicate of a settled charge changes nothing.
    expect((await api<Booking>('GET', `/v1/bookings/${booking.id}`)).body).toEqual(booking);
  });
});

describe('waiting list', () => {
  it('offers returned places to the first in line over SSE (waitlist.offered), who pays the held booking', async () => {
    const showId = await newShow([{ id: 'floor', price: 1_500, capacity: 2 }]);
    const { id: holderId } = await newCustomer(10_000);
    const waiter = await newCustomer(10_000);
    const bought = await book({ customerId: holderId, showId, items: [{ categoryId: 'floor', quantity: 2 }], payment: { method: 'wallet' } });
    expect(bought.body.status).toBe('confirmed');
    const refused = await book({ customerId: waiter.id, showId, items: [{ categoryId: 'floor', quantity: 2 }], payment: { method: 'wallet' } }, { token: waiter.token });
    expectError(refused, 409, 'sold_out');
    const joined = await api<{ id: string; status: string }>('POST', `/v1/shows/${showId}/waiting-list`, {
      token: waiter.token, body: { customerId: waiter.id, categoryId: 'floor', quantity: 2 },
    });
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ showId, customerId: waiter.id, categoryId: 'floor', quantity: 2, status: 'waiting' });
    const stream = await SseClient.open(server.port, `/v1/customers/${waiter.id}/events`, { authorization: `Bearer ${waiter.token}` });
    try {
      expect(stream.status).toBe(200);
      expect((await api('POST', `/v1/bookings/${bought.body.id}/cancel`)).status).toBe(200);
      await stream.waitFor(() => stream.events.some((e) => e.event === 'waitlist.offered'), 'waitlist.offered');
      const offer = stream.events.find((e) => e.event === 'waitlist.offered')!.data as WaitlistOfferData;
      expect(offer.entry).toMatchObject({ id: joined.body.id, status: 'offered', bookingId: offer.booking.id });
      expect(offer.booking).toMatchObject({ customerId: waiter.id, showId, status: 'held', total: 3_000, payments: [], waitingListEntryId: joined.body.id });
      const paid = await api<Booking>('POST', `/v1/bookings/${offer.booking.id}/pay`, { token: waiter.token, body: { method: 'wallet' } });
      expect(paid.status).toBe(200);
      expect(paid.body.status).toBe('confirmed');
      expect(paid.body.tickets).toHaveLength(2);
      expect(paid.headers.get('etag')).toBe(`"${paid.body.version}"`);
      expectError(await api('POST', `/v1/bookings/${offer.booking.id}/pay`, { token: waiter.token, body: { method: 'wallet' } }), 409, 'booking_not_held');
      expect(await balanceOf(waiter.id)).toBe(7_000);
    } finally {
      stream.close();
    }
  });
});

describe('check-in', () => {
  const scan = (secret: string, showId: string, nonce: string, token: string, scannedAt = new Date().toISOString()): Promise<Answer<{ result: string; firstCheckIn?: { at: string; gateId: string } }>> =>
    api('POST', '/v1/check-ins', { token, body: { secret, gateId: 'north-1', scannedAt, nonce, showId } });

  it('admits a ticket once with a machine token, tells a second scan when it was first used, answers a nonce again as before', async () => {
    const { booking, showId, customer } = await confirmedBooking(2);
    const gate = tokens.machines['gate-1']!;
    const [ticket] = booking.tickets;
    const nonce = fresh('scan');
    const scannedAt = new Date().toISOString();
    const first = await scan(ticket!.secret, showId, nonce, gate, scannedAt);
    expect(first).toMatchObject({ status: 200, body: { result: 'ok' } });
    const second = await scan(ticket!.secret, showId, fresh('scan'), gate);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ result: 'already_checked_in', firstCheckIn: { gateId: 'north-1', at: expect.any(String) as string } });
    // The same scan uploaded again (an offline scanner syncing) is answered as the first time; the nonce with
    // another scan is refused.
    const resent = await scan(ticket!.secret, showId, nonce, gate, scannedAt);
    expect(resent).toMatchObject({ status: 200, body: first.body });
    expectError(await scan(booking.tickets[1]!.secret, showId, nonce, gate, scannedAt), 409, 'nonce_reused');
    expectError(await scan(booking.tickets[1]!.secret, showId, fresh('scan'), customer.token), 403, 'forbidden');
    const forged = await scan(`${ticket!.secret.slice(0, -4)}AAAA`, showId, fresh('scan'), gate);
    expect(forged.status).toBe(200);
    expect(forged.body.result).not.toBe('ok');
  });

  it('lists a show\'s tickets, the voided and the checked-in ones, and the keys to verify secrets', async () => {
    const { booking: kept, showId } = await confirmedBooking(2);
    const customer = await newCustomer(10_000);
    const voided = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'wallet' } });
    expect((await api('POST', `/v1/bookings/${voided.body.id}/cancel`)).status).toBe(200);
    const gate = tokens.machines['gate-1']!;
    expect((await scan(kept.tickets[0]!.secret, showId, fresh('scan'), gate)).body.result).toBe('ok');
    type List = { showId: string; ticketIds: string[]; voidedTicketIds: string[]; checkedInTicketIds: string[]; keys: Array<{ keyId: number; publicKey: string }> };
    const list = await api<List>('GET', `/v1/shows/${showId}/check-in-list`, { token: gate });
    expect(list.status).toBe(200);
    const keptIds = kept.tickets.map((t) => t.id);
    const voidedIds = voided.body.tickets.map((t) => t.id);
    expect([...list.body.ticketIds].sort()).toEqual([...keptIds, ...voidedIds].sort());
    expect(list.body.voidedTicketIds).toEqual(voidedIds);
    expect(list.body.checkedInTicketIds).toEqual([keptIds[0]]);
    expect(list.body.keys.length).toBeGreaterThan(0);
    for (const key of list.body.keys) expect(key.publicKey).toContain('-----BEGIN PUBLIC KEY-----');
    expectError(await api('GET', `/v1/shows/${showId}/check-in-list`, { token: customer.token }), 403, 'forbidden');
    expectError(await api('GET', '/v1/shows/no-such-show/check-in-list', { token: gate }), 404, 'unknown_show');
  });
});

describe('a customer\'s event stream', () => {
  it('carries booking.held, payment.succeeded, booking.confirmed in order with rising ids, and resumes after Last-Event-ID', async () => {
    const showId = await newShow([{ id: 'floor', price: 2_000, capacity: 10 }]);
    const customer = await newCustomer(0);
    const auth = { authorization: `Bearer ${customer.token}` };
    const stream = await SseClient.open(server.port, `/v1/customers/${customer.id}/events`, auth);
    let resumed: SseClient | undefined;
    try {
      expect(stream.status).toBe(200);
      const answer = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'card' } }, { token: customer.token });
      expect(answer.status).toBe(201);
      await stream.waitFor(() => stream.events.some((e) => e.event === 'booking.confirmed'), 'booking.confirmed');
      const { events } = stream;
      expect(events.map((e) => e.event)).toEqual(['booking.held', 'payment.succeeded', 'booking.confirmed']);
      const ids = events.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(3);
      expect(events[0]!.data).toMatchObject({ id: answer.body.id, status: 'held' });
      expect(events[1]!.data).toMatchObject({ bookingId: answer.body.id, status: 'succeeded', booking: { id: answer.body.id, status: 'held' } });
      expect(events[2]!.data).toMatchObject({ id: answer.body.id, status: 'confirmed' });
      stream.close();
      resumed = await SseClient.open(server.port, `/v1/customers/${customer.id}/events`, { ...auth, 'last-event-id': String(ids[0]) });
      expect(resumed.status).toBe(200);
      await resumed.waitForEvents(2);
      // A new booking after the resume arrives after the replayed events; nothing is told twice.
      const next = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'card' } }, { token: customer.token });
      const r = resumed;
      await r.waitFor(() => r.events.some((e) => e.event === 'booking.confirmed' && (e.data as Booking).id === next.body.id), 'the second booking.confirmed');
      expect(r.events.slice(0, 2).map((e) => [e.id, e.event])).toEqual([[ids[1], 'payment.succeeded'], [ids[2], 'booking.confirmed']]);
      const resumedIds = r.events.map((e) => e.id);
      expect(new Set(resumedIds).size).toBe(resumedIds.length);
      expect(resumedIds).toEqual([...resumedIds].sort((a, b) => a - b));
      expect(resumedIds.every((id) => id > ids[0]!)).toBe(true);
      expect(r.events.slice(2).map((e) => e.event)).toEqual(['booking.held', 'payment.succeeded', 'booking.confirmed']);
    } finally {
      stream.close();
      resumed?.close();
    }
  });
});

describe('holds that run out, cards that are declined (a server with 1 s holds and a provider that declines every charge)', () => {
  let short: Target | undefined;
  beforeAll(async () => {
    short = await startTarget(1, { delayMs: 50, failureRate: 1 });
  });
  afterAll(() => stopTarget(short));

  it('expires a booking held without payment, gives its places back, and refuses to pay it afterwards', async () => {
    const at = short!;
    const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 2 }], at);
    const customer = await newCustomer(10_000, at);
    const stream = await SseClient.open(at.running.port, `/v1/customers/${customer.id}/events`, { authorization: `Bearer ${customer.token}` });
    try {
      const held = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 2 }] }, { at, token: customer.token });
      expect(held.status).toBe(201);
      expect(held.body).toMatchObject({ status: 'held', payments: [], tickets: [] });
      const expired = await pollBooking(held.body.id, (b) => b.status !== 'held', { at });
      expect(expired.status).toBe('expired');
      const show = await api<{ categories: Array<{ available: number; held: number }> }>('GET', `/v1/shows/${showId}`, { at });
      expect(show.body.categories[0]).toMatchObject({ available: 2, held: 0 });
      expectError(await api('POST', `/v1/bookings/${held.body.id}/pay`, { at, token: customer.token, body: { method: 'wallet' } }), 409, 'booking_not_held');
      expectError(await api('POST', `/v1/bookings/${held.body.id}/cancel`, { at, token: customer.token }), 409, 'booking_not_cancellable');
      await stream.waitFor(() => stream.events.some((e) => e.event === 'booking.expired'), 'booking.expired');
      expect(stream.events.map((e) => e.event)).toEqual(['booking.held', 'booking.expired']);
      expect(await balanceOf(customer.id, at)).toBe(10_000);
    } finally {
      stream.close();
    }
  });

  it('offers the places of an expired hold to the waiting list', async () => {
    const at = short!;
    const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 2 }], at);
    const [holder, waiter] = await Promise.all([newCustomer(10_000, at), newCustomer(10_000, at)]);
    const held = await book({ customerId: holder.id, showId, items: [{ categoryId: 'floor', quantity: 2 }] }, { at });
    expect(held.body.status).toBe('held');
    const joined = await api<{ status: string }>('POST', `/v1/shows/${showId}/waiting-list`, { at, body: { customerId: waiter.id, categoryId: 'floor', quantity: 2 } });
    expect(joined.body.status).toBe('waiting');
    expect((await pollBooking(held.body.id, (b) => b.status !== 'held', { at })).status).toBe('expired');
    let offered: Booking[] = [];
    for (let i = 0; i < POLLS_MAX && offered.length === 0; i++) {
      offered = (await api<{ bookings: Booking[] }>('GET', `/v1/customers/${waiter.id}/bookings`, { at })).body.bookings;
      if (offered.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(offered.map((b) => [b.status, b.items[0]!.quantity])).toEqual([['held', 2]]);
    const paid = await api<Booking>('POST', `/v1/bookings/${offered[0]!.id}/pay`, { at, body: { method: 'wallet' } });
    expect(paid.body.status).toBe('confirmed');
  });

  it('fails a declined card booking (payment_failed) and gives its places back', async () => {
    const at = short!;
    const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 2 }], at);
    const customer = await newCustomer(0, at);
    const held = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 2 }], payment: { method: 'card' } }, { at });
    expect(held.status).toBe(201);
    const failed = await pollBooking(held.body.id, (b) => b.status !== 'held', { at });
    expect(failed.status).toBe('payment_failed');
    expect(failed.payments).toEqual([expect.objectContaining({ method: 'card', status: 'failed', failureReason: expect.any(String) as string })]);
    expect(failed.tickets).toEqual([]);
    const show = await api<{ categories: Array<{ available: number }> }>('GET', `/v1/shows/${showId}`, { at });
    expect(show.body.categories[0]!.available).toBe(2);
  });
});
