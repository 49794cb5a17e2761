import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../src/cli/http-client.ts';
import { auditOnsale, type AuditedBooking } from '../../src/cli/onsale-audit.ts';
import { formatOnsaleProgress } from '../../src/cli/onsale-report.ts';
import type { OnsaleSummary } from '../../src/cli/onsale-run.ts';
import { runOnsale } from '../../src/cli/onsale.ts';
import { seededRandom } from '../../src/platform/random.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { capture } from './capture-io.ts';
import { drive } from './virtual-time.ts';

interface FakeBooking {
  id: string; customerId: string; status: string; method?: string; categoryId: string; quantity: number;
  tickets: { categoryId: string; status: string }[];
}

interface FakeBody {
  balance: number; customerId: string; items: { categoryId: string; quantity: number }[]; payment?: { method: string };
}

interface FakeOptions {
  capacity: number;
  price?: number;
  /** Virtual ms each request takes. */
  latencyMs?: number;
  cardDelayMs?: number;
  /** Added to the sold count the show answers: a server that lies. */
  soldSkew?: number;
  /** From this request on (0-based, every request counted) the fake refuses connections: the server is gone. */
  goneAfterRequests?: number;
  /** An answer other than the usual one for request `index` (0-based, every request counted). */
  answer?: (index: number, method: string, path: string) => { status: number; body?: unknown; headers?: Record<string, string> } | undefined;
}

/**
 * A fake of the booking routes `ticketd onsale` uses, in virtual time at http://ticketd.test: one show `gala` with
 * one general-admission category `floor`; wallet bookings confirm at once (or fail short of funds), card bookings
 * answer `held` and confirm `cardDelayMs` later, bookings without payment stay held. Idempotency-Key repeats answer
 * the first booking.
 */
