/**
 * The booking saga under random interleavings (issue 10), in virtual time on the small show `gala` (seated `stalls`
 * A/B of 3, general-admission `floor` of 4): customers book (wallet, card or no payment; GA quantities, best
 * available together or not, named seats), pay held bookings, cancel them (with the right or a stale If-Match), join
 * the waiting list and top up, while time moves by random amounts so holds expire and card webhooks (30 % declined,
 * 800 ms after the charge, against a hold of 600 to 1,600 ms per run) arrive before the expiry, on the same instant
 * or after it. Some steps run two or three calls at once, now and then with time moving meanwhile, and the
 * dispatcher's order is shuffled from the run's seed.
 *
 * After every step, from the inventory actor and the store: counts add up to capacity and never oversell; no seat
 * belongs to two open bookings and the seat maps show exactly theirs; held and sold equal the places of held and
 * confirmed bookings; the waiting line's head never waits while its group fits; every wallet equals its log and
 * opening + top-ups − wallet debits + wallet refunds; a confirmed booking is paid and has one valid ticket per place,
 * an ended one none, and what was paid for an ended booking is being refunded. At the end, after every hold and
 * payment delay has passed: nothing is held past its expiry, every payment of a booking not confirmed was given back,
 * and the run's customers have no booking it did not make or the waiting list did not hold for them.
 *
 * Replay a failure with `SEED=<seed> npx vitest run test/box-office/saga-property.test.ts` (fast-check's seed; the
 * engine's seed is part of the generated run).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoxOfficeError, type BoxOfficeErrorCode } from '../../src/box-office/box-office-error.ts';
import type { BookingRequest } from '../../src/box-office/booking-types.ts';
import type { HoldItem } from '../../src/box-office/inventory-types.ts';
import type { PaymentMethod } from '../../src/payments/payment.ts';
import { testSeed } from '../../src/platform/random.ts';
import type { StoredBooking } from '../../src/store/bookings.ts';
import { replayable } from '../../src/testkit/test-kit.ts';
import { startBoxOffice, type BoxOfficeHarness } from './box-office-harness.ts';

const CARD_DELAY_MS = 800;
/** A run's hold time: shorter than the card's delay (every card payment is late), equal (a tie), or longer. */
const HOLD_MS_CHOICES = [600, 800, 1_000, 1_600];
const HOLD_MS_MAX = Math.max(...HOLD_MS_CHOICES);
const CARD_FAILURE_RATE = 0.3;
const RUNS = 30;
const STEPS = 40;
const CUSTOMERS = ['customer-1', 'customer-2', 'customer-3', 'customer-4'] as const;
const STALL_SEATS = ['A-1', 'A-2', 'A-3', 'B-1', 'B-2', 'B-3'];
/** A customer's bookings listed at the end, by pages: far more than a run's steps can make. */
const PAGE_SIZE = 100;
const PAGES_MAX = 10;
/** Rounds of `HOLD_MS_MAX + 2 × CARD_DELAY_MS + 1 s` at the end: each expiry may serve one more waiting-list offer. */
const FINAL_ROUNDS_MAX = 3 * STEPS;
/**
 * Runs fast-check may spend shrinking a failure. Past them the property passes without running, so shrinking ends
 * with the smallest failure found so far: a bound by count, so a replay shrinks to the same steps on any machine.
 */
const SHRINK_RUNS_MAX = 60;

type Op =
  | { kind: 'book'; customer: number; items: HoldItem[]; payment: PaymentMethod | 'none' }
  | { kind: 'pay'; pick: number; eligible: boolean; method: PaymentMethod }
  | { kind: 'cancel'; pick: number; open: boolean; ifMatch: 'right' | 'stale' | 'none' }
  | { kind: 'join'; customer: number; categoryId: 'stalls' | 'floor'; quantity: number }
  | { kind: 'top-up'; customer: number; amount: number };
type Advance = { kind: 'advance'; ms: number };
type Step = Op | Advance | { kind: 'together'; ops: Array<Op | Advance> };

