/**
 * Requests that are wrong below the level of fields: bodies that are not JSON (cut short, bent syntax, nested
 * 50 000 deep, bytes that are not UTF-8), arbitrary JSON values, unknown routes and wrong methods.
 */
import fc from 'fast-check';
import { goodCustomer, goodMachine, goodRide, goodTap, goodTokenScope, goodTopUp, tapIdsOf, type Fields } from './body-arbitraries.ts';
import { bareRequest, encodeSegment, routedPaths, type FuzzRequest } from './fuzz-request.ts';
import { RawJson, toJsonText } from './json-text.ts';
import { goodBooking, goodCheckIn, goodProviderEvent, goodWaitingEntry } from './route-requests.ts';
import { goodShow } from './show-bodies.ts';

/** The routes that read a body, each with a good body for it. */
const BODY_ROUTES: ReadonlyArray<{ method: string; path: string; good: fc.Arbitrary<Fields | Fields[]> }> = [
  { method: 'POST', path: '/v1/taps', good: fc.oneof(goodTap, fc.uniqueArray(goodTap, { minLength: 1, maxLength: 4, selector: (t) => t.tapId })) },
  { method: 'PUT', path: '/v1/customers/fz-raw-c', good: goodCustomer },
  { method: 'POST', path: '/v1/customers/customer-2/top-ups', good: goodTopUp },
  { method: 'PUT', path: '/v1/rides/fz-raw-r', good: goodRide },
  { method: 'PUT', path: '/v1/machines/fz-raw-m', good: goodMachine },
  { method: 'PUT', path: '/v1/shows/fz-raw-s', good: goodShow },
  { method: 'POST', path: '/v1/tokens', good: goodTokenScope },
  // The box office's: a show no run makes, so a body that happens to be good books nothing (404 unknown_show).
  { method: 'POST', path: '/v1/bookings', good: goodBooking(['fz-raw-none']) },
  { method: 'POST', path: '/v1/bookings/fz-raw-bk/pay', good: fc.constantFrom({ method: 'wallet' }, { method: 'card' }) },
  { method: 'POST', path: '/v1/shows/fz-raw-none/waiting-list', good: goodWaitingEntry },
  { method: 'POST', path: '/v1/check-ins', good: goodCheckIn },
  { method: 'POST', path: '/v1/payments/webhook', good: goodProviderEvent },
  { method: 'POST', path: '/v1/me/notifications/read', good: fc.record({ upTo: fc.integer({ min: 1, max: 1_000_000 }) }) },
];

/** `good` (an object, or an array of them) with its first number field written as `literal`, if it has one. */
function firstNumberAs(good: Fields | Fields[], literal: string): string | undefined {
  const object = Array.isArray(good) ? good[0] : good;
  const key = object === undefined ? undefined : Object.keys(object).find((k) => typeof object[k] === 'number' || object[k] instanceof RawJson);
  if (object === undefined || key === undefined) return undefined;
  const bent = { ...object, [key]: new RawJson(literal) };
  return toJsonText(Array.isArray(good) ? [bent, ...good.slice(1)] : bent);
}

/** `good` with its first key unquoted, if it has one. */
function firstKeyBare(good: Fields | Fields[]): string | undefined {
  const object = Array.isArray(good) ? good[0] : good;
  const [key, ...rest] = object === undefined ? [] : Object.keys(object);
  if (object === undefined || key === undefined) return undefined;
  const fields = [`${key}:${toJsonText(object[key])}`, ...rest.map((k) => `${JSON.stringify(k)}:${toJsonText(object[k])}`)];
  const bent = `{${fields.join(',')}}`;
  return Array.isArray(good) ? `[${[bent, ...good.slice(1).map(toJsonText)].join(',')}]` : bent;
}

type Break = (good: Fields | Fields[], text: string, at: number) => string;

/** Ways to break JSON text; each result is not JSON whatever the good body was. */
const BREAKS: readonly Break[] = [
  (_, text, at) => text.slice(0, at % text.length),
  (_, text) => text.slice(0, -1),
  (_, text) => `${text.slice(0, -1)},${text.slice(-1)}`,
  (_, text) => (text.includes('"') ? text.replaceAll('"', "'") : `${text}x`),
  (_, text) => `${text} 1`,
  (_, text) => `//c\n${text}`,
  (_, text) => `)]}'\n${text}`,
  (good, text) => firstNumberAs(good, 'NaN') ?? `${text}}`,
  (good, text) => firstNumberAs(good, '0x10') ?? `${text}]`,
  (good, text) => firstKeyBare(good) ?? `${text},`,
];