function fakeServer(clock: VirtualClock, opts: FakeOptions) {
  const price = opts.price ?? 2_500;
  const balances = new Map<string, number>();
  const bookings = new Map<string, FakeBooking>();
  const byKey = new Map<string, string>();
  const waiting: unknown[] = [];
  const requests: { method: string; path: string; idempotencyKey?: string; authorization?: string }[] = [];
  const counts = { held: 0, sold: 0 };
  let maxBookingsInFlight = 0;
  let bookingsInFlight = 0;

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  const error = (status: number, code: string) => json(status, { error: { code, message: code } });

  function book(body: FakeBody) {
    const { quantity, categoryId } = body.items[0]!;
    if (!balances.has(body.customerId)) return error(404, 'unknown_customer');
    if (opts.capacity - counts.held - counts.sold < quantity) return error(409, 'sold_out');
    const booking: FakeBooking = {
      id: `bk-${bookings.size + 1}`, customerId: body.customerId, status: 'held', categoryId, quantity, tickets: [],
      ...(body.payment && { method: body.payment.method }),
    };
    bookings.set(booking.id, booking);
    counts.held += quantity;
    const confirm = () => {
      counts.held -= quantity;
      counts.sold += quantity;
      booking.status = 'confirmed';
      booking.tickets = Array.from({ length: quantity }, () => ({ categoryId, status: 'valid' }));
    };
    if (body.payment?.method === 'wallet') {
      const balance = balances.get(body.customerId)!;
      if (balance < price * quantity) {
        counts.held -= quantity;
        booking.status = 'payment_failed';
      } else {
        balances.set(body.customerId, balance - price * quantity);
        confirm();
      }
    } else if (body.payment?.method === 'card') {
      clock.setTimer(confirm, opts.cardDelayMs ?? 500);
    }
    return json(201, booking);
  }

  function handle(index: number, method: string, path: string, init: RequestInit): Response {
    const special = opts.answer?.(index, method, path);
    if (special) return json(special.status, special.body ?? {}, special.headers);
    // The fake trusts the client's bodies: the assertions check what was sent.
    const body = (typeof init.body === 'string' ? JSON.parse(init.body) : {}) as FakeBody;
    const headers = init.headers as Record<string, string>;
    if (method === 'GET' && path === '/v1/shows/gala') {
      return json(200, { id: 'gala', categories: [{
        id: 'floor', name: 'Floor', price, capacity: opts.capacity, held: counts.held,
        sold: counts.sold + (opts.soldSkew ?? 0), available: opts.capacity - counts.held - counts.sold - (opts.soldSkew ?? 0),
      }] });
    }
    if (method === 'GET' && path.startsWith('/v1/shows/')) return error(404, 'unknown_show');
    if (method === 'PUT' && path.startsWith('/v1/customers/')) {
      const id = path.slice('/v1/customers/'.length);
      const created = !balances.has(id);
      if (created) balances.set(id, body.balance);
      return json(created ? 201 : 200, { id, balance: balances.get(id) });
    }
    if (method === 'POST' && path === '/v1/bookings') {
      const key = headers['idempotency-key'];
      const first = key === undefined ? undefined : byKey.get(key);
      if (first !== undefined) return json(201, bookings.get(first));
      const answer = book(body);
      if (answer.status === 201 && key !== undefined) byKey.set(key, `bk-${bookings.size}`);
      return answer;
    }
    if (method === 'GET' && path.startsWith('/v1/bookings/')) {
      const booking = bookings.get(path.slice('/v1/bookings/'.length));
      return booking === undefined ? error(404, 'unknown_booking') : json(200, booking);
    }
    if (method === 'POST' && path === '/v1/shows/gala/waiting-list') {
      waiting.push(body);
      return json(201, { id: `wl-${waiting.length}`, status: 'waiting', ...body });
    }
    return error(404, 'not_found');
  }

  const fetch: FetchLike = (url, init) => {
    const path = url.replace('http://ticketd.test', '');
    const method = init.method ?? 'GET';
    const headers = init.headers as Record<string, string>;
    const index = requests.length;
    if (index >= (opts.goneAfterRequests ?? Infinity)) {
      return Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    }
    requests.push({ method, path, idempotencyKey: headers['idempotency-key'], authorization: headers.authorization });
    const isBooking = method === 'POST' && path === '/v1/bookings';
    if (isBooking) maxBookingsInFlight = Math.max(maxBookingsInFlight, ++bookingsInFlight);
    return new Promise((resolve) => {
      clock.setTimer(() => {
        if (isBooking) bookingsInFlight--;
        resolve(handle(index, method, path, init));
      }, opts.latencyMs ?? 5);
    });
  };
  return { fetch, requests, bookings, balances, waiting, counts, get maxBookingsInFlight() { return maxBookingsInFlight; } };
}

let dir: string | undefined;
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function onsale(argv: string[], opts: FakeOptions & { fetch?: FetchLike; tty?: boolean }) {
  const clock = new VirtualClock(Date.UTC(2026, 11, 6, 20));
  const server = fakeServer(clock, opts);
  const { io, out } = capture(opts.tty);
  const deps = { fetch: opts.fetch ?? server.fetch, clock, random: seededRandom(5) };
  const code = await drive(clock, runOnsale(['--url', 'http://ticketd.test', '--token', 'tkd_admin', ...argv], io, deps));
  return { code, out, server, summary: () => JSON.parse(out.stdout) as OnsaleSummary };
}

const RUN = ['--show', 'gala', '--json', '--seed', '11'];

