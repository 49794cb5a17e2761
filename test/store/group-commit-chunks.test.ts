/**
 * The group commit writes its rows many per statement (src/store/multi-row.ts). These batches cross the statement
 * sizes (1, 31, 33, 64 …) with issued, rejected, failed and repeated taps, and hold every outcome to a one-tap-at-a-time
 * model of the ledger, and every notification to the event row it names.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Tap, TapState } from '../../src/domain/types.ts';
import type { Notification, Outcome } from '../../src/store/index.ts';
import { failed, makeHarness, makeTap, mulberry32, ok, rejected, T0, type Harness } from './helpers.ts';

const OPENING: Record<string, number> = { c1: 3_000, c2: 100_000, c3: 500 };

/** What the ledger must answer, applying the outcomes one by one. */
class Model {
  readonly balances = new Map(Object.entries(OPENING));
  readonly decided = new Map<string, Pick<TapState, 'status' | 'reason'>>();
  issued = 0;

  /** The status the commit answers, and the state the tap has after it. */
  apply(outcome: Outcome): { answer: string; state: Pick<TapState, 'status' | 'reason'> } {
    const known = this.decided.get(outcome.tap.tapId);
    if (known !== undefined) return { answer: 'duplicate', state: known };
    let state: Pick<TapState, 'status' | 'reason'>;
    if (outcome.kind === 'failed') state = { status: 'failed', reason: outcome.reason };
    else if (!outcome.evaluation.ok) state = { status: 'rejected', reason: outcome.evaluation.reason };
    else {
      const balance = this.balances.get(outcome.tap.customerId);
      const { price } = outcome.evaluation.quote;
      if (balance === undefined) state = { status: 'rejected', reason: 'unknown_customer' };
      else if (balance < price) state = { status: 'rejected', reason: 'insufficient_funds' };
      else {
        this.balances.set(outcome.tap.customerId, balance - price);
        this.issued++;
        state = { status: 'issued' };
      }
    }
    this.decided.set(outcome.tap.tapId, state);
    return { answer: state.status, state };
  }
}

describe('group commit across multi-row statement sizes', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
    for (const [id, balance] of Object.entries(OPENING)) {
      h.store.upsertCustomer(id, { name: id, tier: 'standard', balance }, T0);
    }
  });
  afterEach(() => h.cleanup());

  it('matches the one-by-one model: outcomes, balances, tickets, event ids and rows', () => {
    const random = mulberry32(7);
    const customers = ['c1', 'c2', 'c3', 'ghost'];
    const taps: Tap[] = [];
    for (let i = 0; i < 300; i++) taps.push(makeTap(`t${i}`, customers[Math.floor(random() * 4)]));
    const model = new Model();
    const all: Notification[] = [];
    let next = 0;
    const repeats = { sameBatch: 0, earlierBatch: 0 };
    for (const size of [1, 31, 33, 64, 2, 32, 97]) {
      const outcomes: Outcome[] = [];
      const first = next;
      for (let i = 0; i < size; i++) {
        const roll = random();
        // Now and then a tap again: one of this batch, or one an earlier batch decided.
        const again = roll < 0.1 && next > 0 ? Math.floor(random() * next) : undefined;
        const tap = taps[again ?? next++] as Tap;
        if (again !== undefined) repeats[again >= first ? 'sameBatch' : 'earlierBatch']++;
        if (roll < 0.8) outcomes.push(ok(tap, 1 + Math.floor(random() * 400)));
        else if (roll < 0.9) outcomes.push(rejected(tap, 'ride_closed'));
        else outcomes.push(failed(tap, 2, T0));
      }
      const { results, notifications } = h.store.commitOutcomes(outcomes, T0 + size);
      outcomes.forEach((outcome, i) => {
        const expected = model.apply(outcome);
        expect(results[i]?.status).toBe(expected.answer);
        expect(h.store.getTapState(outcome.tap.tapId)).toMatchObject(expected.state);
      });
      all.push(...notifications);
    }
    expect(next).toBeGreaterThan(200);
    expect(repeats.sameBatch).toBeGreaterThan(3);
    expect(repeats.earlierBatch).toBeGreaterThan(3);
    const reasons = new Set([...model.decided.values()].map((state) => state.reason));
    for (const reason of ['insufficient_funds', 'unknown_customer', 'ride_closed', 'worker_crash']) {
      expect(reasons).toContain(reason);
    }
    // Ids strictly increasing in the order produced, and each the row it names.
    const ids = all.map((n) => n.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    for (const customerId of customers) {
      expect(h.store.streamAfter(customerId, 0, 1_000)).toEqual(all.filter((n) => n.customerId === customerId));
    }
    for (const row of h.store.auditBalances()) {
      expect(row.balance).toBe(model.balances.get(row.customerId));
      expect(row.balance).toBe(row.ledgerSum);
    }
    // A ticket id is drawn only for a tap that is issued: tkt_1 … tkt_n, none wasted on a repeat.
    const ticketIds = customers.flatMap((c) => h.store.listTickets(c, 1_000).tickets.map((t) => t.ticketId));
    expect(ticketIds.sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))).toEqual(
      Array.from({ length: model.issued }, (_, i) => `tkt_${i + 1}`),
    );
  });
});