/** Byte sequences that are not UTF-8: bad lead bytes, lone continuation bytes, overlongs, surrogates, cut-off. */
const NOT_UTF8: ReadonlyArray<readonly number[]> = [
  [0xff], [0xfe], [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe0, 0x80, 0xaf], [0xf0, 0x9f, 0x98],
];

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', undefined];

interface RawBody {
  body: string | Uint8Array;
  mustFail: boolean;
}

/** `text` as UTF-8 with a bad byte sequence put in, usually just inside a string literal. */
function withBadBytes(text: string, sequence: readonly number[], at: number): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const quotes: number[] = [];
  bytes.forEach((b, i) => b === 0x22 && quotes.push(i + 1));
  const where = quotes.length > 0 && at % 4 !== 0 ? (quotes[at % quotes.length] as number) : at % (bytes.length + 1);
  return new Uint8Array([...bytes.subarray(0, where), ...sequence, ...bytes.subarray(where)]);
}

function rawBody(good: Fields | Fields[], goodText: string): fc.Arbitrary<RawBody> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...BREAKS), fc.nat()).map(([bend, at]) => ({ body: bend(good, goodText, at), mustFail: true })) },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...NOT_UTF8), fc.nat()).map(([sequence, at]) => ({ body: withBadBytes(goodText, sequence, at), mustFail: true })),
    },
    { weight: 2, arbitrary: fc.jsonValue().map((value) => ({ body: JSON.stringify(value), mustFail: false })) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n\t', 'null x', '{', '[', '"').map((body) => ({ body, mustFail: true })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(10, 1_000, 50_000).chain((depth) => fc.constantFrom(
        { body: '['.repeat(depth) + ']'.repeat(depth), mustFail: true },
        { body: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, mustFail: true },
      )),
    },
    // Still JSON: a byte order mark or blanks around it change nothing.
    { weight: 1, arbitrary: fc.constantFrom(`\ufeff${goodText}`, ` \n${goodText}\n `).map((body) => ({ body, mustFail: false })) },
  );
}

export const rawBodyRequests: fc.Arbitrary<FuzzRequest> = fc
  .constantFrom(...BODY_ROUTES)
  .chain((route) => route.good.chain((good) => {
    const goodText = toJsonText(good);
    const tapIds = route.path === '/v1/taps' ? tapIdsOf(Array.isArray(good) ? good : [good]) : [];
    return fc.tuple(rawBody(good, goodText), fc.constantFrom(...CONTENT_TYPES)).map(([raw, contentType]): FuzzRequest => ({
      method: route.method,
      path: route.path,
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body: raw.body,
      mustFail: raw.mustFail,
      tapIds,
    }));
  }));

/** Every route, with a concrete path and the methods it answers. */
const ROUTES: ReadonlyArray<{ path: string; methods: readonly string[] }> = [
  { path: '/health', methods: ['GET', 'HEAD'] },
  { path: '/ready', methods: ['GET', 'HEAD'] },
  { path: '/v1/taps', methods: ['POST'] },
  { path: '/v1/taps/fz-1', methods: ['GET', 'HEAD'] },
  { path: '/v1/customers/customer-1', methods: ['GET', 'HEAD', 'PUT', 'PATCH'] },
  { path: '/v1/customers/customer-1/top-ups', methods: ['POST'] },
  { path: '/v1/customers/customer-1/tickets', methods: ['GET', 'HEAD'] },
  { path: '/v1/customers/customer-1/events', methods: ['GET'] },
  { path: '/v1/rides', methods: ['GET', 'HEAD'] },
  { path: '/v1/rides/ride-a', methods: ['PUT'] },
  { path: '/v1/machines', methods: ['GET', 'HEAD'] },
  { path: '/v1/machines/gate-1', methods: ['PUT'] },
  { path: '/v1/shows', methods: ['GET', 'HEAD'] },
  { path: '/v1/shows/demo-recital', methods: ['GET', 'HEAD', 'PUT'] },
  { path: '/openapi.json', methods: ['GET', 'HEAD'] },
  { path: '/docs', methods: ['GET', 'HEAD'] },
  { path: '/v1/dead-letters', methods: ['GET', 'HEAD'] },
  { path: '/v1/dead-letters/1', methods: ['GET', 'HEAD'] },
  { path: '/v1/dead-letters/1/replay', methods: ['POST'] },
  { path: '/v1/tokens', methods: ['GET', 'HEAD', 'POST'] },
  { path: '/v1/tokens/fz-tok-1', methods: ['DELETE'] },
  { path: '/v1/bookings', methods: ['POST'] },
  { path: '/v1/bookings/fz-bk-1', methods: ['GET', 'HEAD'] },
  { path: '/v1/bookings/fz-bk-1/pay', methods: ['POST'] },
  { path: '/v1/bookings/fz-bk-1/cancel', methods: ['POST'] },
  { path: '/v1/customers/customer-1/bookings', methods: ['GET', 'HEAD'] },
  { path: '/v1/payments/fz-pay-1', methods: ['GET', 'HEAD'] },
  { path: '/v1/payments/webhook', methods: ['POST'] },
  { path: '/v1/shows/demo-recital/waiting-list', methods: ['POST'] },
  { path: '/v1/shows/demo-recital/check-in-list', methods: ['GET', 'HEAD'] },
  { path: '/v1/check-ins', methods: ['POST'] },
  { path: '/v1/me', methods: ['GET', 'HEAD'] },
  { path: '/v1/me/notifications', methods: ['GET', 'HEAD'] },
  { path: '/v1/me/notifications/read', methods: ['POST'] },
  { path: '/v1/events', methods: ['GET', 'HEAD'] },
];

