import { afterEach, describe, expect, it } from 'vitest';
import { signTap } from '../../src/domain/signing.ts';
import { AMOUNT_MAX, type Tap } from '../../src/domain/types.ts';
import { EngineError } from '../../src/pipeline/engine-api.ts';
import { InlineEvaluator } from '../../src/workers/inline-evaluator.ts';
import { failingWhen } from './failing-evaluator.ts';
import { startEngine, type EngineHarness } from './harness.ts';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the tap pipeline', () => {
  it('decides taps before answering: tickets, debits, and one notification per tap', async () => {
    h = await startEngine();
    const taps = [
      h.tap({ customerId: 'customer-1', rideId: 'ride-b' }),
      h.tap({ customerId: 'customer-3', rideId: 'ride-e' }), // season pass: half price
      h.tap({ customerId: 'customer-1', rideId: 'ride-x' }),
    ];
    const results = await h.run(h.engine.submitTaps(taps));
    expect(results.map((r) => r.status)).toEqual(['issued', 'issued', 'rejected']);
    expect(results[1]).toMatchObject({ price: 1_000, balanceAfter: 9_000 });
    expect(results[2]).toEqual({ tapId: taps[2]!.tapId, status: 'rejected', reason: 'unknown_ride' });
    expect(h.engine.tapState(taps[1]!.tapId)?.ticket).toMatchObject({ basePrice: 2_000, price: 1_000, balanceAfter: 9_000 });
    expect(h.engine.getCustomer('customer-1')!.balance).toBe(9_000);
    expect(h.notifications.map((n) => [n.customerId, n.type])).toEqual([
      ['customer-1', 'ticket.issued'],
      ['customer-3', 'ticket.issued'],
      ['customer-1', 'ticket.rejected'],
    ]);
  });

  it('rejects each invalid tap with its reason, and refuses a charge beyond the balance', async () => {
    h = await startEngine();
    const tap = (fields: Partial<Tap>) => h!.tap({ customerId: 'customer-2', rideId: 'ride-a', ...fields });
    const stale = new Date(h.kit.clock.now() - 25 * 3_600_000).toISOString();
    const taps = [
      tap({ machineId: 'gate-9' }),
      tap({ machineId: 'gate-s1' }),
      tap({ customerId: 'nobody' }),
      tap({ rideId: 'ride-z' }),
      tap({ tappedAt: stale }),
    ];
    const signed = tap({ machineId: 'gate-s1' });
    signed.signature = signTap(signed, h.signingKey);
    const results = await h.run(h.engine.submitTaps([...taps, signed]));
    expect(results.map((r) => ('reason' in r ? r.reason : r.status))).toEqual([
      'unknown_machine',
      'invalid_signature',
      'unknown_customer',
      'unknown_ride',
      'stale_tap',
      'issued',
    ]);
    const broke = Array.from({ length: 21 }, () => tap({ rideId: 'ride-a' })); // 21 × 5.00 > 100.00 − 5.00
    const spent = await h.run(h.engine.submitTaps(broke));
    expect(spent.filter((r) => r.status === 'issued')).toHaveLength(19);
    expect(spent.slice(19)).toMatchObject([{ reason: 'insufficient_funds' }, { reason: 'insufficient_funds' }]);
    expect(h.engine.getCustomer('customer-2')!.balance).toBe(0);
  });

  it('charges a duplicate tap once, within one request and across requests', async () => {
    h = await startEngine();
    const tap = h.tap({ customerId: 'customer-4', rideId: 'ride-c' });
    const [first] = await h.run(h.engine.submitTaps([tap]));
    const [again, inRequest, taken] = await h.run(h.engine.submitTaps([tap, tap, { ...tap, machineId: 'gate-2' }]));
    expect(first).toMatchObject({ status: 'issued', price: 1_500 });
    const { ticketId, price, balanceAfter } = first as { ticketId: string; price: number; balanceAfter: number };
    expect(again).toEqual({ tapId: tap.tapId, status: 'duplicate', outcome: 'issued', ticketId, price, balanceAfter });
    expect(inRequest).toEqual(again);
    // The same id from another machine learns nothing of the original.
    expect(taken).toEqual({ tapId: tap.tapId, status: 'conflict' });
    expect(h.engine.getCustomer('customer-4')!.balance).toBe(10_000 - 1_500);
    expect(h.notifications).toHaveLength(1);
  });

  it('commits concurrent requests in shared group commits and evaluates in batches, not per tap', async () => {
    const batchSizes: number[] = [];
    h = await startEngine({
      pipeline: { evaluateBatchMax: 50, evaluateConcurrency: 2 },
      evaluator: (o) => {
        const inner = new InlineEvaluator(o);
        return { threads: 0, close: () => inner.close(), evaluate: (taps, now) => (batchSizes.push(taps.length), inner.evaluate(taps, now)) };
      },
    });
    let commits = 0;
    const commitOutcomes = h.store.commitOutcomes.bind(h.store);
    h.store.commitOutcomes = (outcomes, now) => (commits++, commitOutcomes(outcomes, now));
    const requests = Array.from({ length: 10 }, () =>
      h!.engine.submitTaps(Array.from({ length: 20 }, () => h!.tap({ customerId: 'customer-5', rideId: 'ride-a' }))),
    );
    const answers = await h.run(Promise.all(requests));
    expect(answers.map((a) => a.length)).toEqual(new Array<number>(10).fill(20));
    // 100.00 buys twenty 5.00 rides: the first twenty taps in acceptance order.
    expect(answers.flat().map((r) => r.status)).toEqual([...new Array<string>(20).fill('issued'), ...new Array<string>(180).fill('rejected')]);
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThanOrEqual(4); // at most one per evaluated batch, never one per request or per tap
    // Requests that queue while the pool is busy share its next task (two run at once here).
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(batchSizes.every((n) => n <= 50)).toBe(true);
    expect(batchSizes.length).toBeLessThan(10);
    expect(h.store.auditBalances().every((a) => a.balance === a.ledgerSum)).toBe(true);
  });

  it('keeps each customer’s taps in acceptance order when batches finish out of order', async () => {
    const gates: Array<() => void> = [];
    h = await startEngine({
      pipeline: { evaluateBatchMax: 2, evaluateConcurrency: 3 },
      evaluator: (o) => {
        const inner = new InlineEvaluator(o);
        return {
          threads: 0,
          close: () => inner.close(),
          // Each batch waits for the test to release it; the test releases them newest first.
          evaluate: async (taps, now) => {
            await new Promise<void>((resolve) => gates.push(resolve));
            return inner.evaluate(taps, now);
          },
        };
      },
    });
    const taps = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e', 'ride-a'].map((rideId) => h!.tap({ customerId: 'customer-6', rideId }));
    const done = h.engine.submitTaps(taps);
    await h.kit.settle();
    expect(gates).toHaveLength(3);
    for (const release of gates.reverse()) {
      release();
      await h.kit.settle();
    }
    const results = await h.run(done);
    const issued = h.notifications.filter((n) => n.type === 'ticket.issued').map((n) => (n.data as { tapId: string }).tapId);
    expect(issued).toEqual(taps.map((t) => t.tapId));
    const balances = results.map((r) => (r as { balanceAfter: number }).balanceAfter);
    expect(balances).toEqual([9_500, 8_500, 7_000, 5_500, 3_500, 3_000]);
  });

  it('isolates a poison tap: the rest of its batch is processed, it fails as worker_failed after its attempts', async () => {
    let calls = 0;
    h = await startEngine({
      pipeline: { evaluateBatchMax: 8, evaluateAttempts: 3 },
      evaluator: (o) => failingWhen(new InlineEvaluator(o), (taps) => (calls++, taps.some((t) => t.tapId === 'poison'))),
    });
    const taps = Array.from({ length: 8 }, (_, i) => h!.tap({ customerId: 'customer-1', rideId: 'ride-a', ...(i === 5 && { tapId: 'poison' }) }));
    const results = await h.run(h.engine.submitTaps(taps));
    expect(results.map((r) => r.status)).toEqual(['issued', 'issued', 'issued', 'issued', 'issued', 'failed', 'issued', 'issued']);
    expect(results[5]).toMatchObject({ reason: 'worker_failed' });
    const [dead] = h.engine.listDeadLetters({ reason: 'worker_failed', limit: 10 }).deadLetters;
    expect(dead).toMatchObject({ tapId: 'poison', attempts: 3, error: expect.stringContaining('injected fault') });
    expect(calls).toBeLessThan(20); // 1 + 2 + 2 + 2 splits + 2 retries, not one task per tap per attempt
  });

  it('refuses a request that would exceed the in-flight bound, accepting nothing of it', async () => {
    h = await startEngine({ pipeline: { maxInFlightTaps: 5 } });
    const taps = Array.from({ length: 6 }, () => h!.tap({ customerId: 'customer-1', rideId: 'ride-a' }));
    const refused = await h.run(h.engine.submitTaps(taps).catch((e: unknown) => e));
    expect(refused).toBeInstanceOf(EngineError);
    expect(refused).toMatchObject({ code: 'ERR_OVERLOADED', retryAfterMs: 1_000 });
    expect(h.engine.tapState(taps[0]!.tapId)).toBeUndefined();
    const fits = await h.run(h.engine.submitTaps(taps.slice(0, 5)));
    expect(fits.every((r) => r.status === 'issued')).toBe(true);
    expect(h.engine.flow.inFlight).toBe(0);
  });

  it('replays a dead letter after the missing ride is added', async () => {
    h = await startEngine();
    const tap = h.tap({ customerId: 'customer-2', rideId: 'ride-new' });
    const [first] = await h.run(h.engine.submitTaps([tap]));
    expect(first).toMatchObject({ status: 'rejected', reason: 'unknown_ride' });
    const [dead] = h.engine.listDeadLetters({ reason: 'unknown_ride', limit: 10 }).deadLetters;
    h.engine.putRide('ride-new', { name: 'Drop Tower', price: 700, open: true });
    const replayed = await h.run(h.engine.replayDeadLetter(dead!.id));
    expect(replayed).toMatchObject({ status: 'issued', ticket: { price: 700, balanceAfter: 9_300 } });
    await expect(h.run(h.engine.replayDeadLetter(dead!.id))).rejects.toMatchObject({ code: 'ERR_ALREADY_REPLAYED' });
    expect(h.notifications.filter((n) => n.customerId === 'customer-2').map((n) => n.type)).toEqual(['ticket.rejected', 'ticket.issued']);
    expect(h.engine.listDeadLetters({ limit: 10 }).deadLetters).toMatchObject([{ id: dead!.id, status: 'replayed' }]);
  });

  it('a replay that fails again keeps the one letter and counts the attempt', async () => {
    h = await startEngine();
    const tap = h.tap({ customerId: 'customer-2', rideId: 'ride-new' });
    await h.run(h.engine.submitTaps([tap]));
    const [dead] = h.engine.listDeadLetters({ limit: 10 }).deadLetters;
    const replayed = await h.run(h.engine.replayDeadLetter(dead!.id));
    expect(replayed).toEqual({ tapId: tap.tapId, status: 'rejected', reason: 'unknown_ride' });
    expect(h.engine.listDeadLetters({ limit: 10 }).deadLetters).toMatchObject([{ id: dead!.id, attempts: 2, status: 'open' }]);
  });

  it('top-ups are idempotent on topUpId and notified', async () => {
    h = await startEngine();
    const first = await h.run(h.engine.topUp('customer-1', 'top-1', 2_000));
    const again = await h.run(h.engine.topUp('customer-1', 'top-1', 2_000));
    expect([first.status, again.status]).toEqual(['applied', 'duplicate']);
    expect(h.engine.getCustomer('customer-1')!.balance).toBe(12_000);
    await expect(h.run(h.engine.topUp('nobody', 'top-2', 100))).rejects.toMatchObject({ code: 'ERR_UNKNOWN_CUSTOMER' });
    await h.kit.settle();
    expect(h.notifications.map((n) => n.type)).toEqual(['balance.changed']);
  });

  it('a new customer can tap at once: the workers see the catalog change', async () => {
    h = await startEngine();
    await h.run(h.engine.putCustomer('customer-new', { name: 'Zoë', tier: 'season-pass', balance: 1_000 }));
    const [result] = await h.run(h.engine.submitTaps([h.tap({ customerId: 'customer-new', rideId: 'ride-b' })]));
    expect(result).toMatchObject({ status: 'issued', price: 500, balanceAfter: 500 });
  });

  it('refuses, as answers and not failures: an opening balance for a customer that exists, a patch of an unknown one, a top-up over AMOUNT_MAX', async () => {
    h = await startEngine();
    await expect(h.run(h.engine.putCustomer('customer-1', { name: 'Ada', tier: 'standard', balance: 5 })))
      .rejects.toMatchObject({ code: 'ERR_BALANCE_NOT_SETTABLE' });
    await expect(h.run(h.engine.patchCustomer('nobody', { name: 'Bo' }))).rejects.toMatchObject({ code: 'ERR_UNKNOWN_CUSTOMER' });
    await expect(h.run(h.engine.topUp('customer-1', 'top-max', AMOUNT_MAX))).rejects.toMatchObject({ code: 'ERR_BALANCE_LIMIT' });
    const patched = await h.run(h.engine.patchCustomer('customer-1', { tier: 'season-pass' }));
    expect(patched).toMatchObject({ id: 'customer-1', tier: 'season-pass', balance: 10_000 });
    expect(h.engine.getCustomer('customer-1')).toEqual(patched);
    // The ledger went on: it still decides taps.
    const [result] = await h.run(h.engine.submitTaps([h.tap({ customerId: 'customer-1', rideId: 'ride-b' })]));
    expect(result?.status).toBe('issued');
  });
});

describe('overload at the intake', () => {
  it('a full intake mailbox refuses the request as overloaded, deciding nothing of it, and frees its reservation', async () => {
    h = await startEngine({ pipeline: { intakeMailboxCapacity: 2 } });
    // The test kit dispatches only when told: three requests queue at the intake, the third finds it full.
    const queued = [0, 1].map((i) => h!.engine.submitTaps([h!.tap({ customerId: 'customer-1', rideId: 'ride-a', tapId: `q-${i}` })]));
    const refused = await h.engine.submitTaps([h.tap({ customerId: 'customer-1', rideId: 'ride-a', tapId: 'q-2' })]).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ERR_OVERLOADED', retryAfterMs: 1_000 });
    expect(h.engine.flow.inFlight).toBe(2);
    await h.run(Promise.all(queued));
    await h.kit.settle();
    expect(h.engine.tapState('q-2')).toBeUndefined();
    expect(['q-0', 'q-1'].map((id) => h!.engine.tapState(id)!.status)).toEqual(['issued', 'issued']);
    expect(h.engine.flow.inFlight).toBe(0);
    expect(h.kit.deadLettersWith('mailbox_full')).toHaveLength(1);
  });
});
