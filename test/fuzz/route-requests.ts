/**
 * Requests for each route of the API, mostly wrong: bad path ids and weird path segments, bad query values, bodies
 * with one thing wrong. Each knows whether it must fail (see FuzzRequest.mustFail). The box office's good bodies
 * (`goodBooking`, …) are exported for raw-requests.ts too.
 */
import fc from 'fast-check';
import {
  DEMO_CUSTOMERS, customerBody, machineBody, rideBody, tapId, tapsBody, tokenBody, topUpBody, type BodyCase, type Fields,
} from './body-arbitraries.ts';
import { ID_PATTERN, badId } from './field-values.ts';
import { bareRequest, encodeSegment, jsonRequest, routedPaths, withQuery, type FuzzRequest } from './fuzz-request.ts';
import { showBody } from './show-bodies.ts';

/** A path segment as written in the URL; `id` is what the server reads from it when that is a good id. */
interface Segment {
  text: string;
  id?: string;
}

const WEIRD_SEGMENTS = [
  '..', '.', '%2e%2e', '%2E', '%2F', 'a%2Fb', '%00', '%ZZ', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF', 'a%20b', ';x', '~x',
  '!', '%', 'ü', '\u{1f600}', 'x'.repeat(65), 'x'.repeat(10_000),
];

function segmentOf(text: string): Segment {
  let decoded: string | undefined;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    decoded = undefined;
  }
  return decoded !== undefined && ID_PATTERN.test(decoded) ? { text, id: decoded } : { text };
}

/** Known ids, fresh good ids (`fresh`), bad ids (URL-encoded), and weird raw segments. */
function pathSegment(known: readonly string[], fresh: fc.Arbitrary<string>): fc.Arbitrary<Segment> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known).map(segmentOf) },
    { weight: 3, arbitrary: fresh.map(segmentOf) },
    {
      weight: 2,
      arbitrary: badId
        .map((v) => (typeof v === 'string' && v !== '' ? encodeSegment(v) : undefined))
        .filter((text): text is string => text !== undefined)
        .map(segmentOf),
    },
    { weight: 1, arbitrary: fc.constantFrom(...WEIRD_SEGMENTS).map(segmentOf) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 })
        .map((bytes) => segmentOf(bytes.map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''))),
    },
  );
}

/** A query value and whether the server must take it. */
interface QueryValue {
  value: string | undefined;
  good: boolean;
}

const LIMIT_BAD = ['0', '-1', '1001', '1.5', 'abc', '', '1e2', ' 5', '0x10', '9'.repeat(16), '１', '+5', '50 '];
const limit: fc.Arbitrary<QueryValue> = fc.oneof(
  fc.constant({ value: undefined, good: true }),
  fc.integer({ min: 1, max: 1_000 }).map((n) => ({ value: String(n), good: true })),
  fc.constantFrom(...LIMIT_BAD).map((value) => ({ value, good: false })),
  fc.string({ maxLength: 6 }).map((value) => {
    const good = /^[0-9]{1,15}$/.test(value) && Number(value) >= 1 && Number(value) <= 1_000;
    return { value, good };
  }),
);

const cursor: fc.Arbitrary<QueryValue> = fc.oneof(
  fc.constant({ value: undefined, good: true }),
  fc.nat({ max: 1_000_000 }).map((n) => ({ value: `k1.${Buffer.from(String(n)).toString('base64url')}`, good: true })),
  fc.constantFrom('', 'x'.repeat(101), '!!', 'k1.abc', 'k1.', 'k1.LTE', 'k1.OTk5OTk5OTk5OTk5OTk5OTk5', 'k2.NDI').map((value) => ({ value, good: false })),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.startsWith('k1.')).map((value) => ({ value, good: false })),
);

const reason: fc.Arbitrary<QueryValue> = fc.oneof(
  fc.constant({ value: undefined, good: true }),
  fc.constantFrom('ride_closed', 'unknown_customer', 'stale_tap', 'insufficient_funds').map((value) => ({ value, good: true })),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map((value) => ({ value, good: value.length <= 100 })),
  fc.constantFrom('', 'r'.repeat(101), 'r'.repeat(5_000)).map((value) => ({ value, good: false })),
);

const wait: fc.Arbitrary<QueryValue> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ value: undefined, good: true }) },
  { weight: 2, arbitrary: fc.constantFrom('true', 'false').map((value) => ({ value, good: true })) },
  { weight: 1, arbitrary: fc.constantFrom('yes', '1', 'TRUE', '', ' true', 'true ').map((value) => ({ value, good: false })) },
);

