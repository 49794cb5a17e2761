/**
 * Who may call what (issue 11): every operation of `/openapi.json` against every kind of caller (no token, an admin,
 * a manager, a machine of gate-1, the customer c-1 whose resources the paths name, and another customer c-2), from ONE table.
 * The operations are read from the app's own declarations, so a route added without a row here fails the test.
 *
 * "Let in" is any answer but 401 and 403 (404, 400, 409… are fine: the fake data is thin); "refused" is 401
 * `unauthorized` without a token, 403 `forbidden` with one, or the 404 with which a route hides another customer's
 * resource (`hides`). The rows follow the guards of src/http/access.ts and the checks the handlers of
 * src/http/*-routes.ts make themselves. Where they differ from the README's "Tokens, roles and limits", the table
 * follows the code (see the note above TABLE).
 *
 * Why a body never decides a guard's refusal: route-table.ts registers each operation as
 * `[guard(allow), jsonBody]` route middleware, and @hono/zod-openapi runs a route's middleware before its param,
 * query and body validators (`this.on(method, path, ...middleware, ...validators, handler)`), so the guard refuses
 * before the body is even read. The checks a handler makes itself (a booking's or a waiting-list entry's
 * customerId, a tap's customer, a booking's or a payment's owner, a machine's taps) run after validation: those rows
 * send a valid body, so that the check, not the body, decides.
 */
import { describe, expect, it } from 'vitest';
import type { Booking, BookingPayment } from '../../src/box-office/booking-types.ts';
import { createApp, type TicketdApp } from '../../src/http/app.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { checkContract, declaredRoutes } from './contract.ts';
import { FakeEngine } from './fake-engine.ts';
import { bearer, harness, seedCustomer, tap, type Answer, type Harness } from './helpers.ts';
import { testAuth, type TestAuth } from './memory-tokens.ts';

/**
 * `user` is a logged-in person with a `user` account whose customer is c-1: its session is a customer token of c-1
 * that carries the account's id, so it may do exactly what `own` may.
 */
type Caller = 'none' | 'admin' | 'manager' | 'machine' | 'own' | 'user' | 'other';

const EVERYONE: readonly Caller[] = ['none', 'admin', 'manager', 'machine', 'own', 'user', 'other'];
const ANY_TOKEN: readonly Caller[] = ['admin', 'manager', 'machine', 'own', 'user', 'other'];
const ADMIN: readonly Caller[] = ['admin'];
/** Admins and managers (`staff` in access.ts): everything but tokens and users. */
const STAFF: readonly Caller[] = ['admin', 'manager'];
const STAFF_OWN: readonly Caller[] = ['admin', 'manager', 'own', 'user'];
const STAFF_MACHINE: readonly Caller[] = ['admin', 'manager', 'machine'];
const ADMIN_MACHINE: readonly Caller[] = ['admin', 'machine'];
const CUSTOMERS: readonly Caller[] = ['own', 'user', 'other'];

interface Row {
  /** The callers let past the access check; every other one is refused. */
  allowed: readonly Caller[];
  /** The request's path, its parameters filled with what the world below holds (c-1 is `own`). */
  path: string;
  /** A valid body for the route's declaration. */
  body?: unknown;
  /** The 404 code with which the route answers `other`, hiding c-1's resource instead of a 403. */
  hides?: string;
  /** Served only by an app built with metrics (`GET /metrics`). */
  metrics?: true;
}

const GALA = {
  name: 'Winter Gala', venue: 'Concertgebouw', location: 'Amsterdam', startsAt: '2026-12-05T20:00:00+01:00',
  status: 'on_sale', categories: [{ id: 'standing', name: 'Standing', price: 2_000, capacity: 300 }],
};

/**
 * Route → who passes the access check. Where this differs from the README's "Tokens, roles and limits" (its role
 * table says a machine may only `POST /v1/taps` and a customer only its customer, tickets, events and taps, "anything
 * else is 403"; that an admin may do "everything"; that every route but the health checks and the API's description
 * needs a token), the rows follow the code: customers also read shows, book, pay, cancel, read their bookings and
 * payments, join waiting lists and read `/v1/me` and their inbox; machines also read shows, check in, read check-in
 * lists and `/v1/me`; admins have no inbox (403); the payment webhook needs no token.
 */
