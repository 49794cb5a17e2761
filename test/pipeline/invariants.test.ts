import { afterEach, describe, expect, it } from 'vitest';
import type { Tap } from '../../src/domain/types.ts';
import { seededRandom, testSeed } from '../../src/platform/random.ts';
import { replayable } from '../../src/testkit/test-kit.ts';
import { InlineEvaluator } from '../../src/workers/inline-evaluator.ts';
import { failingWhen } from './failing-evaluator.ts';
import { startEngine, type EngineHarness } from './harness.ts';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const CUSTOMERS = ['customer-1', 'customer-2', 'customer-3', 'customer-4', 'nobody'];
const RIDES = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e', 'ride-x'];

describe('pipeline invariants under a seeded random load', () => {
  it('every submitted tap ends in exactly one outcome, balances match the ledger, order per customer holds', async () => {
    const seed = testSeed();
    await replayable(seed, async () => {
      const random = seededRandom(seed);
      // A seeded fault: about one batch in eight fails in the "pool", forcing splits and retries.
      h = await startEngine({
        seed,
        shuffle: true,
        pipeline: { evaluateBatchMax: 16, evaluateConcurrency: 3, maxInFlightTaps: 400 },
        evaluator: (o) => failingWhen(new InlineEvaluator(o), () => random.next() < 0.125),
      });
      const sent: Tap[] = [];
      const requests: Promise<unknown>[] = [];
      for (let r = 0; r < 30; r++) {
        const taps = Array.from({ length: 1 + random.int(20) }, () => {
          const reuse = sent.length > 0 && random.next() < 0.05;
          return reuse
            ? sent[random.int(sent.length)]!
            : h!.tap({ customerId: CUSTOMERS[random.int(CUSTOMERS.length)]!, rideId: RIDES[random.int(RIDES.length)]! });
        });
        const unique = [...new Map(taps.map((t) => [t.tapId, t])).values()];
        sent.push(...unique.filter((t) => !sent.includes(t)));
        requests.push(h.engine.submitTaps(unique).catch((e: unknown) => e));
        if (random.next() < 0.3) await h.kit.settle();
      }
      await h.run(Promise.all(requests));
      for (let i = 0; i < 20 && h.engine.flow.inFlight > 0; i++) await h.kit.settle();

      expect(h.engine.flow.inFlight).toBe(0);
      const states = sent.map((t) => h!.engine.tapState(t.tapId)).filter((s) => s !== undefined);
      expect(states.length).toBeGreaterThan(50);
      for (const state of states) expect(['issued', 'rejected', 'failed']).toContain(state.status);
      for (const audit of h.store.auditBalances()) {
        expect(audit.balance).toBe(audit.ledgerSum);
        expect(audit.balance).toBeGreaterThanOrEqual(0);
      }
      const issuedTickets = h.notifications.filter((n) => n.type === 'ticket.issued');
      expect(new Set(issuedTickets.map((n) => (n.data as { tapId: string }).tapId)).size).toBe(issuedTickets.length);
      // Per customer, notification ids strictly increase and tickets follow the order the taps were sent.
      const acceptedOrder = new Map(sent.map((t, i) => [t.tapId, i]));
      for (const customerId of CUSTOMERS) {
        const mine = h.notifications.filter((n) => n.customerId === customerId);
        const ids = mine.map((n) => n.id);
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
        const order = mine.filter((n) => n.type === 'ticket.issued').map((n) => acceptedOrder.get((n.data as { tapId: string }).tapId)!);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    });
  });
});