const deadLetterId: fc.Arbitrary<Segment & { good: boolean }> = fc.oneof(
  fc.integer({ min: 1, max: 600 }).map((n) => ({ text: String(n), good: true })),
  fc.constantFrom('0', '-1', '1.5', 'abc', '9'.repeat(16), '+1', '%201', '1e2', '0x1', '%00').map((text) => ({ text, good: false })),
  fc.string({ minLength: 1, maxLength: 6 }).map((s) => ({
    text: encodeURIComponent(s), // ASCII only: always encodable
    good: /^[0-9]{1,15}$/.test(s) && Number(s) >= 1,
  })),
);

/** A body as JSON text, or (for good bodies, sometimes) as the UTF-8 bytes of it. */
function withBody(method: string, path: string, body: BodyCase, asBytes: boolean, mustFail: boolean): FuzzRequest {
  const request = jsonRequest(method, path, body.body, mustFail, body.tapIds);
  if (asBytes && typeof request.body === 'string') request.body = new TextEncoder().encode(request.body);
  return request;
}

const customerId = pathSegment([...DEMO_CUSTOMERS, 'nobody'], fc.nat({ max: 1_000_000 }).map((n) => `fz-c-${n}`));

export const tapRequests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(tapsBody, wait, fc.boolean()).map(([body, w, asBytes]) =>
      withBody('POST', withQuery('/v1/taps', { wait: w.value }), body, asBytes, body.mustFail || !w.good)),
  },
  {
    weight: 1,
    arbitrary: pathSegment(['fz-again-1', 'fz-1'], tapId).map((s) => bareRequest('GET', `/v1/taps/${s.text}`, s.id === undefined)),
  },
);

export const customerRequests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.tuple(customerId, fc.constantFrom('GET', 'HEAD')).map(([s, method]) => bareRequest(method, `/v1/customers/${s.text}`, s.id === undefined)),
  fc.tuple(customerId, customerBody, fc.boolean()).map(([s, body, asBytes]) => {
    const request = withBody('PUT', `/v1/customers/${s.text}`, body, asBytes, body.mustFail || s.id === undefined);
    if (s.id !== undefined) request.readBack = { kind: 'customer', id: s.id };
    return request;
  }),
  fc.tuple(customerId, topUpBody, fc.boolean()).map(([s, body, asBytes]) =>
    withBody('POST', `/v1/customers/${s.text}/top-ups`, body, asBytes, body.mustFail || s.id === undefined)),
  fc.tuple(customerId, limit, cursor).map(([s, l, c]) => {
    const path = withQuery(`/v1/customers/${s.text}/tickets`, { limit: l.value, cursor: c.value });
    return bareRequest('GET', path, s.id === undefined || !l.good || !c.good);
  }),
);

export const catalogRequests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.constantFrom('GET', 'HEAD').map((method) => bareRequest(method, '/v1/rides', false)),
  fc.tuple(pathSegment(['ride-a', 'ride-e'], fc.nat({ max: 1_000_000 }).map((n) => `fz-r-${n}`)), rideBody, fc.boolean())
    .map(([s, body, asBytes]) => {
      const request = withBody('PUT', `/v1/rides/${s.text}`, body, asBytes, body.mustFail || s.id === undefined);
      if (s.id !== undefined) request.readBack = { kind: 'ride', id: s.id };
      return request;
    }),
  fc.tuple(pathSegment(['gate-4'], fc.nat({ max: 1_000_000 }).map((n) => `fz-m-${n}`)), machineBody, fc.boolean())
    .map(([s, body, asBytes]) => {
      const request = withBody('PUT', `/v1/machines/${s.text}`, body, asBytes, body.mustFail || s.id === undefined);
      if (s.id !== undefined) request.readBack = { kind: 'machine', id: s.id };
      return request;
    }),
);

const SHOW_QUERY_BAD = {
  q: ['', '!!', '"*', 'q'.repeat(201)],
  from: ['2026-12-01', 'yesterday', '2026-12-01T00:00:00', ''],
  limit: ['0', '101', '-1', '1.5', 'x', ''],
  available: ['yes', '1', 'TRUE', ''],
  cursor: ['k1.NDI', 's1.', 's1.abc', '!!', 'x'.repeat(301)],
} as const;