const TABLE: Record<string, Row> = {
  'GET /health': { allowed: EVERYONE, path: '/health' },
  'GET /ready': { allowed: EVERYONE, path: '/ready' },
  'GET /openapi.json': { allowed: EVERYONE, path: '/openapi.json' },
  'GET /docs': { allowed: EVERYONE, path: '/docs' },
  'GET /metrics': { allowed: STAFF, path: '/metrics', metrics: true },

  'POST /v1/taps': { allowed: ADMIN_MACHINE, path: '/v1/taps', body: tap(3) },
  'GET /v1/taps/{tapId}': { allowed: STAFF_OWN, path: '/v1/taps/tap-1', hides: 'unknown_tap' },

  'GET /v1/customers/{id}': { allowed: STAFF_OWN, path: '/v1/customers/c-1' },
  'PUT /v1/customers/{id}': { allowed: STAFF, path: '/v1/customers/c-1', body: { name: 'Ada', tier: 'standard' } },
  'PATCH /v1/customers/{id}': { allowed: STAFF, path: '/v1/customers/c-1', body: { tier: 'season-pass' } },
  'POST /v1/customers/{id}/top-ups': { allowed: STAFF, path: '/v1/customers/c-1/top-ups', body: { topUpId: 'tu-1', amount: 100 } },
  'GET /v1/customers/{id}/tickets': { allowed: STAFF_OWN, path: '/v1/customers/c-1/tickets' },
  // Under app.request there is no Node response to stream to: a caller let in gets 500 sse_unavailable.
  'GET /v1/customers/{id}/events': { allowed: STAFF_OWN, path: '/v1/customers/c-1/events' },
  'GET /v1/customers/{id}/bookings': { allowed: STAFF_OWN, path: '/v1/customers/c-1/bookings' },
  // The domain event feed is the admin's (issue 11), not a manager's.
  'GET /v1/events': { allowed: ADMIN, path: '/v1/events' },

  'GET /v1/rides': { allowed: STAFF, path: '/v1/rides' },
  'PUT /v1/rides/{id}': { allowed: STAFF, path: '/v1/rides/carousel', body: { name: 'Carousel', price: 200, open: true } },
  'GET /v1/machines': { allowed: STAFF, path: '/v1/machines' },
  'PUT /v1/machines/{id}': { allowed: STAFF, path: '/v1/machines/gate-2', body: {} },

  'GET /v1/shows': { allowed: ANY_TOKEN, path: '/v1/shows' },
  'GET /v1/shows/{id}': { allowed: ANY_TOKEN, path: '/v1/shows/gala' },
  'PUT /v1/shows/{id}': { allowed: STAFF, path: '/v1/shows/gala', body: GALA },

  // Another customer is refused by the handler (its own customerId only), after the body is validated.
  'POST /v1/bookings': {
    allowed: STAFF_OWN, path: '/v1/bookings', body: { customerId: 'c-1', showId: 'gala', items: [{ categoryId: 'standing', quantity: 1 }] },
  },
  'GET /v1/bookings/{id}': { allowed: STAFF_OWN, path: '/v1/bookings/bk-1', hides: 'unknown_booking' },
  'POST /v1/bookings/{id}/pay': { allowed: STAFF_OWN, path: '/v1/bookings/bk-1/pay', body: { method: 'wallet' }, hides: 'unknown_booking' },
  'POST /v1/bookings/{id}/cancel': { allowed: STAFF_OWN, path: '/v1/bookings/bk-1/cancel', hides: 'unknown_booking' },
  // Trusted by its signature, not a token: everyone gets as far as 400 invalid_signature.
  'POST /v1/payments/webhook': {
    allowed: EVERYONE, path: '/v1/payments/webhook',
    body: { type: 'charge.succeeded', id: 'evt-1', paymentId: 'pay-1', providerTransactionId: 'txn-1', amount: 2_000, createdAt: 1_000 },
  },
  'GET /v1/payments/{id}': { allowed: STAFF_OWN, path: '/v1/payments/pay-1', hides: 'unknown_payment' },
  'POST /v1/shows/{id}/waiting-list': {
    allowed: STAFF_OWN, path: '/v1/shows/gala/waiting-list', body: { customerId: 'c-1', categoryId: 'standing', quantity: 1 },
  },
  'POST /v1/check-ins': {
    allowed: STAFF_MACHINE, path: '/v1/check-ins',
    body: { secret: 'not-a-ticket', gateId: 'north-1', scannedAt: '2026-12-05T19:02:11+01:00', nonce: 'scan-1' },
  },
  'GET /v1/shows/{id}/check-in-list': { allowed: STAFF_MACHINE, path: '/v1/shows/gala/check-in-list' },

  'GET /v1/me': { allowed: ANY_TOKEN, path: '/v1/me' },
  // Each customer token reads its own inbox: c-2 is let in as much as c-1.
  'GET /v1/me/notifications': { allowed: CUSTOMERS, path: '/v1/me/notifications' },
  'POST /v1/me/notifications/read': { allowed: CUSTOMERS, path: '/v1/me/notifications/read', body: { upTo: 1 } },
  // Each customer tops up its own wallet.
  'POST /v1/me/top-ups': { allowed: CUSTOMERS, path: '/v1/me/top-ups', body: { topUpId: 'phone-1', amount: 1_000 } },
  'GET /v1/me/top-ups/{id}': { allowed: CUSTOMERS, path: '/v1/me/top-ups/phone-1' },

  'GET /v1/dead-letters': { allowed: STAFF, path: '/v1/dead-letters' },
  'GET /v1/dead-letters/{id}': { allowed: STAFF, path: '/v1/dead-letters/1' },
  'POST /v1/dead-letters/{id}/replay': { allowed: STAFF, path: '/v1/dead-letters/1/replay' },

  'POST /v1/tokens': { allowed: ADMIN, path: '/v1/tokens', body: { role: 'customer', customerId: 'c-2' } },
  'GET /v1/tokens': { allowed: ADMIN, path: '/v1/tokens' },
  // An id no token has: revoking a caller's own token would change the rows that follow it.
  'DELETE /v1/tokens/{id}': { allowed: ADMIN, path: '/v1/tokens/tok-999' },

  // Accounts: admins only (not managers). Without --allow-signup an anonymous POST /v1/users is 401 like any other.
  'POST /v1/users': {
    allowed: ADMIN, path: '/v1/users',
    body: { username: 'grace', email: 'grace@example.com', displayName: 'Grace Hopper', password: 'correct horse battery' },
  },
  'GET /v1/users': { allowed: ADMIN, path: '/v1/users' },
  'GET /v1/users/{id}': { allowed: ADMIN, path: '/v1/users/usr_1' },
  'PATCH /v1/users/{id}': { allowed: ADMIN, path: '/v1/users/usr_1', body: { displayName: 'Ada King' } },
  'DELETE /v1/users/{id}': { allowed: ADMIN, path: '/v1/users/usr_1' },
  // Logging in needs no token; anyone reaches 401 invalid_credentials or (this app has no accounts) 503.
  'POST /v1/sessions': { allowed: EVERYONE, path: '/v1/sessions', body: { username: 'ada', password: 'correct horse battery' } },
  // Any token reaches the route; an API token is told it is not a session (400 not_a_session), a session ends.
  'DELETE /v1/sessions/current': { allowed: ANY_TOKEN, path: '/v1/sessions/current' },
  // Any token may be kept as this browser's session cookie (a page opened with a customer token).
  'POST /v1/sessions/cookie': { allowed: ANY_TOKEN, path: '/v1/sessions/cookie' },
};

