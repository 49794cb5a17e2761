/**
 * The shows catalogue in the store: a show written and read back whole (seated categories keep their rows), a
 * replacement keeps one search row, status moves that are refused, and search by words (as prefixes, with FTS5
 * syntax taken as text), by start time, on sale only, drafts for admins, paged by an opaque cursor.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { demoVenue } from '../../src/domain/demo-venue.ts';
import { ShowBody, type ShowInput } from '../../src/domain/show.ts';
import { StoreError } from '../../src/store/index.ts';
import { ftsQuery } from '../../src/store/shows-search.ts';
import { makeHarness, T0, type Harness } from './helpers.ts';

function show(name: string, startsAt: string, overrides: Partial<ShowInput> = {}): ShowInput {
  return {
    name, venue: 'Concertgebouw', location: 'Amsterdam', startsAt, status: 'on_sale',
    categories: [{ id: 'floor', name: 'Floor', price: 3_000, capacity: 200 }], ...overrides,
  };
}

describe('shows in the store', () => {
  let h: Harness | undefined;
  afterEach(() => h?.cleanup());

  it('creates, reads back and replaces a show; a seated category keeps its rows', () => {
    h = makeHarness();
    const seated = show('Winter Gala', '2026-12-05T20:00:00+01:00', {
      endsAt: '2026-12-05T22:00:00+01:00', salesStartAt: '2026-11-01T10:00:00Z',
      categories: [{ id: 'stalls', name: 'Stalls', price: 4_500, capacity: 6, rows: [{ row: 'A', seats: 4 }, { row: 'B', seats: 2 }] }],
    });
    const put = h.store.shows.put('gala', seated, T0);
    expect(put).toEqual({ created: true, show: { id: 'gala', ...seated } });
    expect(h.reopen().shows.get('gala')).toEqual({ id: 'gala', ...seated });
    const replaced = h.store.shows.put('gala', show('Winter Gala II', '2026-12-06T20:00:00+01:00'), T0 + 1);
    expect(replaced.created).toBe(false);
    expect(h.store.shows.get('gala')).toEqual({ id: 'gala', ...show('Winter Gala II', '2026-12-06T20:00:00+01:00') });
    // The old words are gone from the index and the new ones there, once.
    expect(h.store.shows.search({ q: 'II', includeDrafts: true, limit: 10 }).shows.map((s) => s.id)).toEqual(['gala']);
    expect(h.store.shows.search({ q: 'gala', includeDrafts: true, limit: 10 }).shows).toHaveLength(1);
    expect(h.store.shows.get('nope')).toBeUndefined();
    const lying = { ...seated, categories: [{ ...seated.categories[0]!, capacity: 7 }] };
    expect(() => h!.store.shows.put('liar', lying, T0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(h.store.shows.get('liar')).toBeUndefined();
  });

  it('refuses status moves out of cancelled and ended, allows the others', () => {
    h = makeHarness();
    h.store.shows.put('s', show('S', '2026-12-05T20:00:00Z', { status: 'draft' }), T0);
    expect(h.store.shows.put('s', show('S', '2026-12-05T20:00:00Z', { status: 'on_sale' }), T0).show.status).toBe('on_sale');
    expect(h.store.shows.put('s', show('S', '2026-12-05T20:00:00Z', { status: 'cancelled' }), T0).show.status).toBe('cancelled');
    let error: unknown;
    try {
      h.store.shows.put('s', show('S', '2026-12-05T20:00:00Z', { status: 'on_sale' }), T0);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('ERR_STATUS_MOVE');
    expect(h.store.shows.get('s')?.status).toBe('cancelled');
  });

  it('searches by words as prefixes over name, venue and location, diacritics folded, syntax taken as text', () => {
    h = makeHarness();
    h.store.shows.put('a', show('Winter Gala', '2026-12-05T20:00:00Z'), T0);
    h.store.shows.put('b', show('Jazz Night', '2026-12-06T20:00:00Z', { venue: 'Paradiso' }), T0);
    h.store.shows.put('c', show('Café Concert', '2026-12-07T20:00:00Z', { location: 'Rotterdam' }), T0);
    const ids = (q: string) => h!.store.shows.search({ q, includeDrafts: true, limit: 10 }).shows.map((s) => s.id);
    expect(ids('win')).toEqual(['a']);
    expect(ids('paradiso')).toEqual(['b']);
    expect(ids('rotterdam cafe')).toEqual(['c']);
    expect(ids('amsterdam')).toEqual(['a', 'b']);
    expect(ids('jazz OR gala')).toEqual([]);
    // NEAR is a word to find like any other, not an operator; brackets and quotes are only separators.
    expect(ids('NEAR(jazz night)')).toEqual([]);
    expect(ids('(jazz) "night"')).toEqual(['b']);
    expect(ids('"*:^')).toEqual([]);
    expect(ftsQuery('gala  AMSTERDAM"*')).toBe('"gala"* "AMSTERDAM"*');
  });

  it('filters by start time, on sale and drafts, and pages by start then id with an opaque cursor', () => {
    h = makeHarness();
    const starts = ['2026-12-03T20:00:00Z', '2026-12-01T20:00:00Z', '2026-12-02T20:00:00Z', '2026-12-02T21:00:00+01:00'];
    starts.forEach((at, i) => h!.store.shows.put(`s${i}`, show(`Show ${i}`, at), T0));
    h.store.shows.put('draft', show('Draft', '2026-12-02T00:00:00Z', { status: 'draft' }), T0);
    h.store.shows.put('off', show('Off', '2026-12-02T01:00:00Z', { status: 'cancelled' }), T0);
    const all = h.store.shows.search({ includeDrafts: false, limit: 100 }).shows.map((s) => s.id);
    // s3 starts 20:00Z too (21:00+01:00): same start as s2, ordered by id after it.
    expect(all).toEqual(['s1', 'off', 's2', 's3', 's0']);
    expect(h.store.shows.search({ includeDrafts: true, limit: 100 }).shows.map((s) => s.id)).toEqual(['s1', 'draft', 'off', 's2', 's3', 's0']);
    expect(h.store.shows.search({ includeDrafts: true, onSaleOnly: true, limit: 100 }).shows.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's0']);
    const ranged = h.store.shows.search({
      includeDrafts: false, fromMs: Date.parse('2026-12-02T00:00:00Z'), toMs: Date.parse('2026-12-02T20:00:00Z'), limit: 100,
    });
    expect(ranged.shows.map((s) => s.id)).toEqual(['off', 's2', 's3']);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = h.store.shows.search({ includeDrafts: false, limit: 2, ...(cursor !== undefined && { cursor }) });
      seen.push(...result.shows.map((s) => s.id));
      cursor = result.nextCursor;
      if (cursor === undefined) break;
      expect(cursor).toMatch(/^[A-Za-z0-9._-]+$/);
    }
    expect(seen).toEqual(all);
  });

  it('refuses a forged cursor and a limit out of 1..100', () => {
    h = makeHarness();
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as StoreError).code;
      }
      return undefined;
    };
    expect(codeOf(() => h!.store.shows.search({ includeDrafts: true, limit: 5, cursor: 'k1.NDI' }))).toBe('ERR_INVALID_CURSOR');
    expect(codeOf(() => h!.store.shows.search({ includeDrafts: true, limit: 5, cursor: `s1.${Buffer.from('[1]').toString('base64url')}` }))).toBe('ERR_INVALID_CURSOR');
    expect(codeOf(() => h!.store.shows.search({ includeDrafts: true, limit: 0 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => h!.store.shows.search({ includeDrafts: true, limit: 101 }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('seeds the demo venue once: one seated and one general-admission show, each a valid PUT body', () => {
    h = makeHarness();
    const venue = demoVenue(T0);
    for (const { id: _id, ...input } of venue) expect(ShowBody.safeParse(input).success).toBe(true);
    expect(h.store.shows.seedIfAbsent(venue, T0)).toBe(2);
    expect(h.store.shows.seedIfAbsent(demoVenue(T0 + 86_400_000), T0)).toBe(0);
    const [seated, open] = venue.map((s) => h!.store.shows.get(s.id));
    expect(seated?.categories.every((c) => c.rows !== undefined)).toBe(true);
    expect(open?.categories.every((c) => c.rows === undefined)).toBe(true);
    expect(seated?.startsAt).toBe('2026-11-23T19:00:00Z');
  });
});