/** One query value of `GET /v1/shows`: absent, good, or one of the bad ones. */
function showQueryValue(good: fc.Arbitrary<string>, bad: readonly string[]): fc.Arbitrary<QueryValue> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({ value: undefined, good: true }) },
    { weight: 2, arbitrary: good.map((value) => ({ value, good: true })) },
    { weight: 1, arbitrary: fc.constantFrom(...bad).map((value) => ({ value, good: false })) },
  );
}

const showTime = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString());
const showId = pathSegment(['demo-recital', 'demo-open-air'], fc.nat({ max: 1_000_000 }).map((n) => `fz-s-${n}`));

export const showRequests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.tuple(
    showQueryValue(fc.string({ maxLength: 12 }).filter((s) => /[\p{L}\p{N}]/u.test(s)), SHOW_QUERY_BAD.q),
    showQueryValue(showTime, SHOW_QUERY_BAD.from),
    showQueryValue(showTime, SHOW_QUERY_BAD.from),
    showQueryValue(fc.constantFrom('true', 'false'), SHOW_QUERY_BAD.available),
    showQueryValue(fc.integer({ min: 1, max: 100 }).map(String), SHOW_QUERY_BAD.limit),
    showQueryValue(fc.constant(`s1.${Buffer.from('[0,"a"]').toString('base64url')}`), SHOW_QUERY_BAD.cursor),
  ).map(([q, from, to, available, l, c]) => {
    const path = withQuery('/v1/shows', { q: q.value, from: from.value, to: to.value, available: available.value, limit: l.value, cursor: c.value });
    return bareRequest('GET', path, [q, from, to, available, l, c].some((v) => !v.good));
  }),
  // `/v1/shows/.` is `/v1/shows`, the search, once the URL is normalised: not a failure.
  fc.tuple(showId, fc.constantFrom('GET', 'HEAD')).map(([s, method]) => bareRequest(method, `/v1/shows/${s.text}`,
    s.id === undefined && !routedPaths(`/v1/shows/${s.text}`).some((p) => /^\/v1\/shows\/?$/.test(p)))),
  fc.tuple(showId, showBody, fc.boolean())
    .map(([s, body, asBytes]) => withBody('PUT', `/v1/shows/${s.text}`, body, asBytes, body.mustFail || s.id === undefined)),
);

export const deadLetterRequests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.tuple(reason, limit, cursor).map(([r, l, c]) => {
    const path = withQuery('/v1/dead-letters', { reason: r.value, limit: l.value, cursor: c.value });
    return bareRequest('GET', path, !r.good || !l.good || !c.good);
  }),
  fc.tuple(deadLetterId, fc.constantFrom('GET', 'HEAD')).map(([id, method]) => bareRequest(method, `/v1/dead-letters/${id.text}`, !id.good)),
  deadLetterId.map((id) => bareRequest('POST', `/v1/dead-letters/${id.text}/replay`, !id.good)),
);