describe('ticketd onsale', () => {
  it('sells exactly the capacity to many buyers: the rest are sold out, card payments settle, the audit holds', async () => {
    const { code, summary, server } = await onsale([...RUN, '--buyers', '200', '--concurrency', '16', '--abandon-share', '0'],
      { capacity: 40 });
    expect(code).toBe(0);
    const s = summary();
    expect(s.buyers).toMatchObject({ requested: 200, created: 200, failed: 0 });
    expect(s.attempts).toBe(200);
    expect(s.answers.sold_out).toBe(160);
    expect((s.answers.held ?? 0) + (s.answers.confirmed ?? 0)).toBe(40);
    expect(s.answers.held).toBeGreaterThan(0);
    expect(s.bookings).toEqual({ confirmed: 40 });
    expect(s.unsettled).toBe(0);
    expect(s.audit).toMatchObject({ holds: true, problems: [] });
    expect(s.audit?.categories).toEqual([{ id: 'floor', capacity: 40, available: 0, held: 0, sold: 40, confirmedTickets: 40 }]);
    expect(s.latencyMs?.p50).toBe(5);
    expect(s.holdsPerS).toBeGreaterThan(0);
    expect(s.confirmedPerS).toBeGreaterThan(0);
    expect(server.maxBookingsInFlight).toBeLessThanOrEqual(16);
    expect(server.maxBookingsInFlight).toBeGreaterThan(1);
    // Every buyer got a balance that covers one booking at the category's price.
    expect(new Set(server.balances.values())).toEqual(new Set([2_500, 0]));
    expect(server.requests.filter((r) => r.authorization !== 'Bearer tkd_admin')).toEqual([]);
  });

  it('with --waitlist puts every buyer answered sold_out on the waiting list', async () => {
    const { code, summary, server } = await onsale(
      [...RUN, '--waitlist', '--buyers', '60', '--concurrency', '8', '--abandon-share', '0', '--quantity', '2'], { capacity: 20 });
    expect(code).toBe(0);
    const s = summary();
    expect(s.answers.sold_out).toBe(50);
    expect(s.waitlisted).toBe(50);
    expect(server.waiting[0]).toEqual({ customerId: expect.stringMatching(/^onsale-[0-9a-z]{6}-\d+$/), categoryId: 'floor', quantity: 2 });
    expect(s.audit?.categories[0]).toMatchObject({ sold: 20, confirmedTickets: 20 });
  });

  it('counts abandoned bookings as held and still audits the show as whole', async () => {
    const { code, summary } = await onsale([...RUN, '--buyers', '30', '--concurrency', '4', '--card-share', '0', '--abandon-share', '1'],
      { capacity: 10 });
    expect(code).toBe(0);
    const s = summary();
    expect(s.plans).toEqual({ wallet: 0, card: 0, abandon: 30 });
    expect(s.bookings).toEqual({ held: 10 });
    expect(s.audit?.categories[0]).toMatchObject({ held: 10, sold: 0, available: 0, confirmedTickets: 0 });
  });

  it('exits 1 and says why when the server sells more than the tickets it issued', async () => {
    const { code, out } = await onsale(['--show', 'gala', '--seed', '1', '--buyers', '20', '--concurrency', '4'], { capacity: 10, soldSkew: 1 });
    expect(code).toBe(1);
    expect(out.stdout).toContain('AUDIT           FAILED');
    expect(out.stdout).toMatch(/floor: sold \d+ but \d+ valid ticket\(s\) of confirmed bookings/);
  });

  it('draws who pays how from --seed: the same seed plays the same run', async () => {
    const argv = [...RUN, '--buyers', '100', '--concurrency', '8'];
    const first = (await onsale(argv, { capacity: 30 })).summary();
    const second = (await onsale(argv, { capacity: 30 })).summary();
    expect(second.plans).toEqual(first.plans);
    expect(second.answers).toEqual(first.answers);
    expect(first.plans.card).toBeGreaterThan(15);
    expect(first.plans.abandon).toBeGreaterThan(2);
  });

  it('retries a 503 after its Retry-After with the same Idempotency-Key, and books once', async () => {
    let refused = false;
    const { code, summary, server } = await onsale([...RUN, '--buyers', '3', '--concurrency', '1', '--card-share', '0', '--abandon-share', '0'], {
      capacity: 10,
      answer: (_index, method, path) => {
        if (refused || method !== 'POST' || path !== '/v1/bookings') return undefined;
        refused = true;
        return { status: 503, body: { error: { code: 'overloaded', message: 'busy' } }, headers: { 'retry-after': '1' } };
      },
    });
    expect(code).toBe(0);
    const s = summary();
    expect(s.retries).toBe(1);
    expect(s.bookings).toEqual({ confirmed: 3 });
    const posts = server.requests.filter((r) => r.path === '/v1/bookings');
    expect(posts).toHaveLength(4);
    expect(posts[0]!.idempotencyKey).toBe(posts[1]!.idempotencyKey);
  });

  it('shows a progress line about once a second on stderr', async () => {
    const { out } = await onsale([...RUN, '--buyers', '40', '--concurrency', '1'], { capacity: 100, latencyMs: 100 });
    const lines = out.stderr.split('\n').filter((l) => l.includes('attempts'));
    // 40 buyers created one at a time, 100 ms each, then 40 attempts, settling and the audit: a line each second.
    expect(lines.length).toBeGreaterThanOrEqual(7);
    // The show is read first (100 ms), so 9 buyers are in at 1 s.
    expect(lines[0]).toBe('   1.0 s  buyers 9/40  attempts 0/40  confirmed 0  sold_out 0  held 0');
    expect(lines.at(-1)).toMatch(/^ +\d+\.0 s {2}attempts \d+\/40 {2}confirmed \d+ {2}sold_out 0 {2}held \d+$/);
  });

  it('prints the human summary with the figures and the audit', async () => {
    const { code, out } = await onsale(['--show', 'gala', '--seed', '3', '--buyers', '50', '--concurrency', '5'], { capacity: 25 });
    expect(code).toBe(0);
    for (const label of ['holds/s', 'confirmed/s', 'latency ms', 'answers', 'bookings now', 'AUDIT           holds']) {
      expect(out.stdout).toContain(label);
    }
    expect(out.stdout).toMatch(/p50 5\.0 {2}p99 5\.0/);
    expect(out.stdout).toContain('sold_out 25');
  });

  it('exits 1 with one line when the show does not exist or the server cannot be reached', async () => {
    const unknown = await onsale(['--show', 'nope', '--buyers', '5', '--concurrency', '2'], { capacity: 1 });
    expect(unknown.code).toBe(1);
    expect(unknown.out.stderr).toBe('ticketd onsale: GET /v1/shows/nope answered 404 unknown_show\n');
    const refused: FetchLike = () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    const gone = await onsale(['--show', 'gala', '--buyers', '5', '--concurrency', '2'], { capacity: 1, fetch: refused });
    expect(gone.code).toBe(1);
    expect(gone.out.stderr).toBe('ticketd onsale: cannot reach http://ticketd.test: ECONNREFUSED\n');
  });

  it('stops starting attempts once the server stops answering, and makes no audit', async () => {
    const { code, summary } = await onsale([...RUN, '--buyers', '500', '--concurrency', '4'], { capacity: 1_000, goneAfterRequests: 600 });
    expect(code).toBe(1);
    const s = summary();
    expect(s.serverGone).toBe(true);
    expect(s.attempts).toBeLessThan(500);
    expect(s.answers.network_error).toBeGreaterThanOrEqual(20);
    expect(s.firstNetworkError).toBe('ECONNREFUSED');
    expect(s.audit).toBeNull();
  });

  it('reads the admin token from --credentials', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ticketd-onsale-'));
    const credentials = join(dir, 'demo-credentials.json');
    writeFileSync(credentials, JSON.stringify({ admin: 'tkd_from_file' }));
    const clock = new VirtualClock(0);
    const server = fakeServer(clock, { capacity: 5 });
    const { io } = capture();
    const argv = ['--url', 'http://ticketd.test', '--credentials', credentials, '--show', 'gala', '--buyers', '2', '--concurrency', '2'];
    expect(await drive(clock, runOnsale(argv, io, { fetch: server.fetch, clock, random: seededRandom(1) }))).toBe(0);
    expect(new Set(server.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer tkd_from_file']));
  });

  it.each([
    [['--buyers', '5', '--concurrency', '2'], "ticketd onsale: --show is required and must not be empty\nSee 'ticketd onsale --help'.\n"],
    [['--show', 'gala', '--concurrency', '2'], 'ticketd onsale: --buyers is required'],
    [['--show', 'gala', '--buyers', '0', '--concurrency', '2'], "--buyers must be an integer in 1..100000, got '0'"],
    [['--show', 'gala', '--buyers', '5', '--concurrency', '2', '--card-share', '1.5'], "--card-share must be a number in 0..1, got '1.5'"],
    [['--show', 'gala', '--buyers', '5', '--concurrency', '2', '--card-share', '0.8', '--abandon-share', '0.3'], 'add up to more than 1'],
    [['--show', 'gala', '--buyers', '5', '--concurrency', '2', '--token', ''], '--token must not be empty'],
    [['--show', 'gala', '--buyers', '5', '--concurrency', '2', '--credentials', '/nonexistent/c.json'], 'no admin token: /nonexistent/c.json does not exist'],
    [['--show', 'gala', '--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j with exit status 2', async (argv, message) => {
    const { io, out } = capture();
    const code = await runOnsale(argv, io, { fetch: () => Promise.reject(new Error('no request expected')), clock: new VirtualClock(0), random: seededRandom(1) });
    expect(code).toBe(2);
    expect(out.stderr).toContain(message);
  });

  it('prints its help with --help', async () => {
    const { io, out } = capture();
    expect(await runOnsale(['--help'], io)).toBe(0);
    expect(out.stdout).toMatch(/^Usage: ticketd onsale --show ID --buyers N --concurrency C/);
    expect(out.stdout).toContain('Exit status: 0 when the audit holds');
  });

  it('formats the progress line', () => {
    expect(formatOnsaleProgress({ elapsedMs: 3_000, buyers: 2_000, done: 700, total: 2_000, confirmed: 60, soldOut: 500, held: 12 }))
      .toBe('   3.0 s  attempts 700/2000  confirmed 60  sold_out 500  held 12');
    expect(formatOnsaleProgress({ elapsedMs: 1_000, buyers: 800, done: 0, total: 2_000, confirmed: 0, soldOut: 0, held: 0 }))
      .toBe('   1.0 s  buyers 800/2000  attempts 0/2000  confirmed 0  sold_out 0  held 0');
  });
});

describe('auditOnsale', () => {
  const show = (sold: number, held: number, available: number) =>
    ({ categories: [{ id: 'floor', capacity: 10, sold, held, available }] });
  const confirmed = (id: string, valid: number, voided = 0): AuditedBooking => ({
    id, status: 'confirmed',
    tickets: [...Array.from({ length: valid }, () => ({ categoryId: 'floor', status: 'valid' })),
      ...Array.from({ length: voided }, () => ({ categoryId: 'floor', status: 'voided' }))],
  });

  it('holds when sold is the valid tickets of confirmed bookings and the counts add up to the capacity', () => {
    const audit = auditOnsale(show(3, 2, 5), [confirmed('a', 2), confirmed('b', 1), { id: 'c', status: 'held', tickets: [] }], 0);
    expect(audit).toEqual({ holds: true, problems: [], categories: [{ id: 'floor', capacity: 10, sold: 3, held: 2, available: 5, confirmedTickets: 3 }] });
  });

  it('names each broken rule', () => {
    const audit = auditOnsale(show(11, 0, 0), [confirmed('a', 10, 1), { id: 'x', status: 'cancelled', tickets: [{ categoryId: 'floor', status: 'valid' }] }], 2);
    expect(audit.holds).toBe(false);
    expect(audit.problems).toEqual([
      '2 booking(s) of this run could not be read',
      'floor: sold 11 but 10 valid ticket(s) of confirmed bookings',
      'floor: sold 11 > capacity 10',
      'floor: capacity 10 != available 0 + held 0 + sold 11',
    ]);
  });

  it('fails on a show without readable categories', () => {
    expect(auditOnsale({ categories: [{ id: 'floor', capacity: 10 }] }, [], 0).problems).toEqual(['the show as answered has no readable categories']);
  });
});
