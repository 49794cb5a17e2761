import { afterEach, describe, expect, it } from 'vitest';
import { signTap } from '../../src/domain/signing.ts';
import type { Evaluation, Tap } from '../../src/domain/types.ts';
import { EngineError } from '../../src/pipeline/engine-api.ts';
import { InlineEvaluator } from '../../src/workers/inline-evaluator.ts';
import { startEngine, type EngineHarness } from './harness.ts';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the tap pipeline', () => {
  it('issues tickets, debits balances and notifies issued, rejected and balance changes', async () => {
    h = await startEngine();
    const taps = [
      h.tap({ customerId: 'customer-1', rideId: 'ride-b' }),
      h.tap({ customerId: 'customer-3', rideId: 'ride-e' }), // season pass: half price
      h.tap({ customerId: 'customer-1', rideId: 'ride-x' }),
    ];
    const result = await h.run(h.engine.submitTaps(taps, { wait: true }));
    expect(result.taps.map((t) => t.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(result.outcomes!.map((o) => [o.status, o.reason])).toEqual([
      ['issued', undefined],
      ['issued', undefined],
      ['rejected', 'unknown_ride'],
    ]);
    expect(result.outcomes![1]!.ticket).toMatchObject({ basePrice: 2_000, price: 1_000, balanceAfter: 9_000 });
    expect(h.engine.getCustomer('customer-1')!.balance).toBe(9_000);
    expect(h.notifications.map((n) => [n.customerId, n.type])).toEqual([
      ['customer-1', 'ticket.issued'],
      ['customer-1', 'balance.changed'],
      ['customer-3', 'ticket.issued'],
      ['customer-3', 'balance.changed'],
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
    const result = await h.run(h.engine.submitTaps([...taps, signed], { wait: true }));
    expect(result.outcomes!.map((o) => o.reason ?? o.status)).toEqual([
      'unknown_machine',
      'invalid_signature',
      'unknown_customer',
      'unknown_ride',
      'stale_tap',
      'issued',
    ]);
    const broke = Array.from({ length: 21 }, () => tap({ rideId: 'ride-a' })); // 21 × 5.00 > 100.00 − 5.00
    const spent = await h.run(h.engine.submitTaps(broke, { wait: true }));
    expect(spent.outcomes!.filter((o) => o.status === 'issued')).toHaveLength(19);
    expect(spent.outcomes!.slice(19).map((o) => o.reason)).toEqual(['insufficient_funds', 'insufficient_funds']);
    expect(h.engine.getCustomer('customer-2')!.balance).toBe(0);
  });

  it('charges a duplicate tap once, within one request and across requests', async () => {
    h = await startEngine();
    const tap = h.tap({ customerId: 'customer-4', rideId: 'ride-c' });
    const first = await h.run(h.engine.submitTaps([tap], { wait: true }));
    const again = await h.run(h.engine.submitTaps([tap], { wait: true }));
    expect(first.taps[0]!.status).toBe('accepted');
    expect(again.taps[0]!.status).toBe('duplicate');
    expect(again.outcomes![0]!.status).toBe('issued');
    expect(h.engine.getCustomer('customer-4')!.balance).toBe(10_000 - 1_500);
  });

  it('journals concurrent submissions in one transaction and evaluates in batches, not per tap', async () => {
    const batchSizes: number[] = [];
    h = await startEngine({
      pipeline: { evaluateBatchMax: 50, evaluateConcurrency: 2 },
      evaluator: (o) => {
        const inner = new InlineEvaluator(o);
        return { threads: 0, close: () => inner.close(), evaluate: (taps, now) => (batchSizes.push(taps.length), inner.evaluate(taps, now)) };
      },
    });
    let journals = 0;
    const journalTaps = h.store.journalTaps.bind(h.store);
    h.store.journalTaps = (taps, now) => (journals++, journalTaps(taps, now));
    const requests = Array.from({ length: 10 }, () =>
      h!.engine.submitTaps(Array.from({ length: 20 }, () => h!.tap({ customerId: 'customer-5', rideId: 'ride-a' })), { wait: false }),
    );
    await h.run(Promise.all(requests));
    await h.kit.settle();
    expect(journals).toBe(1);
    expect(batchSizes).toEqual([50, 50, 50, 50]);
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
    const done = h.engine.submitTaps(taps, { wait: true });
    await h.kit.settle();
    expect(gates).toHaveLength(3);
    for (const release of gates.reverse()) {
      release();
      await h.kit.settle();
    }
    const result = await h.run(done);
    const issued = h.notifications.filter((n) => n.type === 'ticket.issued').map((n) => (n.data as { tapId: string }).tapId);
    expect(issued).toEqual(taps.map((t) => t.tapId));
    const balances = result.outcomes!.map((o) => o.ticket!.balanceAfter);
    expect(balances).toEqual([9_500, 8_500, 7_000, 5_500, 3_500, 3_000]);
  });

  it('isolates a poison tap: the rest of its batch is processed, it fails as worker_failed after its attempts', async () => {
    let calls = 0;
    h = await startEngine({
      pipeline: { evaluateBatchMax: 8, evaluateAttempts: 3 },
      faults: (taps) => (calls++, taps.some((t) => t.tapId === 'poison') ? { kind: 'throw' } : undefined),
    });
    const taps = Array.from({ length: 8 }, (_, i) => h!.tap({ customerId: 'customer-1', rideId: 'ride-a', ...(i === 5 && { tapId: 'poison' }) }));
    const result = await h.run(h.engine.submitTaps(taps, { wait: true }));
    expect(result.outcomes!.map((o) => o.status)).toEqual(['issued', 'issued', 'issued', 'issued', 'issued', 'failed', 'issued', 'issued']);
    expect(result.outcomes![5]!.reason).toBe('worker_failed');
    const [dead] = h.engine.listDeadLetters({ reason: 'worker_failed', limit: 10 }).deadLetters;
    expect(dead).toMatchObject({ tapId: 'poison', attempts: 3, error: expect.stringContaining('injected fault') });
    expect(calls).toBeLessThan(20); // 1 + 2 + 2 + 2 splits + 2 retries, not one task per tap per attempt
  });

  it('refuses a request that would exceed the in-flight bound, accepting nothing of it', async () => {
    h = await startEngine({ pipeline: { maxInFlightTaps: 5 } });
    const taps = Array.from({ length: 6 }, () => h!.tap({ customerId: 'customer-1', rideId: 'ride-a' }));
    const refused = await h.run(h.engine.submitTaps(taps, { wait: false }).catch((e: unknown) => e));
    expect(refused).toBeInstanceOf(EngineError);
    expect(refused).toMatchObject({ code: 'ERR_OVERLOADED', retryAfterMs: 1_000 });
    expect(h.engine.tapState(taps[0]!.tapId)).toBeUndefined();
    const fits = await h.run(h.engine.submitTaps(taps.slice(0, 5), { wait: true }));
    expect(fits.outcomes!.every((o) => o.status === 'issued')).toBe(true);
    expect(h.engine.flow.inFlight).toBe(0);
  });

  it('replays a dead letter after the missing ride is added', async () => {
    h = await startEngine();
    const tap = h.tap({ customerId: 'customer-2', rideId: 'ride-new' });
    const first = await h.run(h.engine.submitTaps([tap], { wait: true }));
    expect(first.outcomes![0]).toMatchObject({ status: 'rejected', reason: 'unknown_ride' });
    const [dead] = h.engine.listDeadLetters({ reason: 'unknown_ride', limit: 10 }).deadLetters;
    h.engine.putRide('ride-new', { name: 'Drop Tower', price: 700, open: true });
    const replayed = await h.run(h.engine.replayDeadLetter(dead!.id));
    expect(replayed).toMatchObject({ status: 'issued', ticket: { price: 700, balanceAfter: 9_300 } });
    await expect(h.run(h.engine.replayDeadLetter(dead!.id))).rejects.toMatchObject({ code: 'ERR_ALREADY_REPLAYED' });
    expect(h.notifications.filter((n) => n.customerId === 'customer-2').map((n) => n.type)).toEqual([
      'ticket.rejected',
      'ticket.issued',
      'balance.changed',
    ]);
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
    const result = await h.run(h.engine.submitTaps([h.tap({ customerId: 'customer-new', rideId: 'ride-b' })], { wait: true }));
    expect(result.outcomes![0]).toMatchObject({ status: 'issued', ticket: { price: 500, balanceAfter: 500 } });
  });
});

describe('overload at the gate', () => {
  it('a full gate mailbox refuses the request as overloaded, accepting nothing of it, and frees its reservation', async () => {
    h = await startEngine({ pipeline: { gateMailboxCapacity: 2 } });
    // The test kit dispatches only when told: three requests queue at the gate, the third finds it full.
    const queued = [0, 1].map((i) => h!.engine.submitTaps([h!.tap({ customerId: 'customer-1', rideId: 'ride-a', tapId: `q-${i}` })], { wait: false }));
    const refused = await h.engine.submitTaps([h.tap({ customerId: 'customer-1', rideId: 'ride-a', tapId: 'q-2' })], { wait: false }).catch((e: unknown) => e);
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
