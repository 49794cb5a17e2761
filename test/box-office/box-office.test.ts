/**
 * The booking saga end to end inside one engine, in virtual time: hold → pay → confirm with tickets, each
 * compensation (failed payment, expiry, late payment, cancellation), idempotency, the waiting list, check-in,
 * and the events each step leaves in the customer's stream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BoxOfficeError } from '../../src/box-office/box-office-error.ts';
import type { BookingRequest } from '../../src/box-office/booking-types.ts';
import { startBoxOffice, type BoxOfficeHarness } from './box-office-harness.ts';

let h: BoxOfficeHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const wallet = (items: BookingRequest['items'], customerId = 'customer-1'): BookingRequest => ({
  customerId, showId: 'gala', items, payment: { method: 'wallet' },
});

async function refusal(work: Promise<unknown>): Promise<BoxOfficeError> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BoxOfficeError);
  return error as BoxOfficeError;
}

function balanceOf(x: BoxOfficeHarness, id: string): number {
  return x.store.getCustomer(id)!.balance;
}

describe('the booking saga', () => {
  it('confirms a wallet booking at once: debit, tickets with signed secrets, events in order', async () => {
    h = await startBoxOffice();
    const before = balanceOf(h, 'customer-1');
    const { booking } = await h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'stalls', quantity: 2, together: true }])));
    expect(booking).toMatchObject({ status: 'confirmed', total: 9_000, currency: 'EUR', version: 2 });
    expect(booking.items).toEqual([{ categoryId: 'stalls', quantity: 2, seats: ['A-1', 'A-2'], unitPrice: 4_500, amount: 9_000 }]);
    expect(booking.payments).toMatchObject([{ method: 'wallet', status: 'succeeded', amount: 9_000 }]);
    expect(booking.tickets.map((t) => [t.seat, t.status])).toEqual([['A-1', 'valid'], ['A-2', 'valid']]);
    expect(balanceOf(h, 'customer-1')).toBe(before - 9_000);
    const types = h.notifications.filter((n) => n.customerId === 'customer-1').map((n) => n.type);
    expect(types).toEqual(['booking.held', 'payment.succeeded', 'booking.confirmed']);
    const snapshot = await h.run(h.engine.boxOffice.snapshot('gala'));
    expect(snapshot?.available.find((a) => a.categoryId === 'stalls')).toMatchObject({ sold: 2, held: 0, available: 4 });
    expect(snapshot?.seatMaps.stalls?.rows[0]).toEqual({ row: 'A', seats: 3, taken: [1, 2] });
    expect(h.store.auditBalances().every((a) => a.balance === a.ledgerSum)).toBe(true);
  });

  it('refuses what is not there: sold_out with counts, seats_taken naming the seats', async () => {
    h = await startBoxOffice();
    await h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'floor', quantity: 3 }])));
    const soldOut = await refusal(h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'floor', quantity: 2 }], 'customer-2'))));
    expect(soldOut.code).toBe('sold_out');
    expect(soldOut.details).toMatchObject({ categoryId: 'floor', requested: 2, available: 1 });
    await h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'stalls', seats: ['B-2'] }], 'customer-3')));
    const taken = await refusal(h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'stalls', seats: ['B-1', 'B-2'] }], 'customer-2'))));
    expect(taken.code).toBe('seats_taken');
    expect(taken.details?.seats).toEqual(['B-2']);
  });

  it('fails a wallet payment that the balance does not cover and gives the seats back', async () => {
    h = await startBoxOffice();
    const poor = 'customer-3';
    await h.run(h.engine.topUp(poor, 'tu-none', 1)); // keeps the customer; the demo balance is 100.00
    const { booking } = await h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'stalls', quantity: 3 }], poor)));
    expect(booking.status).toBe('payment_failed');
    expect(booking.payments[0]).toMatchObject({ status: 'failed', failureReason: 'insufficient_funds' });
    const snapshot = await h.run(h.engine.boxOffice.snapshot('gala'));
    expect(snapshot?.available.find((a) => a.categoryId === 'stalls')?.available).toBe(6);
  });

  it('answers the same booking for the same Idempotency-Key and body, and refuses another body under it', async () => {
    h = await startBoxOffice();
    const request = wallet([{ categoryId: 'floor', quantity: 1 }]);
    const first = await h.run(h.engine.boxOffice.book(request, 'key-1'));
    const again = await h.run(h.engine.boxOffice.book(request, 'key-1'));
    expect(again).toEqual({ booking: first.booking, replayed: true });
    expect((await refusal(h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'floor', quantity: 2 }]), 'key-1')))).code).toBe('idempotency_key_reused');
    const snapshot = await h.run(h.engine.boxOffice.snapshot('gala'));
    expect(snapshot?.available.find((a) => a.categoryId === 'floor')?.sold).toBe(1);
  });

  it('confirms a card booking when the webhook says it succeeded', async () => {
    h = await startBoxOffice({ cardDelayMs: 500 });
    const { booking } = await h.run(h.engine.boxOffice.book({ customerId: 'customer-1', showId: 'gala', items: [{ categoryId: 'floor', quantity: 2 }], payment: { method: 'card' } }));
    expect(booking.status).toBe('held');
    expect(booking.payments[0]).toMatchObject({ method: 'card', status: 'pending' });
    await h.kit.advance(600);
    const after = h.engine.boxOffice.getBooking(booking.id)!;
    expect(after.status).toBe('confirmed');
    expect(after.payments[0]?.status).toBe('succeeded');
    expect(after.tickets).toHaveLength(2);
  });

  it('releases the hold when the card payment fails', async () => {
    h = await startBoxOffice({ cardFailureRate: 1 });
    const { booking } = await h.run(h.engine.boxOffice.book({ customerId: 'customer-1', showId: 'gala', items: [{ categoryId: 'floor', quantity: 4 }], payment: { method: 'card' } }));
    await h.kit.advance(600);
    expect(h.engine.boxOffice.getBooking(booking.id)).toMatchObject({ status: 'payment_failed', payments: [{ status: 'failed', failureReason: 'card_declined' }] });
    const snapshot = await h.run(h.engine.boxOffice.snapshot('gala'));
    expect(snapshot?.available.find((a) => a.categoryId === 'floor')?.available).toBe(4);
  });

  it('expires an unpaid hold, and refunds a payment that succeeds after its hold expired', async () => {
    h = await startBoxOffice({ holdMs: 1_000, cardDelayMs: 5_000 });
    const unpaid = await h.run(h.engine.boxOffice.book({ customerId: 'customer-1', showId: 'gala', items: [{ categoryId: 'floor', quantity: 1 }] }));
    const late = await h.run(h.engine.boxOffice.book({ customerId: 'customer-2', showId: 'gala', items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'card' } }));
    await h.kit.advance(1_100);
    expect(h.engine.boxOffice.getBooking(unpaid.booking.id)?.status).toBe('expired');
    expect(h.engine.boxOffice.getBooking(late.booking.id)?.status).toBe('expired');
    await h.kit.advance(5_000); // the charge succeeds: refunded
    await h.kit.advance(5_000); // the refund's webhook
    const refunded = h.engine.boxOffice.getBooking(late.booking.id)!;
    expect(refunded.payments[0]).toMatchObject({ status: 'refunded', refunded: refunded.total });
    expect(h.notifications.filter((n) => n.customerId === 'customer-2').map((n) => n.type))
      .toEqual(['booking.held', 'booking.expired', 'payment.succeeded', 'payment.refunded']);
  });

  it('cancels with If-Match: seats back, tickets voided, the wallet refunded; stale versions and second cancels refused', async () => {
    h = await startBoxOffice();
    const before = balanceOf(h, 'customer-1');
    const { booking } = await h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'stalls', seats: ['A-3'] }])));
    expect((await refusal(h.run(h.engine.boxOffice.cancel(booking.id, 1)))).code).toBe('version_mismatch');
    const cancelled = await h.run(h.engine.boxOffice.cancel(booking.id, booking.version));
    expect(cancelled).toMatchObject({ status: 'cancelled', version: booking.version + 1 });
    expect(cancelled.tickets.map((t) => t.status)).toEqual(['voided']);
    expect(cancelled.payments[0]).toMatchObject({ status: 'refunded', refunded: 4_500 });
    expect(balanceOf(h, 'customer-1')).toBe(before);
    expect((await refusal(h.run(h.engine.boxOffice.cancel(booking.id)))).code).toBe('booking_not_cancellable');
    const snapshot = await h.run(h.engine.boxOffice.snapshot('gala'));
    expect(snapshot?.seatMaps.stalls?.rows[0]?.taken).toEqual([]);
    expect(h.store.auditBalances().every((a) => a.balance === a.ledgerSum)).toBe(true);
  });

  it('offers released seats to the waiting list in order, respecting group size', async () => {
    h = await startBoxOffice({ holdMs: 1_000 });
    const all = await h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'floor', quantity: 4 }])));
    const pair = await h.run(h.engine.boxOffice.joinWaitingList('gala', { customerId: 'customer-2', categoryId: 'floor', quantity: 2 }));
    const single = await h.run(h.engine.boxOffice.joinWaitingList('gala', { customerId: 'customer-3', categoryId: 'floor', quantity: 1 }));
    expect(pair.status).toBe('waiting');
    await h.run(h.engine.boxOffice.cancel(all.booking.id));
    await h.kit.settle();
    const offers = h.notifications.filter((n) => n.type === 'waitlist.offered');
    expect(offers.map((n) => n.customerId)).toEqual(['customer-2', 'customer-3']);
    const offered = h.store.bookings.waitingEntry(pair.id)!;
    expect(offered.status).toBe('offered');
    const held = h.engine.boxOffice.getBooking(offered.bookingId!)!;
    expect(held).toMatchObject({ status: 'held', waitingListEntryId: pair.id, total: 4_000 });
    const paid = await h.run(h.engine.boxOffice.pay(held.id, 'wallet'));
    expect(paid.status).toBe('confirmed');
    expect(h.store.bookings.waitingEntry(single.id)?.status).toBe('offered');
  });

  it('checks a ticket in once: ok, then already_checked_in with the first gate; a replayed nonce answers the same', async () => {
    h = await startBoxOffice();
    const { booking } = await h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'floor', quantity: 1 }])));
    const secret = booking.tickets[0]!.secret;
    const now = h.kit.clock.now();
    const first = await h.run(h.engine.boxOffice.checkIn({ secret, gateId: 'north', scannedAt: now, nonce: 'n-1' }));
    expect(first).toEqual({ result: 'ok' });
    const again = await h.run(h.engine.boxOffice.checkIn({ secret, gateId: 'south', scannedAt: now + 1, nonce: 'n-2' }));
    expect(again).toEqual({ result: 'already_checked_in', firstCheckIn: { at: now, gateId: 'north' } });
    expect(await h.run(h.engine.boxOffice.checkIn({ secret, gateId: 'north', scannedAt: now, nonce: 'n-1' }))).toEqual({ result: 'ok' });
    expect((await refusal(h.run(h.engine.boxOffice.checkIn({ secret, gateId: 'east', scannedAt: now, nonce: 'n-1' })))).code).toBe('nonce_reused');
    expect((await h.run(h.engine.boxOffice.checkIn({ secret: 'garbage', gateId: 'north', scannedAt: now, nonce: 'n-3' }))).result).toBe('invalid_signature');
    const list = h.engine.boxOffice.checkInList('gala')!;
    expect(list.ticketIds).toEqual([booking.tickets[0]!.id]);
    expect(list.checkedInTicketIds).toEqual([booking.tickets[0]!.id]);
    expect(list.keys).toHaveLength(1);
    expect(h.notifications.some((n) => n.type === 'ticket.checked_in')).toBe(true);
  });

  it('refuses a voided ticket at the gate', async () => {
    h = await startBoxOffice();
    const { booking } = await h.run(h.engine.boxOffice.book(wallet([{ categoryId: 'floor', quantity: 1 }])));
    await h.run(h.engine.boxOffice.cancel(booking.id));
    const answer = await h.run(h.engine.boxOffice.checkIn({ secret: booking.tickets[0]!.secret, gateId: 'g', scannedAt: h.kit.clock.now(), nonce: 'v-1' }));
    expect(answer.result).toBe('voided');
  });
});
