/**
 * `GET /v1/events`, the domain event feed (issue 11), over real HTTP against a whole ticketd (booking-server.ts):
 * JSON pages with cursors and filters, admins only, a saga correlated by the X-Request-Id of the request that began
 * it, and the feed followed live over SSE with a Last-Event-ID resume.
 */
import { describe, expect, it } from 'vitest';
import type { Booking } from '../../src/box-office/booking-types.ts';
import type { FeedEvent, FeedPage } from '../../src/store/event-feed.ts';
import { expectError, useBookingServer } from './booking-server.ts';
import { SseClient } from './sse-client.ts';

const { api, target, newShow, newCustomer, book, pollBooking } = useBookingServer();

/** Every event after `after`, page by page (`limit` each) until the head of the feed. */
async function feedAfter(after: number, query = '', limit = 50): Promise<FeedEvent[]> {
  const events: FeedEvent[] = [];
  for (let cursor = after, pages = 0; pages < 1_000; pages++) {
    const page = await api<FeedPage>('GET', `/v1/events?after=${cursor}&limit=${limit}${query}`);
    expect(page.status).toBe(200);
    events.push(...page.body.events);
    if (page.body.events.length === 0 && Number(page.body.nextCursor) === cursor) return events;
    cursor = Number(page.body.nextCursor);
  }
  throw new Error('the feed did not end');
}

/** Where the feed is now: the nextCursor at its head. */
async function head(): Promise<number> {
  return Number((await feedAfter(0, '', 1_000)).at(-1)?.eventId ?? 0);
}

function stream(headers: Record<string, string> = {}, query = ''): Promise<SseClient> {
  return SseClient.open(target().running.port, `/v1/events${query}`, { authorization: `Bearer ${target().tokens.admin}`, ...headers });
}

describe('GET /v1/events', () => {
  it('pages the whole feed in order with cursors, and filters by type and aggregate', async () => {
    const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 10 }]);
    const customer = await newCustomer(10_000);
    const from = await head();
    const booked = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'wallet' } });
    expect(booked.body.status).toBe('confirmed');
    const all = await feedAfter(0, '', 3);
    const ids = all.map((e) => Number(e.eventId));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.filter((e) => Number(e.eventId) > from).map((e) => e.type)).toEqual(['booking.held', 'payment.succeeded', 'booking.confirmed']);
    const typed = await feedAfter(0, '&type=booking.held,booking.confirmed', 1);
    expect(typed).toEqual(all.filter((e) => e.type === 'booking.held' || e.type === 'booking.confirmed'));
    const customers = await feedAfter(0, '&aggregateType=customer');
    expect(customers).toEqual(all.filter((e) => e.aggregateType === 'customer'));
    expect(customers.find((e) => e.aggregateId === customer.id)).toMatchObject({ type: 'customer.opened', version: 1 });
  });

  it('refuses an unknown type naming the allowed ones, and a bad limit, cursor or aggregate type', async () => {
    const unknown = expectError(await api('GET', '/v1/events?type=booking.held,booking.sold'), 400, 'invalid_query');
    expect(unknown.message).toContain('booking.confirmed');
    expectError(await api('GET', '/v1/events?limit=0'), 400, 'invalid_query');
    expectError(await api('GET', '/v1/events?limit=1001'), 400, 'invalid_query');
    expectError(await api('GET', '/v1/events?after=-1'), 400, 'invalid_query');
    expectError(await api('GET', '/v1/events?aggregateType=show'), 400, 'invalid_query');
  });

  it('is for admins only: a manager, a customer and a machine are refused 403', async () => {
    const manager = await api<{ token: string }>('POST', '/v1/tokens', { body: { role: 'manager' } });
    const customer = await newCustomer(0);
    const machine = target().tokens.machines['gate-1']!;
    for (const token of [manager.body.token, customer.token, machine]) expectError(await api('GET', '/v1/events', { token }), 403, 'forbidden');
    expectError(await api('GET', '/v1/events', { token: null }), 401, 'unauthorized');
  });

  it("correlates a card booking's saga by the X-Request-Id that began it", async () => {
    const showId = await newShow([{ id: 'floor', price: 2_000, capacity: 10 }]);
    const customer = await newCustomer(0);
    const answer = await book(
      { customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'card' } },
      { token: customer.token, headers: { 'x-request-id': 'req-abc' } },
    );
    expect(answer.headers.get('x-request-id')).toBe('req-abc');
    expect((await pollBooking(answer.body.id, (b) => b.status !== 'held')).status).toBe('confirmed');
    const saga = (await feedAfter(0, '&aggregateType=booking')).filter((e) => e.aggregateId === answer.body.id);
    expect(saga.map((e) => [e.type, e.version, e.correlationId])).toEqual([
      ['booking.held', 1, 'req-abc'], ['payment.succeeded', 2, 'req-abc'], ['booking.confirmed', 3, 'req-abc'],
    ]);
    const [held, paid, confirmed] = saga as [FeedEvent, FeedEvent, FeedEvent];
    expect(held.causationId).toBe('req-abc');
    // The provider's webhook is a request of its own (with an id the server gave it) that caused the payment's event.
    expect(paid.causationId).toMatch(/^req/);
    expect(paid.causationId).not.toBe('req-abc');
    expect(confirmed.causationId).toBe(paid.eventId);
    expect((confirmed.data as Booking).status).toBe('confirmed');
    // A cancellation is caused by its own request, and stays in the saga's correlation.
    const cancelled = await api<Booking>('POST', `/v1/bookings/${answer.body.id}/cancel`, { headers: { 'x-request-id': 'req-cancel' } });
    expect(cancelled.body.status).toBe('cancelled');
    const after = (await feedAfter(Number(confirmed.eventId), '&type=booking.cancelled')).find((e) => e.aggregateId === answer.body.id);
    expect(after).toMatchObject({ version: 4, correlationId: 'req-abc', causationId: 'req-cancel' });
  });
});

