/**
 * The booking routes (issue 10) over real HTTP, what happens after the sale: the waiting list (offers over SSE, paid
 * by wallet or card, the line served in order), check-in at the gate and the check-in list, a customer's event stream
 * in order and resumed, and, on a second server with 1 s holds and a card provider that declines every charge, holds
 * that expire and declined cards. The servers and the requests are booking-server.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Booking, WaitlistOfferData } from '../../src/box-office/booking-types.ts';
import type { SseClient } from './sse-client.ts';
import { expectError, startTarget, stopTarget, useBookingServer, type Answer, type Target } from './booking-server.ts';

const { target, api, fresh, newShow, newCustomer, book, balanceOf, pollBooking, pollList, confirmedBooking, openStream } = useBookingServer();

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
    const stream = await openStream(waiter);
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
});

describe('waiting list order', () => {
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
});

describe('check-in', () => {
  const scan = (secret: string, showId: string, nonce: string, token: string, scannedAt = new Date().toISOString()): Promise<Answer<{ result: string; firstCheckIn?: { at: string; gateId: string } }>> =>
    api('POST', '/v1/check-ins', { token, body: { secret, gateId: 'north-1', scannedAt, nonce, showId } });

  it('admits a ticket once with a machine token, tells a second scan when it was first used, answers a nonce again as before', async () => {
    const { booking, showId, customer } = await confirmedBooking(2);
    const gate = target().tokens.machines['gate-1']!;
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
    const gate = target().tokens.machines['gate-1']!;
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

  it('tells a voided ticket, a ticket of another show, and a checked-in ticket on the stream', async () => {
    const { booking, showId, customer } = await confirmedBooking(2);
    const otherShow = await newShow([{ id: 'floor', price: 1_000, capacity: 10 }]);
    const gate = target().tokens.machines['gate-1']!;
    const stream = await openStream(customer, { headers: { 'last-event-id': '0' } });
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

describe('a customer\'s event stream', () => {
  it('carries booking.held, payment.succeeded, booking.confirmed in order with rising ids, and resumes after Last-Event-ID', async () => {
    const showId = await newShow([{ id: 'floor', price: 2_000, capacity: 10 }]);
    const customer = await newCustomer(0);
    const stream = await openStream(customer);
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
      resumed = await openStream(customer, { headers: { 'last-event-id': String(ids[0]) } });
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
    const stream = await openStream(customer, { at });
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
    const offered = await pollList(waiter.id, 1, at);
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
