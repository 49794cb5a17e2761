/**
 * The booking routes (issue 10) over real HTTP, payments: a card booking confirmed by the provider's webhook, cancels
 * with If-Match and their wallet and card refunds, a charge that succeeds after its booking was cancelled, cancels at
 * once, and the signed webhook route. The server and the requests are booking-server.ts's.
 */
import { describe, expect, it } from 'vitest';
import type { Booking, BookingPayment } from '../../src/box-office/booking-types.ts';
import { signWebhook, SIGNATURE_HEADER } from '../../src/payments/webhook-signature.ts';
import { expectError, pollUntil, useBookingServer, WEBHOOK_SECRET, type Answer } from './booking-server.ts';

const { api, fresh, newShow, newCustomer, book, balanceOf, pollBooking, confirmedBooking, openStream } = useBookingServer();

describe('POST /v1/bookings paid by card', () => {
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
    const stream = await openStream(customer);
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

describe('races of cancels and payments', () => {
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
    const readPayment = async (): Promise<BookingPayment> => (await api<BookingPayment>('GET', `/v1/payments/${paymentId}`)).body;
    const payment = await pollUntil(readPayment, (p) => p.status === 'refunded');
    expect(payment).toMatchObject({ status: 'refunded', refunded: 2_000 });
    const after = await api<Booking>('GET', `/v1/bookings/${held.body.id}`);
    expect(after.body).toMatchObject({ status: 'cancelled', tickets: [] });
    const show = await api<{ categories: Array<{ available: number }> }>('GET', `/v1/shows/${showId}`);
    expect(show.body.categories[0]!.available).toBe(10);
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
