/**
 * The booking routes (issue 10) over real HTTP, booking itself: a wallet booking and its ETag, Idempotency-Key replay
 * and reuse, the refusals (sold_out, seats_taken, invalid_seats, unknown show or customer, not on sale, a bad body),
 * no oversell under buyers at once, seats together, a customer token held to its own customer, and reading bookings
 * and payments. The server and the requests are booking-server.ts's.
 */
import { describe, expect, it } from 'vitest';
import type { Booking, BookingPayment } from '../../src/box-office/booking-types.ts';
import { expectError, useBookingServer, type ErrorBody } from './booking-server.ts';

const { api, fresh, newShow, newCustomer, book, balanceOf, confirmedBooking } = useBookingServer();

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
});

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