/** Public paths the app serves outside the route declarations (api-docs.ts), so in no declared list. */
const UNDECLARED = ['GET /openapi.json', 'GET /docs'];

const CREATED_AT = '2026-12-01T10:00:00.000Z';
const PAYMENT: BookingPayment = {
  id: 'pay-1', bookingId: 'bk-1', method: 'wallet', amount: 2_000, currency: 'EUR', status: 'succeeded', refunded: 0,
  createdAt: CREATED_AT, updatedAt: CREATED_AT,
};
const BOOKING: Booking = {
  id: 'bk-1', customerId: 'c-1', showId: 'gala', status: 'confirmed',
  items: [{ categoryId: 'standing', quantity: 1, unitPrice: 2_000, amount: 2_000 }], total: 2_000, currency: 'EUR',
  holdExpiresAt: CREATED_AT, version: 2, payments: [PAYMENT], tickets: [], createdAt: CREATED_AT, updatedAt: CREATED_AT,
};

interface World {
  app: TicketdApp;
  call: Harness['call'];
  /** The headers each caller sends: `none` sends an empty Authorization, which is no token. */
  headers: Record<Caller, Record<string, string>>;
}

/** Customers c-1 and c-2, ride carousel, machine gate-1: what the callers' tokens and the rows' paths name. */
function seedEngine(engine: FakeEngine): void {
  seedCustomer(engine, 'c-1');
  seedCustomer(engine, 'c-2');
  engine.rides.set('carousel', { id: 'carousel', name: 'Carousel', price: 200, open: true });
  engine.machines.set('gate-1', { id: 'gate-1' });
}

function callerHeaders(tokens: TestAuth): World['headers'] {
  const secret = (scope: Parameters<TestAuth['authenticator']['create']>[0]) => tokens.authenticator.create(scope).token;
  return {
    none: { authorization: '' },
    admin: bearer(tokens.admin),
    manager: bearer(secret({ role: 'manager' })),
    machine: bearer(secret({ role: 'machine', machineId: 'gate-1' })),
    own: bearer(secret({ role: 'customer', customerId: 'c-1' })),
    user: bearer(tokens.tokens.createSession({ role: 'customer', customerId: 'c-1' }, 'usr_1', 1_000).token),
    other: bearer(secret({ role: 'customer', customerId: 'c-2' })),
  };
}

