import { afterEach, describe, expect, it } from 'vitest';
import type { RejectReason, Tap } from '../../src/domain/types.ts';
import type { Outcome } from '../../src/store/index.ts';
import { failed, makeHarness, makeTap, mulberry32, ok, rejected, T0, type Harness } from './helpers.ts';

const REASONS: RejectReason[] = ['unknown_ride', 'ride_closed', 'stale_tap', 'invalid_signature'];

/** One random run: journal, commit (with repeats and replays), top up; returns what the model expects. */
interface RunSummary {
  charged: Map<string, number>;
  issued: number;
  statuses: Set<string>;
  replays: number;
}

function randomRun(h: Harness, seed: number): RunSummary {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const customers = ['c1', 'c2', 'c3', 'c4'];
  for (const id of customers) {
    h.store.upsertCustomer(id, { name: id, tier: 'standard', balance: pick([0, 300, 2_000]) }, T0);
  }
  const seen: Tap[] = [];
  let n = 0;
  let now = T0;
  let replays = 0;
  for (let round = 0; round < 60; round++) {
    now += 1 + Math.floor(random() * 1_000);
    const fresh = Array.from({ length: 1 + Math.floor(random() * 8) }, () =>
      makeTap(`t${n++}`, pick([...customers, 'ghost'])),
    );
    // Some taps arrive twice; some outcomes of older taps are committed again.
    const taps = random() < 0.3 && seen.length > 0 ? [...fresh, pick(seen)] : fresh;
    seen.push(...fresh);
    const outcomes: Outcome[] = taps.map((tap) => {
      const r = random();
      if (r < 0.65) return ok(tap, pick([0, 100, 250, 700]));
      if (r < 0.85) return rejected(tap, pick(REASONS));
      return failed(tap, 1 + Math.floor(random() * 3), now - 5);
    });
    h.store.commitOutcomes(outcomes, now);
    if (random() < 0.3) {
      // Top-up ids repeat on purpose (the same id for the same customer and amount is a duplicate).
      const customerId = pick(customers);
      h.store.topUp(customerId, `tu${round % 7}-${customerId}`, 500, now);
    }
    if (random() < 0.2) {
      const letter = h.store.listDeadLetters({ limit: 5 }).deadLetters.find((d) => d.status === 'open');
      if (letter !== undefined) {
        h.store.commitOutcomes([{ ...ok(h.store.tapToReplay(letter.id), 100), replayOf: letter.id }], now);
        replays++;
      }
    }
  }
  const charged = new Map<string, number>();
  let issued = 0;
  const statuses = new Set<string>();
  for (const tap of seen) {
    const state = h.store.getTapState(tap.tapId);
    statuses.add(state?.reason ?? state?.status ?? 'missing');
    const ticket = state?.ticket;
    if (ticket === undefined) continue;
    issued++;
    charged.set(tap.customerId, (charged.get(tap.customerId) ?? 0) + ticket.price);
  }
  return { charged, issued, statuses, replays };
}

describe('balances under a random mix', () => {
  let h: Harness | undefined;
  afterEach(() => {
    h?.cleanup();
    h = undefined;
  });

  const fixed = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
  const seeds = fixed === undefined ? [1, 2, 3, 42, 1_337, 20_261_122] : [fixed];

  it.each(seeds)('seed %i: balance equals the ledger, never negative, each tap charged at most once', (seed) => {
    h = makeHarness();
    try {
      const { charged, issued, statuses, replays } = randomRun(h, seed);
      const audit = h.store.auditBalances();
      expect(audit.length).toBe(4);
      for (const row of audit) {
        expect(row.balance).toBe(row.ledgerSum);
        expect(row.balance).toBeGreaterThanOrEqual(0);
      }
      let tickets = 0;
      for (const customerId of ['c1', 'c2', 'c3', 'c4']) {
        const page = h.store.listTickets(customerId, 1_000);
        tickets += page.tickets.length;
        const sum = page.tickets.reduce((total, t) => total + t.price, 0);
        expect(sum).toBe(charged.get(customerId) ?? 0);
        expect(new Set(page.tickets.map((t) => t.tapId)).size).toBe(page.tickets.length);
      }
      expect(tickets).toBe(issued);
      // The mix really mixed: issued, drained wallets, unknown customers, failures and replays all happened.
      expect(issued).toBeGreaterThan(0);
      for (const s of ['issued', 'insufficient_funds', 'unknown_customer', 'worker_crash']) {
        expect(statuses).toContain(s);
      }
      expect(statuses).not.toContain('pending');
      expect(statuses).not.toContain('missing');
      expect(replays).toBeGreaterThan(0);
    } catch (error) {
      console.error(`audit-random failed with SEED=${seed}; replay with SEED=${seed} npx vitest run test/store`);
      throw error;
    }
  });
});
