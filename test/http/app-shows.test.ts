/**
 * The shows routes through the app: PUT creates (201) then replaces (200), admins only; GET answers each category
 * with `available` and seated ones with a seat map; drafts are hidden from other tokens; the body's rules (times,
 * seat counts, unique ids, bounds, names) are 400s naming the field; status moves out of cancelled are 409; search
 * by words, range, availability and cursor. Every answer is checked against the declared contract (helpers.ts).
 */
import { describe, expect, it } from 'vitest';
import { bearer, expectError, harness, seedCustomer } from './helpers.ts';

const gala = {
  name: 'Winter Gala', venue: 'Concertgebouw', location: 'Amsterdam', startsAt: '2026-12-05T20:00:00+01:00',
  endsAt: '2026-12-05T22:30:00+01:00', salesStartAt: '2026-11-01T09:00:00Z', salesEndAt: '2026-12-05T19:00:00Z',
  status: 'on_sale',
  categories: [
    { id: 'stalls', name: 'Stalls', price: 4_500, capacity: 5, rows: [{ row: 'A', seats: 3 }, { row: 'B', seats: 2 }] },
    { id: 'standing', name: 'Standing', price: 2_000, capacity: 300 },
  ],
};

function customer(h: ReturnType<typeof harness>): Record<string, string> {
  seedCustomer(h.engine, 'c-1');
  return bearer(h.tokens.authenticator.create({ role: 'customer', customerId: 'c-1' }).token);
}

