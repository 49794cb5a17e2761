/**
 * The domain event feed (issue 11) read from a real store after a mixed workload driven through the engine in
 * virtual time: taps (issued and rejected), top-ups, wallet and card bookings with a failed card payment, and a
 * cancellation with its refund. The feed holds every row of the log exactly once, in order, with each aggregate's
 * versions 1..n; filters and cursors page it; a saga's events share the correlation id of the request that began it.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BookingRequest } from '../../src/box-office/booking-types.ts';
import { FEED_SCAN_ROWS_MAX, type FeedEvent, type FeedPage, type FeedQuery } from '../../src/store/event-feed.ts';
import { startBoxOffice, type BoxOfficeHarness } from '../box-office/box-office-harness.ts';
import { makeHarness, makeTap, rejected, T0, type Harness } from './helpers.ts';

let h: BoxOfficeHarness | undefined;
let store: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  store?.cleanup();
  store = undefined;
});

const booking = (customerId: string, method: 'wallet' | 'card', quantity = 1): BookingRequest => ({
  customerId, showId: 'gala', items: [{ categoryId: 'floor', quantity }], payment: { method },
});

/** Every page of the feed from the start, following `nextCursor` until a page comes back empty at the log's head. */
function readAll(read: (q: FeedQuery) => FeedPage, query: Omit<FeedQuery, 'after'> = {}): FeedEvent[] {
  const events: FeedEvent[] = [];
  let after = 0;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = read({ ...query, after });
    events.push(...page.events);
    const next = Number(page.nextCursor);
    if (page.events.length === 0 && next === after) return events;
    expect(next).toBeGreaterThan(after);
    after = next;
  }
  throw new Error('the feed did not end');
}

/** Taps, top-ups, a confirmed wallet booking then cancelled (refunded), a card booking whose payment fails. */
async function mixedWorkload(x: BoxOfficeHarness): Promise<{ cancelled: string; failed: string }> {
  const office = x.engine.boxOffice;
  await x.run(x.engine.submitTaps([
    x.tap({ customerId: 'customer-1', rideId: 'ride-a' }),
    x.tap({ customerId: 'customer-2', rideId: 'ride-b' }),
    x.tap({ customerId: 'customer-1', rideId: 'no-such-ride' }),
  ]));
  await x.run(x.engine.topUp('customer-1', 'topup-1', 2_500, { requestId: 'req-topup' }));
  const wallet = await x.run(office.book(booking('customer-1', 'wallet', 2), undefined, { requestId: 'req-book' }));
  await x.run(x.engine.submitTaps([x.tap({ customerId: 'customer-1', rideId: 'ride-c' })]));
  const card = await x.run(office.book(booking('customer-2', 'card'), undefined, { requestId: 'req-card' }));
  await x.run(office.cancel(wallet.booking.id, undefined, { requestId: 'req-cancel' }));
  await x.kit.advance(600); // the card's webhook: declined
  await x.run(x.engine.topUp('customer-2', 'topup-2', 1_000));
  expect(office.getBooking(card.booking.id)?.status).toBe('payment_failed');
  expect(office.getBooking(wallet.booking.id)?.status).toBe('cancelled');
  return { cancelled: wallet.booking.id, failed: card.booking.id };
}

function logIds(dir: string): number[] {
  const db = new Database(path.join(dir, 'ticketd.db'), { readonly: true });
  try {
    return db.prepare('SELECT id FROM events ORDER BY id').pluck().all() as number[];
  } finally {
    db.close();
  }
}

