/**
 * Sales openings against the real binary over real HTTP, the load coming from `ticketd onsale` in a process of its
 * own (the binary's command once it has it, else test/blackbox/onsale-load.ts from the sources):
 *
 * - 2,000 buyers at once for 100 places, paying by wallet or card (which never fails here), the ones answered
 *   sold_out joining the waiting list: exactly 100 places confirmed, everyone else sold out and waiting, and the
 *   show says sold 100, available 0, held 0 once the card payments have settled;
 * - a sale killed (SIGKILL) once a third of the places are taken, the binary restarted on the same data dir with a
 *   short hold: once no booking is held, the show's sold places are the valid tickets of confirmed bookings, no more
 *   than the capacity, nothing is held past its expiry, every payment is its booking's, every confirmed booking is
 *   paid, and each buyer's wallet holds its opening balance less its wallet payments plus its refunds.
 *
 * `SEED=n` replays who pays how (not the server's timing).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { forEachBounded } from '../../src/cli/onsale-attempts.ts';
import type { OnsaleSummary } from '../../src/cli/onsale-run.ts';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import { api, BIN, startBinary, type RunningBinary } from './binary.ts';

const SEED = process.env.SEED !== undefined && process.env.SEED !== '' ? Number(process.env.SEED) : 20_261_206;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOAD_SCRIPT = fileURLToPath(new URL('./onsale-load.ts', import.meta.url));
const PRICE = 4_500;
/** Bounds: every wait and loop in this test has one. */
const ONSALE_EXIT_MS = 90_000;
const POLL_MS = 25;
const KILL_POLLS_MAX = 4_000;
const SETTLE_ROUNDS_MAX = 120;
const SETTLE_ROUND_MS = 250;
const PAGE_LIMIT = 50;
const PAGES_MAX = 20;
const GET_CONCURRENCY = 16;