const customer = fc.integer({ min: 0, max: CUSTOMERS.length - 1 });
const item: fc.Arbitrary<HoldItem> = fc.oneof(
  fc.record({ categoryId: fc.constant('floor'), quantity: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ categoryId: fc.constant('stalls'), quantity: fc.integer({ min: 1, max: 3 }), together: fc.boolean() }),
  fc.record({ categoryId: fc.constant('stalls'), seats: fc.subarray(STALL_SEATS, { minLength: 1, maxLength: 3 }) }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('book' as const), customer, items: fc.array(item, { minLength: 1, maxLength: 2 }), payment: fc.constantFrom('wallet' as const, 'card' as const, 'none' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pay' as const), pick: fc.nat(), eligible: fc.boolean(), method: fc.constantFrom('wallet' as const, 'card' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(), open: fc.boolean(), ifMatch: fc.constantFrom('right' as const, 'stale' as const, 'none' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('join' as const), customer, categoryId: fc.constantFrom('stalls' as const, 'floor' as const), quantity: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('top-up' as const), customer, amount: fc.integer({ min: 500, max: 6_000 }) }) },
);
/** Random, or one of the saga's own delays and their differences, so webhooks and expiries often fall on one instant. */
const advanceMs = fc.oneof(
  fc.integer({ min: 1, max: 1_500 }),
  fc.constantFrom(CARD_DELAY_MS, ...HOLD_MS_CHOICES, ...HOLD_MS_CHOICES.map((ms) => Math.abs(ms - CARD_DELAY_MS)).filter((ms) => ms > 0)),
);
const advance: fc.Arbitrary<Advance> = fc.record({ kind: fc.constant('advance' as const), ms: advanceMs });
/** Calls at once, and now and then time moving meanwhile: webhooks and expiries land between a call's own steps. */
const together = fc.array(fc.oneof({ weight: 4, arbitrary: op }, { weight: 1, arbitrary: advance }), { minLength: 2, maxLength: 3 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: op },
  { weight: 4, arbitrary: advance },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('together' as const), ops: together }) },
);

/** What a run made and gave, to find its bookings and to add up the money. */
interface Run {
  h: BoxOfficeHarness;
  bookingIds: string[];
  entryIds: string[];
  opening: Map<string, number>;
  toppedUp: Map<string, number>;
  topUps: number;
}

const BOOK_REFUSALS: BoxOfficeErrorCode[] = ['sold_out', 'seats_taken', 'invalid_seats'];

/** The outcome of a call, with a refusal checked to be a BoxOfficeError among `allowed`. */
async function attempt<T>(run: Run, work: Promise<T>, allowed: readonly BoxOfficeErrorCode[]): Promise<T | BoxOfficeError> {
  const outcome = await run.h.run(work).then((value) => ({ value }), (error: unknown) => ({ error }));
  if ('value' in outcome) return outcome.value;
  if (!(outcome.error instanceof BoxOfficeError) || !allowed.includes(outcome.error.code)) throw outcome.error;
  return outcome.error;
}

function balanceOf(run: Run, customerId: string): number {
  return run.h.store.getCustomer(customerId)!.balance;
}

/** The bookings this run made and the ones the waiting list held for it, as stored. */
function knownBookings(run: Run): StoredBooking[] {
  const offered = run.entryIds.flatMap((id) => run.h.store.bookings.waitingEntry(id)?.bookingId ?? []);
  return [...run.bookingIds, ...offered].map((id) => run.h.store.bookings.get(id)!);
}

/** The booking an op picks: among those that fit it (`preferred`) when asked and any do, else among all. */
function pick(run: Run, index: number, fits: boolean, preferred: (b: StoredBooking) => boolean): StoredBooking | undefined {
  const all = knownBookings(run);
  const fitting = all.filter(preferred);
  const pool = fits && fitting.length > 0 ? fitting : all;
  return pool.length === 0 ? undefined : pool[index % pool.length];
}

const payable = (b: StoredBooking): boolean => b.status === 'held' && !b.payments.some((p) => p.status === 'pending' || p.status === 'succeeded');
const open = (b: StoredBooking): boolean => b.status === 'held' || b.status === 'confirmed';

/**
 * Runs one call. `alone`: nothing else runs meanwhile, so its answer is predicted exactly; run together with
 * others, only its refusal codes are checked (the invariants after the step check the rest).
 */