/** A trailing slash is the same route (`/v1/rides/` is `/v1/rides`). */
const KNOWN_PATH = [
  /^\/(health|ready|openapi\.json|docs)\/?$/, /^\/v1\/(taps|rides|machines|shows|dead-letters|tokens|bookings|check-ins|me|events)\/?$/,
  /^\/v1\/me\/notifications(\/read)?\/?$/,
  /^\/v1\/(taps|customers|rides|machines|shows|dead-letters|tokens|bookings|payments)\/[^/]+\/?$/,
  /^\/v1\/customers\/[^/]+\/(top-ups|tickets|events|bookings)\/?$/, /^\/v1\/dead-letters\/[^/]+\/replay\/?$/,
  /^\/v1\/bookings\/[^/]+\/(pay|cancel)\/?$/, /^\/v1\/shows\/[^/]+\/(waiting-list|check-in-list)\/?$/,
];

/** Whether `path` may reach a route once the URL is normalised (`..`) and percent-decoded. */
function mayBeKnown(path: string): boolean {
  return routedPaths(path).some((p) => KNOWN_PATH.some((re) => re.test(p)));
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'FOO', 'PROPFIND', 'M-SEARCH'];
const SEGMENTS = [
  'v1', 'v2', 'taps', 'tokens', 'customers', 'customer-1', 'events', 'top-ups', 'tickets', 'rides', 'machines', 'shows', 'dead-letters', 'replay',
  'health', 'x', '1', '..', '.', '%2e', 'V1', 'bookings', 'pay', 'cancel', 'payments', 'webhook', 'check-ins', 'waiting-list', 'check-in-list',
  'demo-recital', 'me', 'notifications', 'read',
];

const wrongMethod: fc.Arbitrary<FuzzRequest> = fc.constantFrom(...ROUTES).chain((route) =>
  fc.constantFrom(...METHODS.filter((m) => !route.methods.includes(m))).map((method) => {
    const request = bareRequest(method, route.path, true);
    if (method !== 'HEAD' && method !== 'GET') {
      request.body = '{}';
      request.headers['content-type'] = 'application/json';
    }
    return request;
  }));

const unknownPath: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('/', '/v1', '/v1/', '/v2/taps', '/v1/taps/', '/V1/taps', '/v1/tapsx', '/v1/customers', '/v1/customers/',
        '/v1/customers/customer-1/tickets/x', '/v1/machines', '/v1/dead-letters/1/replay/x', '/v1/taps/a/b', '/favicon.ico',
        '/v1/rides/ride-a/extra', '/v1/customers/customer-1/events/', '/v1/payments', '/v1/bookings/x/pay/y', '/v1/check-ins/x',
        '/v1/shows/demo-recital/waiting-list/x', '/v1/payments/webhook/x'),
      fc.array(fc.oneof(fc.constantFrom(...SEGMENTS), fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).map((s) => encodeSegment(s) ?? '%ED%A0%80')), { maxLength: 5 })
        .map((segments) => `/${segments.join('/')}`),
    ),
    fc.constantFrom(...METHODS),
  )
  .map(([path, method]) => bareRequest(method, path, !mayBeKnown(path)));

export const routingRequests: fc.Arbitrary<FuzzRequest> = fc.oneof(wrongMethod, unknownPath);