const LAST_EVENT_ID_BAD = ['', '-1', '1.5', 'abc', '1e3', '0x10', '+1', 'NaN', '1 2', '9'.repeat(16), '9'.repeat(40)];
const headerLastEventId: fc.Arbitrary<string> = fc.oneof(
  fc.nat({ max: 1_000_000 }).map(String),
  fc.constantFrom('0', '999999999999999', ...LAST_EVENT_ID_BAD),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
);
const queryLastEventId: fc.Arbitrary<string> = fc.oneof(
  headerLastEventId,
  fc.constantFrom('١٢٣', '\u00a05', '５', '1\u0000'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** What the server reads: headers lose leading and trailing blanks on the way; then it trims and wants 1-15 digits. */
function lastEventIdGood(header: string | undefined, query: string | undefined): boolean {
  const value = header === undefined ? query : header.replace(/^[\t ]+|[\t ]+$/g, '');
  return value === undefined || /^[0-9]{1,15}$/.test(value.trim());
}

export const eventsRequests: fc.Arbitrary<FuzzRequest> = fc
  .tuple(customerId, fc.option(headerLastEventId, { nil: undefined }), fc.option(queryLastEventId, { nil: undefined }))
  .map(([s, header, query]) => {
    const good = lastEventIdGood(header, query);
    const headers: Record<string, string> = header === undefined ? {} : { 'last-event-id': header };
    const path = withQuery(`/v1/customers/${s.text}/events`, { lastEventId: query });
    // `/v1/customers/../events` is the domain event feed, `/v1/events` (the admin's): it reads Last-Event-ID only
    // from the header, and answers a page.
    const toFeed = routedPaths(path).some((p) => /^\/v1\/events\/?$/.test(p));
    const mustFail = toFeed ? !lastEventIdGood(header, undefined) : s.id === undefined || !good;
    const request = bareRequest('GET', path, mustFail, headers);
    // Only a path that reaches the route (a good id) gets the resume point checked; `..` and the like go elsewhere.
    if (s.id !== undefined) request.events = { lastEventIdValid: good };
    return request;
  });

export const tokenRequests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.tuple(tokenBody, fc.boolean()).map(([body, asBytes]) => withBody('POST', '/v1/tokens', body, asBytes, body.mustFail)),
  fc.constantFrom('GET', 'HEAD').map((method) => bareRequest(method, '/v1/tokens', false)),
  // Never the id of a real token (the admin's among them): every revocation here is refused.
  pathSegment(['fz-tok-1'], fc.nat({ max: 1_000_000 }).map((n) => `fz-tok-${n}`))
    .map((s) => bareRequest('DELETE', `/v1/tokens/${s.text}`, true)),
);

// ---- the box office (issue 10): bookings, payments and their webhook, the waiting list, check-in ---------------

const BOOKING_SHOWS = ['demo-recital', 'demo-open-air', 'fz-s-1', 'nope'];
const BOOKING_CATEGORIES = ['cat-0', 'cat-1', 'cat-3', 'stalls', 'floor'];
const seatId = fc.tuple(fc.nat({ max: 4 }), fc.integer({ min: 1, max: 30 })).map(([row, n]) => `R${row}-${n}`);

const goodBookingItem: fc.Arbitrary<Fields> = fc.oneof(
  fc.record(
    { categoryId: fc.constantFrom(...BOOKING_CATEGORIES), quantity: fc.integer({ min: 1, max: 100 }), together: fc.boolean() },
    { requiredKeys: ['categoryId', 'quantity'] },
  ),
  fc.record({ categoryId: fc.constantFrom(...BOOKING_CATEGORIES), seats: fc.uniqueArray(seatId, { minLength: 1, maxLength: 6 }) }),
);

/**
 * A well-formed `POST /v1/bookings` body; `shows` are the show ids it may name. Whether it books depends on the shows
 * and wallets the fuzz run made: an answer may be any 4xx.
 */
export function goodBooking(shows: readonly string[] = BOOKING_SHOWS): fc.Arbitrary<Fields> {
  return fc.record(
    {
      customerId: fc.constantFrom(...DEMO_CUSTOMERS, 'nobody'),
      showId: fc.constantFrom(...shows),
      items: fc.array(goodBookingItem, { minLength: 1, maxLength: 3 }),
      payment: fc.constantFrom('wallet', 'card').map((method) => ({ method })),
    },
    { requiredKeys: ['customerId', 'showId', 'items'] },
  );
}

/** One thing wrong with an item, each against a rule of the schema. */
const badBookingItem: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, 101, 1.5, -1, '2', null, 1e300).map((quantity) => ({ categoryId: 'cat-0', quantity })),
  fc.constantFrom([], ['A7'], ['A-'], ['-7'], ['A-12345'], ['A-7 '], [7], 'A-7').map((seats) => ({ categoryId: 'cat-0', seats })),
  fc.constantFrom('yes', 1, null).map((together) => ({ categoryId: 'cat-0', quantity: 2, together })),
  fc.constant({ categoryId: 'cat-0', quantity: 1, seats: ['R0-1'] }),
  fc.constant({ categoryId: 'cat-0' }),
  fc.constant({ categoryId: 'cat-0', quantity: 1, extra: 1 }),
  fc.constant({ categoryId: 'cat-0', seats: Array.from({ length: 101 }, (_, i) => `R0-${i + 1}`) }),
  badId.map((categoryId) => ({ categoryId, quantity: 1 })),
  fc.constantFrom(null, 1, 'cat-0', []),
);