async function perform(run: Run, o: Op, alone: boolean): Promise<void> {
  const { boxOffice } = run.h.engine;
  switch (o.kind) {
    case 'book': {
      const customerId = CUSTOMERS[o.customer]!;
      const before = balanceOf(run, customerId);
      const request: BookingRequest = { customerId, showId: 'gala', items: o.items, ...(o.payment !== 'none' && { payment: { method: o.payment } }) };
      const answer = await attempt(run, boxOffice.book(request), BOOK_REFUSALS);
      if (answer instanceof BoxOfficeError) return;
      run.bookingIds.push(answer.booking.id);
      if (!alone) return;
      const paidNow = o.payment === 'wallet' ? (before >= answer.booking.total ? 'confirmed' : 'payment_failed') : 'held';
      expect(answer.booking.status, `book ${JSON.stringify(o)}`).toBe(paidNow);
      return;
    }
    case 'pay': {
      const target = pick(run, o.pick, o.eligible, payable);
      if (target === undefined) return;
      const before = balanceOf(run, target.customerId);
      const answer = await attempt(run, boxOffice.pay(target.id, o.method), ['booking_not_held']);
      if (!alone) return;
      const paidNow = o.method === 'wallet' ? (before >= target.total ? 'confirmed' : 'payment_failed') : 'held';
      const expected = payable(target) ? paidNow : 'booking_not_held';
      expect(answer instanceof BoxOfficeError ? answer.code : answer.status, `pay ${target.id} (${target.status}) by ${o.method}`).toBe(expected);
      return;
    }
    case 'cancel': {
      const target = pick(run, o.pick, o.open, open);
      if (target === undefined) return;
      const ifMatch = o.ifMatch === 'right' ? target.version : o.ifMatch === 'stale' ? target.version - 1 : undefined;
      const answer = await attempt(run, boxOffice.cancel(target.id, ifMatch), ['version_mismatch', 'booking_not_cancellable']);
      if (!alone) return;
      const expected = o.ifMatch === 'stale' ? 'version_mismatch' : open(target) ? 'cancelled' : 'booking_not_cancellable';
      expect(answer instanceof BoxOfficeError ? answer.code : answer.status, `cancel ${target.id} (${target.status}, If-Match ${o.ifMatch})`).toBe(expected);
      return;
    }
    case 'join': {
      const entry = await run.h.run(boxOffice.joinWaitingList('gala', { customerId: CUSTOMERS[o.customer]!, categoryId: o.categoryId, quantity: o.quantity }));
      run.entryIds.push(entry.id);
      return;
    }
    case 'top-up': {
      const customerId = CUSTOMERS[o.customer]!;
      const result = await run.h.run(run.h.engine.topUp(customerId, `tu-${++run.topUps}`, o.amount));
      expect(result.status).toBe('applied');
      run.toppedUp.set(customerId, (run.toppedUp.get(customerId) ?? 0) + o.amount);
      return;
    }
  }
}

async function performStep(run: Run, s: Step): Promise<void> {
  if (s.kind === 'advance') await run.h.kit.advance(s.ms);
  else if (s.kind === 'together') await Promise.all(s.ops.map((o) => (o.kind === 'advance' ? run.h.kit.advance(o.ms) : perform(run, o, false))));
  else await perform(run, s, true);
  await run.h.kit.settle();
}

const places = (b: StoredBooking, categoryId: string): number => b.items.filter((i) => i.categoryId === categoryId).reduce((n, i) => n + i.quantity, 0);
const seatsOf = (b: StoredBooking): string[] => b.items.flatMap((i) => i.seats ?? []);

/**
 * Invariants 1-3: the actor's counts and seat maps against capacity and against the held and confirmed bookings;
 * and the waiting line is served whenever its head fits.
 */