describe('GET /v1/events with Accept: text/event-stream', () => {
  it('follows the feed live and resumes after Last-Event-ID with what was committed while away', async () => {
    const customer = await newCustomer(0);
    const start = await head();
    const first = await stream({ 'last-event-id': String(start) });
    let firstId: number;
    try {
      expect(first.status).toBe(200);
      expect(first.headers['content-type']).toContain('text/event-stream');
      await api('POST', `/v1/customers/${customer.id}/top-ups`, { body: { topUpId: 'feed-tu-1', amount: 500 }, headers: { 'x-request-id': 'req-tu-1' } });
      await first.waitFor(() => first.events.some((e) => (e.data as FeedEvent).correlationId === 'req-tu-1'), 'the first top-up');
      const seen = first.events.find((e) => (e.data as FeedEvent).correlationId === 'req-tu-1')!;
      expect(seen.event).toBe('balance.changed');
      expect(seen.data).toMatchObject({ eventId: String(seen.id), aggregateType: 'customer', aggregateId: customer.id, type: 'balance.changed' });
      expect(first.events.every((e) => e.id > start)).toBe(true);
      firstId = seen.id;
    } finally {
      first.close();
    }
    await api('POST', `/v1/customers/${customer.id}/top-ups`, { body: { topUpId: 'feed-tu-2', amount: 700 }, headers: { 'x-request-id': 'req-tu-2' } });
    const resumed = await stream({ 'last-event-id': String(firstId) }, '?aggregateType=customer');
    try {
      await resumed.waitFor(() => resumed.events.some((e) => (e.data as FeedEvent).correlationId === 'req-tu-2'), 'the second top-up');
      await api('POST', `/v1/customers/${customer.id}/top-ups`, { body: { topUpId: 'feed-tu-3', amount: 900 }, headers: { 'x-request-id': 'req-tu-3' } });
      await resumed.waitFor(() => resumed.events.some((e) => (e.data as FeedEvent).correlationId === 'req-tu-3'), 'the third top-up');
      expect(resumed.events.filter((e) => (e.data as FeedEvent).aggregateId === customer.id).map((e) => (e.data as FeedEvent).correlationId))
        .toEqual(['req-tu-2', 'req-tu-3']);
      expect(resumed.events.every((e) => e.id > firstId)).toBe(true);
      expect(resumed.events.map((e) => (e.data as FeedEvent).aggregateType)).toEqual(resumed.events.map(() => 'customer'));
      const ids = resumed.events.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    } finally {
      resumed.close();
    }
  });

  it('ends a stream when its token is revoked', async () => {
    const created = await api<{ id: string; token: string }>('POST', '/v1/tokens', { body: { role: 'admin' } });
    const following = await SseClient.open(target().running.port, '/v1/events', { authorization: `Bearer ${created.body.token}`, 'last-event-id': String(await head()) });
    expect(following.status).toBe(200);
    expect((await api('DELETE', `/v1/tokens/${created.body.id}`)).status).toBe(204);
    await following.waitForEnd();
  });
});