const badBooking: fc.Arbitrary<Fields> = fc.oneof(
  fc.tuple(goodBooking(), fc.constantFrom('customerId', 'showId'), badId).map(([b, key, value]) => ({ ...b, [key]: value })),
  fc.tuple(goodBooking(), fc.constantFrom('customerId', 'showId', 'items')).map(([b, key]) => {
    const { [key]: _dropped, ...rest } = b;
    return rest;
  }),
  fc.tuple(goodBooking(), badBookingItem, fc.nat()).map(([b, item, at]) => {
    const items = [...(b.items as unknown[])];
    items.splice(at % (items.length + 1), 0, item);
    return { ...b, items };
  }),
  fc.tuple(goodBooking(), fc.constantFrom([], {}, null, 'x', Array.from({ length: 21 }, () => ({ categoryId: 'cat-0', quantity: 1 }))))
    .map(([b, items]) => ({ ...b, items })),
  fc.tuple(goodBooking(), fc.constantFrom({ method: 'cash' }, {}, 'wallet', null, { method: 'card', extra: 1 }))
    .map(([b, payment]) => ({ ...b, payment })),
  fc.tuple(goodBooking(), fc.constantFrom('extra', '__proto__', 'total', 'price')).map(([b, key]) => ({ ...b, [key]: 1 })),
);

/** Idempotency-Key: absent, from a small pool (so keys come again, with the same body or another), or not one. */
const idempotencyKey: fc.Arbitrary<QueryValue> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ value: undefined, good: true }) },
  { weight: 3, arbitrary: fc.nat({ max: 20 }).map((n) => ({ value: `fz-key-${n}`, good: true })) },
  { weight: 1, arbitrary: fc.constantFrom('', 'a b', 'x'.repeat(129), 'é').map((value) => ({ value, good: false })) },
);

const ifMatch: fc.Arbitrary<QueryValue> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ value: undefined, good: true }) },
  { weight: 2, arbitrary: fc.tuple(fc.nat({ max: 9 }), fc.constantFrom('"%"', 'W/"%"', '%')).map(([n, form]) => ({ value: form.replace('%', String(n)), good: true })) },
  { weight: 1, arbitrary: fc.constantFrom('', '*', 'abc', '"x"', '"1234567890"', 'W/', '"-1"', '1.5').map((value) => ({ value, good: false })) },
);

const bookingId = pathSegment(['fz-bk-1'], fc.nat({ max: 1_000_000 }).map((n) => `bk-${n}`));
const paymentId = pathSegment(['fz-pay-1'], fc.nat({ max: 1_000_000 }).map((n) => `pay-${n}`));
const method = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('wallet', 'card').map((m) => ({ body: { method: m }, good: true })) },
  { weight: 1, arbitrary: fc.constantFrom({ method: 'cash' }, {}, { method: 'card', extra: 1 }, 'wallet', null, []).map((body) => ({ body, good: false })) },
);

/** A well-formed waiting-list entry. */
export const goodWaitingEntry: fc.Arbitrary<Fields> = fc.record({
  customerId: fc.constantFrom(...DEMO_CUSTOMERS, 'nobody'), categoryId: fc.constantFrom(...BOOKING_CATEGORIES), quantity: fc.integer({ min: 1, max: 100 }),
});

const waitingEntry = fc.oneof(
  { weight: 1, arbitrary: goodWaitingEntry.map((body) => ({ body, good: true })) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom(0, 101, 1.5, '1', null).map((quantity) => ({ customerId: 'customer-1', categoryId: 'cat-0', quantity })),
      badId.map((customerId) => ({ customerId, categoryId: 'cat-0', quantity: 1 })),
      badId.map((categoryId) => ({ customerId: 'customer-1', categoryId, quantity: 1 })),
      fc.constantFrom({ customerId: 'customer-1', categoryId: 'cat-0' }, { customerId: 'customer-1', categoryId: 'cat-0', quantity: 1, extra: 1 }, [], null),
    ).map((body) => ({ body, good: false })),
  },
);

const scanTime = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString());

/** A well-formed scan whose secret is no ticket's (answered 200 with a refusal, or 404 for an unknown show). */
export const goodCheckIn: fc.Arbitrary<Fields> = fc.record(
  {
    secret: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 120 }),
    gateId: fc.constantFrom('north-1', 'g.1:a-b'),
    scannedAt: scanTime,
    // A small pool: a nonce comes again with the same scan or another (409 nonce_reused).
    nonce: fc.oneof(fc.nat({ max: 1_000_000 }).map((n) => `fz-scan-${n}`), fc.nat({ max: 10 }).map((n) => `fz-again-${n}`)),
    showId: fc.constantFrom(...BOOKING_SHOWS),
  },
  { requiredKeys: ['secret', 'gateId', 'scannedAt', 'nonce'] },
);