async function checkInventory(run: Run, bookings: readonly StoredBooking[]): Promise<void> {
  const snapshot = (await run.h.run(run.h.engine.boxOffice.snapshot('gala')))!;
  for (const c of snapshot.available) {
    expect(c.sold, `sold of ${c.categoryId}`).toBeLessThanOrEqual(c.capacity);
    expect(c.available, `available of ${c.categoryId}`).toBeGreaterThanOrEqual(0);
    expect(c.held + c.sold + c.available, `counts of ${c.categoryId}`).toBe(c.capacity);
    const held = bookings.filter((b) => b.status === 'held').reduce((n, b) => n + places(b, c.categoryId), 0);
    const sold = bookings.filter((b) => b.status === 'confirmed').reduce((n, b) => n + places(b, c.categoryId), 0);
    expect({ category: c.categoryId, held: c.held, sold: c.sold }).toEqual({ category: c.categoryId, held, sold });
  }
  const owner = new Map<string, string>();
  for (const b of bookings.filter(open)) {
    for (const seat of seatsOf(b)) {
      expect(owner.get(seat), `${seat} in ${b.id} and in ${owner.get(seat)}`).toBeUndefined();
      owner.set(seat, b.id);
    }
  }
  // Released places go to the waiting line first: no one is left at its head while their group fits.
  for (const c of snapshot.available) {
    const [head] = run.h.store.bookings.waitingLine('gala', c.categoryId, 1);
    if (head !== undefined) expect(head.quantity, `${head.id} waits for ${head.quantity} of ${c.categoryId} with ${c.available} free`).toBeGreaterThan(c.available);
  }
  const taken = Object.values(snapshot.seatMaps).flatMap((map) => map.rows.flatMap((r) => r.taken.map((n) => `${r.row}-${n}`)));
  expect(taken.sort()).toEqual([...owner.keys()].sort());
}

/** Invariant 4: every wallet equals its log and what came in minus what the saga took and gave back. */
function checkMoney(run: Run, bookings: readonly StoredBooking[]): void {
  for (const audit of run.h.store.auditBalances()) {
    expect(audit.balance, `${audit.customerId}'s balance against its log`).toBe(audit.ledgerSum);
    expect(audit.balance).toBeGreaterThanOrEqual(0);
  }
  let moneyIn = 0;
  let moneyOut = 0;
  for (const customerId of CUSTOMERS) {
    const wallet = bookings.filter((b) => b.customerId === customerId).flatMap((b) => b.payments).filter((p) => p.method === 'wallet');
    expect(wallet.filter((p) => p.status === 'pending'), 'wallet payments are decided at once').toEqual([]);
    const debited = wallet.filter((p) => p.status !== 'failed').reduce((n, p) => n + p.amount, 0);
    const refunded = wallet.reduce((n, p) => n + p.refunded, 0);
    const came = run.opening.get(customerId)! + (run.toppedUp.get(customerId) ?? 0);
    expect(balanceOf(run, customerId), `${customerId}: ${came} in, ${debited} paid, ${refunded} refunded`).toBe(came - debited + refunded);
    moneyIn += came;
    moneyOut += balanceOf(run, customerId) + debited - refunded;
  }
  expect(moneyOut).toBe(moneyIn);
}

/** Invariant 5 and the saga's states: paid means confirmed or being refunded; tickets exactly for confirmed places. */
function checkBookings(bookings: readonly StoredBooking[]): void {
  for (const b of bookings) {
    const succeeded = b.payments.filter((p) => p.status === 'succeeded');
    const valid = b.tickets.filter((t) => t.status === 'valid');
    if (b.status === 'confirmed') {
      if (b.total > 0) expect(succeeded.map((p) => p.refundRequested), `${b.id} confirmed: one payment succeeded, none refunded`).toEqual([0]);
      expect(valid.length, `${b.id}: one valid ticket per place`).toBe(b.items.reduce((n, i) => n + i.quantity, 0));
      expect(valid.flatMap((t) => t.seat ?? []).sort()).toEqual(seatsOf(b).sort());
      for (const category of new Set(b.items.map((i) => i.categoryId))) {
        expect(valid.filter((t) => t.categoryId === category).length).toBe(places(b, category));
      }
      continue;
    }
    expect(valid, `${b.id} is ${b.status}: no valid ticket`).toEqual([]);
    if (b.status === 'held') expect(succeeded, `${b.id} held with a payment that succeeded`).toEqual([]);
    else for (const p of succeeded) expect(p.refundRequested, `${b.id} is ${b.status}: ${p.id} refund asked`).toBe(p.amount);
  }
}