describe('the event feed', () => {
  it('holds every row of the log exactly once, in order, with versions 1..n per aggregate', async () => {
    h = await startBoxOffice({ cardFailureRate: 1 });
    await mixedWorkload(h);
    const events = readAll((q) => h!.engine.feed({ ...q, limit: 7 }));
    expect(events.map((e) => Number(e.eventId))).toEqual(logIds(h.dir));
    const types = new Set(events.map((e) => e.type));
    for (const type of ['customer.opened', 'ticket.issued', 'ticket.rejected', 'balance.changed', 'booking.held', 'payment.succeeded',
      'booking.confirmed', 'booking.cancelled', 'payment.refunded', 'payment.failed']) expect(types, type).toContain(type);
    const versions = new Map<string, number[]>();
    for (const e of events) {
      const key = `${e.aggregateType}/${e.aggregateId}`;
      versions.set(key, [...(versions.get(key) ?? []), e.version]);
    }
    expect([...versions.keys()].some((k) => k.startsWith('customer/'))).toBe(true);
    expect([...versions.keys()].filter((k) => k.startsWith('booking/'))).toHaveLength(2);
    for (const [key, list] of versions) expect(list, key).toEqual(list.map((_, i) => i + 1));
    for (const e of events) expect(Date.parse(e.occurredAt), e.eventId).not.toBeNaN();
  });

  it("shows a customer's events as its stream does, and a tap correlated by its tap id with no cause", async () => {
    h = await startBoxOffice({ cardFailureRate: 1 });
    await mixedWorkload(h);
    const events = readAll((q) => h!.engine.feed(q), { aggregateType: 'customer' });
    const issued = events.find((e) => e.type === 'ticket.issued')!;
    expect(issued).toMatchObject({ aggregateType: 'customer', aggregateId: 'customer-1', causationId: null });
    const ticket = issued.data as { tapId: string; ticketId: string; price: number };
    expect(issued.correlationId).toBe(ticket.tapId);
    const streamed = h.notifications.find((n) => n.id === Number(issued.eventId))!;
    expect(issued.data).toEqual(streamed.data);
    expect(events.find((e) => e.type === 'ticket.rejected')?.data).toMatchObject({ rideId: 'no-such-ride', reason: expect.any(String) });
    const topUps = events.filter((e) => e.type === 'balance.changed');
    expect(topUps.map((e) => e.correlationId)).toEqual(['req-topup', 'topup-2']);
    expect(topUps[0]?.data).toMatchObject({ customerId: 'customer-1', change: 2_500, cause: { kind: 'top-up', topUpId: 'topup-1' } });
    expect(events.find((e) => e.type === 'customer.opened')?.data).toMatchObject({ customerId: expect.any(String), currency: 'EUR' });
  });

  it('correlates a saga by the request that began it, each event caused by the one before', async () => {
    h = await startBoxOffice({ cardFailureRate: 1 });
    const { cancelled, failed } = await mixedWorkload(h);
    const of = (bookingId: string) => readAll((q) => h!.engine.feed(q), { aggregateType: 'booking' }).filter((e) => e.aggregateId === bookingId);
    const wallet = of(cancelled);
    expect(wallet.map((e) => e.type)).toEqual(['booking.held', 'payment.succeeded', 'booking.confirmed', 'booking.cancelled', 'payment.refunded']);
    expect(wallet.every((e) => e.correlationId === 'req-book')).toBe(true);
    expect(wallet.map((e) => e.causationId)).toEqual(['req-book', wallet[0]!.eventId, wallet[1]!.eventId, 'req-cancel', wallet[3]!.eventId]);
    const card = of(failed);
    expect(card.map((e) => e.type)).toEqual(['booking.held', 'payment.failed']);
    expect(card.every((e) => e.correlationId === 'req-card')).toBe(true);
    // The webhook here comes with no request id: the failure is caused by the booking's event before it.
    expect(card.map((e) => e.causationId)).toEqual(['req-card', card[0]!.eventId]);
    expect((card[1]!.data as { booking: { id: string } }).booking.id).toBe(failed);
  });

  it('filters by type and by aggregate, and pages a filter with its cursor', async () => {
    h = await startBoxOffice({ cardFailureRate: 1 });
    await mixedWorkload(h);
    const all = readAll((q) => h!.engine.feed(q));
    const wanted = ['booking.held', 'payment.failed'] as const;
    const filtered = readAll((q) => h!.engine.feed({ ...q, limit: 1 }), { types: wanted });
    expect(filtered).toEqual(all.filter((e) => (wanted as readonly string[]).includes(e.type)));
    expect(filtered).toHaveLength(3);
    const bookings = readAll((q) => h!.engine.feed({ ...q, limit: 2 }), { aggregateType: 'booking' });
    expect(bookings).toEqual(all.filter((e) => e.aggregateType === 'booking'));
    const both = readAll((q) => h!.engine.feed(q), { aggregateType: 'customer', types: ['booking.held'] });
    expect(both).toEqual([]);
    const first = h.engine.feed({ limit: 3 });
    expect(first.events).toEqual(all.slice(0, 3));
    expect(first.nextCursor).toBe(all[2]!.eventId);
    expect(h.engine.feed({ after: Number(first.nextCursor), limit: 3 }).events).toEqual(all.slice(3, 6));
    const head = Number(all.at(-1)!.eventId);
    expect(h.engine.feed({ after: head })).toEqual({ events: [], nextCursor: String(head) });
    expect(h.engine.feed({ after: head + 50 })).toEqual({ events: [], nextCursor: String(head + 50) });
  });

  it('reads a bounded range per page: a rare type far along answers empty pages with a cursor that moves on', () => {
    store = makeHarness();
    const s = store.store;
    s.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 0 }, T0);
    s.upsertRide('r1', { name: 'Carousel', price: 100, open: true });
    const rows = FEED_SCAN_ROWS_MAX + 500;
    for (let from = 0; from < rows; from += 1_000) {
      const outcomes = Array.from({ length: Math.min(1_000, rows - from) }, (_, i) => rejected(makeTap(`tap-${from + i}`), 'insufficient_funds'));
      s.commitOutcomes(outcomes, T0 + from);
    }
    s.topUp('c1', 'topup-far', 500, T0 + rows, 'req-far');
    const first = s.feed.page({ types: ['balance.changed'] });
    expect(first).toEqual({ events: [], nextCursor: String(FEED_SCAN_ROWS_MAX) });
    const second = s.feed.page({ after: FEED_SCAN_ROWS_MAX, types: ['balance.changed'] });
    expect(second.events.map((e) => [e.type, e.correlationId])).toEqual([['balance.changed', 'req-far']]);
    expect(Number(second.nextCursor)).toBe(Number(second.events[0]!.eventId));
    expect(s.feed.page({ after: Number(second.nextCursor), types: ['balance.changed'] })).toEqual({ events: [], nextCursor: second.nextCursor });
  });

  it('refuses a limit outside 1..1000 and a negative position', () => {
    store = makeHarness();
    const codes = [{ limit: 0 }, { limit: 1_001 }, { after: -1 }, { after: 1.5 }].map((q) => {
      try {
        store!.store.feed.page(q);
        return undefined;
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    expect(codes).toEqual(['ERR_INVALID_ARGUMENT', 'ERR_INVALID_ARGUMENT', 'ERR_INVALID_ARGUMENT', 'ERR_INVALID_ARGUMENT']);
  });
});