/** A scan: well-formed, or with one field wrong. */
const checkInBody = fc.oneof(
  { weight: 1, arbitrary: goodCheckIn.map((body) => ({ body, good: true })) },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constantFrom<[string, unknown]>(
        ['secret', ''], ['secret', 'x'.repeat(1_000)], ['secret', 7], ['gateId', ''], ['gateId', 'north 1'], ['gateId', 'g'.repeat(65)],
        ['scannedAt', '2026-12-05T19:02:11'], ['scannedAt', 'now'], ['scannedAt', 1_764_583_200_000], ['nonce', ''], ['nonce', 'n/1'],
        ['nonce', 'n'.repeat(65)], ['showId', ''], ['showId', 'a b'], ['extra', 1],
      ),
      fc.nat({ max: 1_000_000 }),
    ).map(([[key, value], n]) => ({
      body: { secret: 'AQFq', gateId: 'north-1', scannedAt: '2026-12-05T19:02:11+01:00', nonce: `fz-bad-${n}`, [key]: value },
      good: false,
    })),
  },
);

/** A provider's webhook event (charge or refund of a payment), unsigned. */
export const goodProviderEvent: fc.Arbitrary<Fields> = fc.record({
  type: fc.constantFrom('charge.succeeded', 'charge.failed', 'refund.succeeded'), id: fc.nat().map((n) => `evt-${n}`),
  paymentId: fc.nat().map((n) => `pay-${n}`), providerTransactionId: fc.constant('txn-1'), amount: fc.nat({ max: 100_000 }), createdAt: fc.nat(),
});

/** What a provider might post: a webhook event, or anything; never with a signature this server accepts. */
const webhookBody = fc.oneof(goodProviderEvent, fc.jsonValue({ maxDepth: 2 }));
const webhookSignature = fc.option(
  fc.oneof(
    fc.constantFrom('', 't=1,v1=00', `t=1,v1=${'0'.repeat(64)}`, `t=${Math.floor(Date.UTC(2026, 0, 1) / 1_000)},v1=${'a'.repeat(64)}`, 'v1=,t='),
    fc.string({ unit: 'binary-ascii', maxLength: 80 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
  ),
  { nil: undefined },
);

export const bookingRequests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(fc.oneof({ weight: 1, arbitrary: goodBooking().map((body) => ({ body, good: true })) }, { weight: 2, arbitrary: badBooking.map((body) => ({ body, good: false })) }), idempotencyKey, fc.boolean())
      .map(([b, key, asBytes]) => {
        const request = withBody('POST', '/v1/bookings', { body: b.body, mustFail: !b.good, tapIds: [] }, asBytes, !b.good || !key.good);
        if (key.value !== undefined) request.headers['idempotency-key'] = key.value;
        return request;
      }),
  },
  fc.tuple(bookingId, fc.constantFrom('GET', 'HEAD')).map(([s, verb]) => bareRequest(verb, `/v1/bookings/${s.text}`, s.id === undefined)),
  fc.tuple(bookingId, method).map(([s, m]) => jsonRequest('POST', `/v1/bookings/${s.text}/pay`, m.body, s.id === undefined || !m.good)),
  fc.tuple(bookingId, ifMatch).map(([s, version]) =>
    bareRequest('POST', `/v1/bookings/${s.text}/cancel`, s.id === undefined || !version.good, version.value === undefined ? {} : { 'if-match': version.value })),
  fc.tuple(customerId, limit, cursor).map(([s, l, c]) =>
    bareRequest('GET', withQuery(`/v1/customers/${s.text}/bookings`, { limit: l.value, cursor: c.value }), s.id === undefined || !l.good || !c.good)),
  fc.tuple(paymentId, fc.constantFrom('GET', 'HEAD')).map(([s, verb]) => bareRequest(verb, `/v1/payments/${s.text}`, s.id === undefined)),
  fc.tuple(webhookBody, webhookSignature).map(([body, signature]) => {
    // Signed by no one this server trusts: always refused, before the body is read as an event.
    const request = jsonRequest('POST', '/v1/payments/webhook', body, true);
    if (signature !== undefined) request.headers['ticketd-signature'] = signature;
    return request;
  }),
  fc.tuple(showId, waitingEntry).map(([s, entry]) => jsonRequest('POST', `/v1/shows/${s.text}/waiting-list`, entry.body, s.id === undefined || !entry.good)),
  checkInBody.map((scan) => jsonRequest('POST', '/v1/check-ins', scan.body, !scan.good)),
  fc.tuple(showId, fc.constantFrom('GET', 'HEAD')).map(([s, verb]) => bareRequest(verb, `/v1/shows/${s.text}/check-in-list`, s.id === undefined)),
);