/** Every booking of the run's customers is one it made or the waiting list held for it: none made behind its back. */
function checkNoStrayBookings(run: Run, bookings: readonly StoredBooking[]): void {
  const listed: string[] = [];
  for (const customerId of CUSTOMERS) {
    let cursor: string | undefined;
    for (let page = 0; page < PAGES_MAX; page++) {
      const answer = run.h.store.bookings.listOfCustomer(customerId, PAGE_SIZE, cursor);
      listed.push(...answer.bookings.map((b) => b.id));
      cursor = answer.nextCursor;
      if (cursor === undefined) break;
    }
    expect(cursor, 'bookings fit in PAGES_MAX pages').toBeUndefined();
  }
  expect(listed.sort()).toEqual(bookings.map((b) => b.id).sort());
}

async function checkInvariants(run: Run): Promise<void> {
  const bookings = knownBookings(run);
  await checkInventory(run, bookings);
  checkMoney(run, bookings);
  checkBookings(bookings);
}

/** Something still in flight: a hold, a charge not yet answered, a refund asked of the provider and not yet made. */
function inFlight(run: Run): boolean {
  return knownBookings(run).some((b) => b.status === 'held' || b.payments.some((p) => p.status === 'pending' || p.refundRequested > p.refunded));
}

/** After every hold and delay has passed: nothing held past its expiry, every payment of an unconfirmed booking back. */
async function drainAndCheck(run: Run): Promise<void> {
  for (let round = 0; round < FINAL_ROUNDS_MAX && inFlight(run); round++) {
    await run.h.kit.advance(HOLD_MS_MAX + 2 * CARD_DELAY_MS + 1_000);
    await checkInvariants(run);
  }
  const now = run.h.kit.clock.now();
  for (const b of knownBookings(run)) {
    if (b.status === 'held') expect(b.holdExpiresAtMs, `${b.id} held past its expiry`).toBeGreaterThan(now);
    for (const p of b.payments) {
      expect(p.status, `${b.id} (${b.status}): payment ${p.id}`).not.toBe('pending');
      if (b.status !== 'confirmed' && p.status !== 'failed') expect({ id: p.id, status: p.status, refunded: p.refunded }).toEqual({ id: p.id, status: 'refunded', refunded: p.amount });
    }
  }
  expect(inFlight(run), `still in flight after ${FINAL_ROUNDS_MAX} rounds`).toBe(false);
  // Bookings are never deleted, so one made behind the run's back at any step is still listed now.
  checkNoStrayBookings(run, knownBookings(run));
  expect(run.h.provider.stats().undelivered, 'webhooks given up').toBe(0);
}

async function scenario(kitSeed: number, holdMs: number, steps: readonly Step[]): Promise<void> {
  const h = await startBoxOffice({ seed: kitSeed, holdMs, cardDelayMs: CARD_DELAY_MS, cardFailureRate: CARD_FAILURE_RATE, shuffle: true });
  try {
    const opening = new Map(CUSTOMERS.map((id) => [id, h.store.getCustomer(id)!.balance]));
    const run: Run = { h, bookingIds: [], entryIds: [], opening, toppedUp: new Map(), topUps: 0 };
    for (const [n, s] of steps.entries()) {
      try {
        await performStep(run, s);
        await checkInvariants(run);
      } catch (error) {
        if (error instanceof Error) error.message = `after step ${n} ${JSON.stringify(s)}: ${error.message}`;
        throw error;
      }
    }
    await drainAndCheck(run).catch((error: unknown) => {
      if (error instanceof Error) error.message = `at the end, after ${steps.length} steps: ${error.message}`;
      throw error;
    });
  } finally {
    await h.close();
  }
}

describe('the booking saga under random interleavings', () => {
  it('keeps seats, counts, money and tickets consistent after every step, and settles everything at the end', async () => {
    const seed = testSeed();
    let runs = 0;
    const bounded = async (kitSeed: number, holdMs: number, steps: readonly Step[]): Promise<void> => {
      if (++runs > RUNS + SHRINK_RUNS_MAX) return;
      await scenario(kitSeed, holdMs, steps);
    };
    await replayable(seed, () => fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(...HOLD_MS_CHOICES), fc.array(step, { minLength: 1, maxLength: 2 * STEPS, size: 'max' }), bounded),
      { seed, numRuns: RUNS },
    ));
  }, 180_000);
});
