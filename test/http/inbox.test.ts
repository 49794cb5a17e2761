/**
 * The inbox over real HTTP: `GET /v1/me/notifications` holds exactly what the customer's SSE stream carried, newest
 * first, paged; the read marker counts what is unread, filters with `?unread=true`, never moves back, and takes only
 * the customer's own notification ids. `GET /v1/me` says who a token is.
 */
import { describe, expect, it } from 'vitest';
import { expectError, useBookingServer } from './booking-server.ts';

interface Page {
  notifications: Array<{ id: number; type: string; customerId: string; data: unknown }>;
  nextCursor: string | null;
  unreadCount: number;
  readUpTo: number;
}

const { api, newShow, newCustomer, book, openStream } = useBookingServer();

/** A customer with a confirmed booking, a top-up and a cancellation: six notifications on its stream. */
async function busyCustomer() {
  const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 10 }]);
  const customer = await newCustomer(10_000);
  const booked = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity: 2 }], payment: { method: 'wallet' } });
  expect(booked.body.status).toBe('confirmed');
  expect((await api('POST', `/v1/customers/${customer.id}/top-ups`, { body: { topUpId: `tu-${customer.id}`, amount: 500 } })).status).toBe(201);
  expect((await api('POST', `/v1/bookings/${booked.body.id}/cancel`, { token: customer.token })).status).toBe(200);
  return customer;
}

async function wholeInbox(token: string, query = ''): Promise<Page['notifications']> {
  const all: Page['notifications'] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const answer: { status: number; body: Page } = await api<Page>('GET', `/v1/me/notifications?limit=2${query}${cursor === null ? '' : `&cursor=${cursor}`}`, { token });
    expect(answer.status).toBe(200);
    all.push(...answer.body.notifications);
    cursor = answer.body.nextCursor;
    if (cursor === null) break;
  }
  return all;
}

describe('the inbox', () => {
  it('holds what the event stream carried, newest first, page by page', async () => {
    const customer = await busyCustomer();
    const stream = await openStream(customer, { headers: { 'last-event-id': '0' } });
    await stream.waitForEvents(6);
    stream.close();
    const inbox = await wholeInbox(customer.token);
    expect(inbox.map((n) => n.type)).toEqual([
      'payment.refunded', 'booking.cancelled', 'balance.changed', 'booking.confirmed', 'payment.succeeded', 'booking.held',
    ]);
    const streamed = stream.events.map((e) => ({ id: e.id, type: e.event, data: e.data }));
    expect(inbox.map((n) => ({ id: n.id, type: n.type, data: n.data })).reverse()).toEqual(streamed);
    expect(inbox.every((n) => n.customerId === customer.id)).toBe(true);
  });

  it('counts what is unread, marks read up to an id (never back), and lists only the unread on request', async () => {
    const customer = await busyCustomer();
    const first = await api<Page>('GET', '/v1/me/notifications', { token: customer.token });
    const ids = first.body.notifications.map((n) => n.id);
    expect(first.body).toMatchObject({ unreadCount: ids.length, readUpTo: 0 });
    const middle = ids[3]!;
    const marked = await api<{ readUpTo: number; unreadCount: number }>('POST', '/v1/me/notifications/read', { token: customer.token, body: { upTo: middle } });
    expect(marked.body).toEqual({ readUpTo: middle, unreadCount: 3 });
    const unread = await wholeInbox(customer.token, '&unread=true');
    expect(unread.map((n) => n.id)).toEqual(ids.slice(0, 3));
    const back = await api<{ readUpTo: number }>('POST', '/v1/me/notifications/read', { token: customer.token, body: { upTo: ids[5]! } });
    expect(back.body).toEqual({ readUpTo: middle, unreadCount: 3 });
    const all = await api<{ readUpTo: number; unreadCount: number }>('POST', '/v1/me/notifications/read', { token: customer.token, body: { upTo: ids[0]! } });
    expect(all.body).toEqual({ readUpTo: ids[0], unreadCount: 0 });
  });

  it('takes only the customer\'s own notification ids, and only customer tokens', async () => {
    const one = await busyCustomer();
    const other = await busyCustomer();
    const theirs = (await api<Page>('GET', '/v1/me/notifications', { token: other.token })).body.notifications[0]!.id;
    expectError(await api('POST', '/v1/me/notifications/read', { token: one.token, body: { upTo: theirs } }), 400, 'invalid_field');
    expectError(await api('GET', '/v1/me/notifications'), 403, 'forbidden');
    expectError(await api('GET', '/v1/me/notifications?unread=maybe', { token: one.token }), 400, 'invalid_query');
  });

  it('GET /v1/me says who the token is, with a customer token\'s customer', async () => {
    const customer = await newCustomer(1_234);
    const me = await api<{ role: string; customerId: string; customer: { balance: number } }>('GET', '/v1/me', { token: customer.token });
    expect(me.body).toMatchObject({ role: 'customer', customerId: customer.id, customer: { id: customer.id, balance: 1_234 } });
    expect((await api<{ role: string }>('GET', '/v1/me')).body.role).toBe('admin');
  });
});