describe('shows over HTTP', () => {
  it('creates (201), replaces (200) and reads a show with availability and a seat map', async () => {
    const h = harness();
    const created = await h.call('PUT', '/v1/shows/gala', gala);
    expect(created.status).toBe(201);
    const again = await h.call('PUT', '/v1/shows/gala', { ...gala, name: 'Winter Gala 2026' });
    expect(again.status).toBe(200);
    const read = await h.call('GET', '/v1/shows/gala', undefined, customer(h));
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      id: 'gala', ...gala, name: 'Winter Gala 2026',
      categories: [
        { ...gala.categories[0], available: 5, held: 0, sold: 0, seatMap: { rows: [{ row: 'A', seats: 3, taken: [] }, { row: 'B', seats: 2, taken: [] }] } },
        { ...gala.categories[1], available: 300, held: 0, sold: 0 },
      ],
    });
    // The counts come from the box office's snapshot (the show's inventory actor in the real engine).
    h.engine.showAvailable.set('gala', { stalls: 1, standing: 7 });
    const counted = (await h.call('GET', '/v1/shows/gala')).body as { categories: Array<{ available: number }> };
    expect(counted.categories.map((c) => c.available)).toEqual([1, 7]);
    // No place left in any category: the on-sale show reads as sold_out, and leaves the available=true search.
    h.engine.showAvailable.set('gala', { stalls: 0, standing: 0 });
    expect((await h.call('GET', '/v1/shows/gala')).body).toMatchObject({ status: 'sold_out' });
    expect(((await h.call('GET', '/v1/shows?available=true')).body as { shows: unknown[] }).shows).toEqual([]);
  });

  it('lets only admins write, hides drafts from other tokens, and answers 404 unknown_show', async () => {
    const h = harness();
    const c1 = customer(h);
    expectError(await h.call('PUT', '/v1/shows/gala', gala, c1), 403, 'forbidden');
    expectError(await h.call('GET', '/v1/shows/gala', undefined, c1), 404, 'unknown_show');
    expect((await h.call('PUT', '/v1/shows/gala', { ...gala, status: undefined })).status).toBe(201);
    expect((await h.call('GET', '/v1/shows/gala')).body).toMatchObject({ status: 'draft' });
    expectError(await h.call('GET', '/v1/shows/gala', undefined, c1), 404, 'unknown_show');
    expect(((await h.call('GET', '/v1/shows', undefined, c1)).body as { shows: unknown[] }).shows).toEqual([]);
    expect(((await h.call('GET', '/v1/shows')).body as { shows: unknown[] }).shows).toHaveLength(1);
    expectError(await h.call('GET', '/v1/shows/gala', undefined, { authorization: 'Bearer nope' }), 401, 'unauthorized');
  });

  it('refuses bodies that break the rules, naming the field', async () => {
    const h = harness();
    const cases: Array<[unknown, string, string]> = [
      [{ ...gala, startsAt: '2026-12-05T20:00:00' }, 'invalid_field', 'startsAt'],
      [{ ...gala, startsAt: '1999-12-05T20:00:00Z' }, 'invalid_field', 'startsAt'],
      [{ ...gala, endsAt: '2026-12-05T19:00:00+01:00' }, 'invalid_field', 'endsAt'],
      [{ ...gala, endsAt: '2027-02-05T19:00:00+01:00' }, 'invalid_field', 'endsAt'],
      [{ ...gala, salesStartAt: '2026-12-06T00:00:00Z' }, 'invalid_field', 'salesStartAt'],
      [{ ...gala, salesEndAt: '2026-12-06T00:00:00Z' }, 'invalid_field', 'salesEndAt'],
      [{ ...gala, salesStartAt: '2026-11-02T00:00:00Z', salesEndAt: '2026-11-01T00:00:00Z' }, 'invalid_field', 'salesEndAt'],
      [{ ...gala, categories: [] }, 'invalid_field', 'categories'],
      [{ ...gala, categories: [gala.categories[1], gala.categories[1]] }, 'invalid_field', 'categories'],
      [{ ...gala, categories: [{ ...gala.categories[0], capacity: 6 }] }, 'invalid_field', 'categories[0].capacity'],
      [{ ...gala, categories: [{ ...gala.categories[0], rows: [{ row: 'A', seats: 3 }, { row: 'A', seats: 2 }] }] }, 'invalid_field', 'categories[0].rows'],
      [{ ...gala, categories: [{ ...gala.categories[1], capacity: 100_001 }] }, 'invalid_field', 'categories[0].capacity'],
      [{ ...gala, categories: [{ ...gala.categories[1], capacity: 0 }] }, 'invalid_field', 'categories[0].capacity'],
      [{ ...gala, categories: [{ ...gala.categories[1], price: 100_000_001 }] }, 'invalid_field', 'categories[0].price'],
      [{ ...gala, categories: [{ ...gala.categories[1], price: 1.5 }] }, 'invalid_field', 'categories[0].price'],
      [{ ...gala, name: 'Gala\u202e' }, 'invalid_field', 'name'],
      [{ ...gala, venue: '' }, 'invalid_field', 'venue'],
      [{ ...gala, status: 'sold_out' }, 'invalid_field', 'status'],
      [{ ...gala, seats: 3 }, 'unknown_field', 'seats'],
      [{ ...gala, categories: [{ ...gala.categories[1], available: 3 }] }, 'unknown_field', 'categories[0].available'],
    ];
    for (const [body, code, field] of cases) {
      const answer = await h.call('PUT', '/v1/shows/gala', body);
      expectError(answer, 400, code);
      expect((answer.body as { error: { message: string } }).error.message.startsWith(field)).toBe(true);
    }
    expect(h.engine.getShow('gala')).toBeUndefined();
  });

  it('answers 409 status_not_allowed for a move out of cancelled', async () => {
    const h = harness();
    expect((await h.call('PUT', '/v1/shows/gala', { ...gala, status: 'cancelled' })).status).toBe(201);
    expectError(await h.call('PUT', '/v1/shows/gala', gala), 409, 'status_not_allowed');
  });

  it('searches by words, date range and availability, page by page', async () => {
    const h = harness();
    const days = ['01', '02', '03', '04', '05'];
    for (const [i, day] of days.entries()) {
      const status = i === 2 ? 'cancelled' : 'on_sale';
      const name = i % 2 === 0 ? `Jazz Night ${i}` : `Opera ${i}`;
      expect((await h.call('PUT', `/v1/shows/s${i}`, { ...gala, name, status, startsAt: `2026-12-${day}T20:00:00Z`, endsAt: undefined, salesEndAt: undefined })).status).toBe(201);
    }
    const ids = async (query: string) => {
      const answer = await h.call('GET', `/v1/shows${query}`);
      expect(answer.status).toBe(200);
      return (answer.body as { shows: Array<{ id: string }> }).shows.map((s) => s.id);
    };
    expect(await ids('?q=jazz')).toEqual(['s0', 's2', 's4']);
    expect(await ids('?q=jazz&available=true')).toEqual(['s0', 's4']);
    expect(await ids('?from=2026-12-02T00:00:00Z&to=2026-12-04T20:00:00Z')).toEqual(['s1', 's2', 's3']);
    expect(await ids('?q=%22concertgebouw%22%20OR%20x')).toEqual([]);
    const first = (await h.call('GET', '/v1/shows?limit=2')).body as { shows: Array<{ id: string }>; nextCursor: string };
    expect(first.shows.map((s) => s.id)).toEqual(['s0', 's1']);
    const second = (await h.call('GET', `/v1/shows?limit=2&cursor=${first.nextCursor}`)).body as { shows: Array<{ id: string }>; nextCursor: string | null };
    expect(second.shows.map((s) => s.id)).toEqual(['s2', 's3']);
    // Search answers carry availability but no seat maps.
    expect((await h.call('GET', '/v1/shows?q=opera&limit=1')).body).toMatchObject({
      shows: [{ id: 's1', categories: [{ id: 'stalls', available: 5 }, { id: 'standing', available: 300 }] }],
    });
    for (const query of ['?limit=0', '?limit=101', '?limit=x', '?from=yesterday', '?to=2026-12-01', '?available=yes', '?q=%21%21', `?q=${'a'.repeat(201)}`]) {
      expectError(await h.call('GET', `/v1/shows${query}`), 400, 'invalid_query');
    }
    expectError(await h.call('GET', '/v1/shows?cursor=k1.NDI'), 400, 'invalid_cursor');
    expectError(await h.call('GET', '/v1/shows?cursor=a%20b'), 400, 'invalid_cursor');
  });
});