/**
 * The harness with c-1's things in it: tap-1, dead letter 1, the on-sale show gala, and booking bk-1 with its payment
 * pay-1. The fake box office knows no bookings, so c-1's own booking and c-2's view of it would both be 404: its
 * reads, pay and cancel are given bk-1, so that the 404 which hides it from c-2 is told apart from a caller let in.
 */
async function harnessWorld(): Promise<World> {
  const h = harness();
  seedEngine(h.engine);
  await h.engine.submitTaps([tap(1)]);
  h.engine.deadLetters.set(1, {
    id: 1, tapId: 'tap-2', tap: tap(2), reason: 'ride_closed', attempts: 1, firstAt: CREATED_AT, lastAt: CREATED_AT, status: 'open',
  });
  const office = h.engine.boxOffice;
  office.getBooking = (id) => (id === BOOKING.id ? BOOKING : undefined);
  office.getPayment = (id) => (id === PAYMENT.id ? PAYMENT : undefined);
  office.pay = () => Promise.resolve(BOOKING);
  office.cancel = () => Promise.resolve(BOOKING);
  const gala = await h.call('PUT', '/v1/shows/gala', GALA);
  expect(gala.status).toBe(201);
  return { app: h.app, call: (method, path, body, headers) => h.call(method, path, body, headers), headers: callerHeaders(h.tokens) };
}

/** The same app as the server builds it with `GET /metrics`, which the harness leaves out. */
function metricsWorld(): World {
  const clock = new VirtualClock(1_000);
  const engine = new FakeEngine();
  seedEngine(engine);
  const tokens = testAuth(clock, {}, () => true);
  const { app } = createApp({
    engine, clock, auth: tokens.auth, heartbeatMs: 15_000, sseBufferBytes: 1 << 20, metrics: { metrics: new Metrics() },
  });
  const call: Harness['call'] = async (method, path, _body, headers = {}) => {
    const res = await app.request(path, { method, headers });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    const body: unknown = text !== '' && contentType.includes('application/json') ? JSON.parse(text) : text;
    checkContract(app, method, path, res.status, contentType, body);
    return { status: res.status, headers: res.headers, body };
  };
  return { app, call, headers: callerHeaders(tokens) };
}

/** What is wrong with `answer` for `caller` on `row`, or undefined when it is what the table says. */
function mismatch(row: Row, caller: Caller, answer: Answer): string | undefined {
  const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
  const got = `${answer.status} ${code ?? ''}`.trim();
  if (row.allowed.includes(caller)) {
    if (answer.status === 401 || answer.status === 403) return `${caller}: let in expected, refused with ${got}`;
    if (row.hides !== undefined && answer.status === 404 && code === row.hides) return `${caller}: let in expected, hidden with ${got}`;
    // The path must reach its route: a not_found or a 405 would let anyone "in".
    if (code === 'not_found' || code === 'method_not_allowed') return `${caller}: the request missed its route: ${got}`;
    return undefined;
  }
  if (caller === 'none') {
    const challenged = answer.headers.get('www-authenticate') === 'Bearer';
    return answer.status === 401 && code === 'unauthorized' && challenged ? undefined : `none: 401 unauthorized expected, got ${got}`;
  }
  const [status, wanted] = caller === 'other' && row.hides !== undefined ? [404, row.hides] : [403, 'forbidden'];
  return answer.status === status && code === wanted ? undefined : `${caller}: ${status} ${wanted} expected, got ${got}`;
}

describe('the role table', () => {
  it('has one row for every operation the API declares, and no other', () => {
    const declared = [harness().app, metricsWorld().app]
      .flatMap((app) => declaredRoutes(app))
      .map((route) => `${route.method.toUpperCase()} ${route.path}`);
    const operations = new Set([...declared, ...UNDECLARED]);
    const withoutRow = [...operations].filter((operation) => !(operation in TABLE));
    const withoutOperation = Object.keys(TABLE).filter((operation) => !operations.has(operation));
    expect({ withoutRow, withoutOperation }).toEqual({ withoutRow: [], withoutOperation: [] });
  });

  it('fills each row path in from its declared path', () => {
    for (const [operation, row] of Object.entries(TABLE)) {
      const template = operation.slice(operation.indexOf(' ') + 1);
      expect(row.path, operation).toMatch(new RegExp(`^${template.replaceAll(/\{[^}]+\}/g, '[^/{}]+')}$`));
    }
  });

  it.each(Object.entries(TABLE))('%s lets in exactly the callers its row names', async (operation, row) => {
    const world = row.metrics === true ? metricsWorld() : await harnessWorld();
    const method = operation.slice(0, operation.indexOf(' '));
    const wrong: string[] = [];
    for (const caller of EVERYONE) {
      const answer = await world.call(method, row.path, row.body, world.headers[caller]);
      const problem = mismatch(row, caller, answer);
      if (problem !== undefined) wrong.push(problem);
    }
    expect(wrong).toEqual([]);
  });
});