const running: RunningBinary[] = [];
const dataDirs: string[] = [];
afterAll(async () => {
  // A binary killed by the test has exited already (by a signal: exitCode stays null, signalCode says which).
  const alive = running.filter((binary) => binary.process.exitCode === null && binary.process.signalCode === null);
  await Promise.all(alive.map((binary) => binary.stop('SIGKILL')));
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function start(options: { dataDir?: string; args: string[] }): Promise<RunningBinary> {
  const binary = await startBinary(options);
  running.push(binary);
  if (!dataDirs.includes(binary.dataDir)) dataDirs.push(binary.dataDir);
  return binary;
}

interface Category { id: string; capacity: number; available: number; held: number; sold: number }
interface Payment { id: string; bookingId: string; method: 'wallet' | 'card'; amount: number; status: string; refunded: number }
interface Booking {
  id: string; customerId: string; status: string; holdExpiresAt: string; payments: Payment[];
  tickets: { categoryId: string; status: string }[];
}

interface BookingPage { bookings: Booking[]; nextCursor: string | null }

async function putShow(url: string, id: string, capacity: number): Promise<void> {
  const startsAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const put = await api(`${url}/v1/shows/${id}`, 'PUT', {
    name: `On-sale ${id}`, venue: 'Black Box Hall', location: 'Amsterdam', startsAt, status: 'on_sale',
    categories: [{ id: 'floor', name: 'Floor', price: PRICE, capacity }],
  });
  expect(put.status, JSON.stringify(put.body)).toBe(201);
}

async function category(url: string, showId: string): Promise<Category> {
  const show = await api<{ categories: Category[] }>(`${url}/v1/shows/${showId}`, 'GET');
  expect(show.status).toBe(200);
  return show.body.categories[0]!;
}

/** `ticketd onsale …` as its own process: the binary's command once it has it, else the sources' script. */
function onsaleArgv(): string[] {
  const help = spawnSync(process.execPath, [BIN, 'help', 'onsale'], { encoding: 'utf8', timeout: 10_000 });
  return help.status === 0 ? [BIN, 'onsale'] : ['--import', 'tsx', LOAD_SCRIPT];
}

function runOnsaleProcess(args: string[]): { exited: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [...onsaleArgv(), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
  return { exited: withTimeout(exited, { timeoutMs: ONSALE_EXIT_MS, what: 'ticketd onsale to finish' }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  }) };
}

function summaryOf(run: { stdout: string; stderr: string }): OnsaleSummary {
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as OnsaleSummary;
  } catch {
    throw new Error(`no JSON summary from ticketd onsale: ${run.stdout}\n${run.stderr}`);
  }
}

/** Every booking of `customerId`, page by page (bounded). */
async function bookingsOf(url: string, customerId: string): Promise<Booking[]> {
  const bookings: Booking[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < PAGES_MAX; page++) {
    const query: string = `limit=${PAGE_LIMIT}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const answer: { status: number; body: BookingPage } = await api<BookingPage>(`${url}/v1/customers/${customerId}/bookings?${query}`, 'GET');
    expect(answer.status, `GET bookings of ${customerId}: ${JSON.stringify(answer.body)}`).toBe(200);
    bookings.push(...answer.body.bookings);
    cursor = answer.body.nextCursor;
    if (cursor === null) return bookings;
  }
  throw new Error(`${customerId} has more than ${PAGES_MAX} pages of bookings`);
}

async function allBookings(url: string, buyers: readonly string[]): Promise<Map<string, Booking[]>> {
  const byBuyer = new Map<string, Booking[]>();
  await forEachBounded(buyers.length, GET_CONCURRENCY, () => false, async (i) => {
    byBuyer.set(buyers[i]!, await bookingsOf(url, buyers[i]!));
  });
  return byBuyer;
}

/** Reads again, in place, the bookings that `unsettled` picks (the objects in `byBuyer`'s lists change too). */
async function rereadUnsettled(url: string, bookings: Booking[], unsettled: (booking: Booking) => boolean): Promise<void> {
  const indexes = bookings.flatMap((booking, i) => (unsettled(booking) ? [i] : []));
  await forEachBounded(indexes.length, GET_CONCURRENCY, () => false, async (k) => {
    const i = indexes[k]!;
    const answer = await api<Booking>(`${url}/v1/bookings/${bookings[i]!.id}`, 'GET');
    expect(answer.status, `GET /v1/bookings/${bookings[i]!.id}`).toBe(200);
    Object.assign(bookings[i]!, answer.body);
  });
}

function buyersOf(summary: OnsaleSummary, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `onsale-${summary.runId}-${i + 1}`);
}

/** What a payment took and kept: its amount less its refunds once it succeeded, nothing otherwise. */
function kept(payment: Payment): number {
  return ['succeeded', 'refunded', 'partially_refunded'].includes(payment.status) ? payment.amount - payment.refunded : 0;
}

function validTickets(bookings: Iterable<Booking>): number {
  let tickets = 0;
  for (const booking of bookings) {
    if (booking.status === 'confirmed') tickets += booking.tickets.filter((t) => t.status === 'valid').length;
  }
  return tickets;
}

/** `ticketd onsale` on `showId` with `buyers` buyers, card payments (which settle) and no abandoning; must exit 0. */
async function sale(
  server: RunningBinary, showId: string, buyers: number, extra: string[],
): Promise<OnsaleSummary & { stderr: string }> {
  const run = await runOnsaleProcess([
    '--url', server.url, '--credentials', `${server.dataDir}/demo-credentials.json`, '--show', showId,
    '--buyers', String(buyers), '--concurrency', '64', '--card-share', '0.3', '--abandon-share', '0',
    '--seed', String(SEED), '--json', ...extra,
  ]).exited;
  const summary = summaryOf(run);
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(summary.buyers).toMatchObject({ requested: buyers, created: buyers, failed: 0 });
  expect(summary.attempts).toBe(buyers);
  expect(summary.unsettled).toBe(0);
  expect(summary.audit).toMatchObject({ holds: true, problems: [] });
  return { ...summary, stderr: run.stderr };
}

/** The run confirmed exactly `capacity` places: by its own count, by the show, and by every buyer's bookings. */
async function expectSoldExactly(url: string, summary: OnsaleSummary, showId: string, buyers: number, capacity: number) {
  expect((summary.answers.confirmed ?? 0) + (summary.answers.held ?? 0)).toBe(capacity);
  expect(summary.bookings).toEqual({ confirmed: capacity });
  expect(await category(url, showId)).toMatchObject({ capacity, sold: capacity, available: 0, held: 0 });
  const byBuyer = await allBookings(url, buyersOf(summary, buyers));
  const bookings = [...byBuyer.values()].flat();
  expect(bookings.filter((b) => b.status === 'confirmed')).toHaveLength(capacity);
  expect(bookings).toHaveLength(capacity);
  expect(validTickets(bookings)).toBe(capacity);
}

describe('ticketd onsale against the real binary', () => {
  it('sells exactly 100 places to 2,000 buyers at once, the rest sold out; with --waitlist the rest wait', async () => {
    const server = await start({ args: ['--card-delay-ms', '50', '--card-failure-rate', '0'] });
    await putShow(server.url, 'rush', 100);
    const summary = await sale(server, 'rush', 2_000, []);
    expect(summary.answers.sold_out).toBe(1_900);
    expect(summary.waitlisted).toBe(0);
    // 2,000 buyers to create and 2,000 attempts take the server seconds: progress lines come meanwhile.
    expect(summary.stderr).toMatch(/ s( {2}buyers \d+\/2000)? {2}attempts \d+\/2000 {2}confirmed \d+ {2}sold_out \d+ {2}held \d+\n/);
    await expectSoldExactly(server.url, summary, 'rush', 2_000, 100);

    // The same with the waiting list, smaller: 200 buyers for 20 places.
    await putShow(server.url, 'rush-waiting', 20);
    const waiting = await sale(server, 'rush-waiting', 200, ['--waitlist']);
    expect(waiting.answers.sold_out).toBe(180);
    expect(waiting.waitlisted).toBe(180);
    expect(waiting.waitlistRefused).toEqual({});
    await expectSoldExactly(server.url, waiting, 'rush-waiting', 200, 20);
  }, 120_000);

  it('after a SIGKILL mid-sale and a restart, the show, the payments and the wallets add up', async () => {
    // Few buyers beyond what the kill needs: creating a buyer costs the server more than a booking attempt.
    const capacity = 120;
    const buyerCount = 300;
    const flags = ['--card-delay-ms', '200', '--card-failure-rate', '0.2'];
    const first = await start({ args: [...flags, '--hold-seconds', '3'] });
    await putShow(first.url, 'crash', capacity);
    const load = runOnsaleProcess([
      '--url', first.url, '--credentials', `${first.dataDir}/demo-credentials.json`, '--show', 'crash',
      '--buyers', String(buyerCount), '--concurrency', '32', '--card-share', '0.3', '--abandon-share', '0.15',
      '--seed', String(SEED), '--json',
    ]);
    // Kill once a third of the places are taken (held or sold): in the middle of the sale.
    let taken = 0;
    for (let poll = 0; poll < KILL_POLLS_MAX && taken < capacity / 3; poll++) {
      const show = await api<{ categories: Category[] }>(`${first.url}/v1/shows/crash`, 'GET');
      taken = show.body.categories[0]!.held + show.body.categories[0]!.sold;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    expect(taken).toBeGreaterThanOrEqual(capacity / 3);
    await first.stop('SIGKILL');
    // Without its server the load stops by itself (the server is gone) and says which buyers it made.
    const summary = summaryOf(await load.exited);
    expect(summary.serverGone).toBe(true);

    const second = await start({ dataDir: first.dataDir, args: [...flags, '--hold-seconds', '2'] });
    const buyers = buyersOf(summary, buyerCount);
    // Settled: nothing held any more, and no money kept for a booking that is not confirmed (a card payment that
    // succeeded after its hold expired is refunded, through the provider, a little later).
    const settled = (all: Booking[]) => !all.some((b) => b.status === 'held' || (b.status !== 'confirmed' && b.payments.some((p) => kept(p) > 0)));
    const byBuyer = await allBookings(second.url, buyers);
    const bookings = [...byBuyer.values()].flat();
    for (let round = 0; round < SETTLE_ROUNDS_MAX && !settled(bookings); round++) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_ROUND_MS));
      await rereadUnsettled(second.url, bookings, (b) => !settled([b]));
    }
    const checkedAtMs = Date.now();
    expect(bookings.filter((b) => b.status === 'held' && Date.parse(b.holdExpiresAt) <= checkedAtMs)).toEqual([]);
    expect(bookings.filter((b) => b.status === 'held')).toEqual([]);
    // Killed mid-sale: fewer attempts than buyers; at least as many bookings confirmed as were answered confirmed
    // before the kill; the abandoned holds expired.
    expect(summary.attempts).toBeLessThan(buyerCount);
    expect(bookings.filter((b) => b.status === 'confirmed').length).toBeGreaterThanOrEqual(summary.answers.confirmed ?? 0);
    expect(bookings.filter((b) => b.status === 'expired').length).toBeGreaterThan(0);

    const floor = await category(second.url, 'crash');
    expect(floor.sold).toBe(validTickets(bookings));
    expect(floor.sold).toBeLessThanOrEqual(floor.capacity);
    expect(floor.available + floor.held + floor.sold).toBe(floor.capacity);

    // Every payment is its booking's; every confirmed booking is paid; no money is kept for a booking not confirmed.
    await forEachBounded(bookings.length, GET_CONCURRENCY, () => false, async (i) => {
      const booking = bookings[i]!;
      for (const payment of booking.payments) {
        const read = await api<Payment>(`${second.url}/v1/payments/${payment.id}`, 'GET');
        expect(read.status, `GET /v1/payments/${payment.id}`).toBe(200);
        expect(read.body.bookingId).toBe(booking.id);
        expect(payment.bookingId).toBe(booking.id);
      }
    });
    const unpaid = bookings.filter((b) => b.status === 'confirmed' && !b.payments.some((p) => p.status === 'succeeded'));
    expect(unpaid.map((b) => b.id)).toEqual([]);
    const keptWithoutTickets = bookings.filter((b) => b.status !== 'confirmed' && b.payments.some((p) => kept(p) > 0));
    expect(keptWithoutTickets.map((b) => `${b.id} ${b.status}`)).toEqual([]);

    // Wallets: the opening balance (one booking's price) less the wallet payments taken plus their refunds.
    const wrong: string[] = [];
    await forEachBounded(buyers.length, GET_CONCURRENCY, () => false, async (i) => {
      const buyer = buyers[i]!;
      const customer = await api<{ balance: number }>(`${second.url}/v1/customers/${buyer}`, 'GET');
      if (customer.status === 404) return; // not created before the kill
      const walletPayments = (byBuyer.get(buyer) ?? []).flatMap((b) => b.payments).filter((p) => p.method === 'wallet');
      const expected = PRICE - walletPayments.reduce((sum, p) => sum + kept(p), 0);
      if (customer.body.balance !== expected) wrong.push(`${buyer}: balance ${customer.body.balance}, expected ${expected}`);
    });
    expect(wrong).toEqual([]);
  }, 120_000);
});
