import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/index.ts';
import { startEngine, type EngineHarness } from './harness.ts';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Makes `method` of the harness's store throw a StoreError with `code` while `failing()` says so. */
function breakStore(harness: EngineHarness, method: 'commitOutcomes' | 'journalTaps' | 'probeWrite', code: 'ERR_STORE_BUSY' | 'ERR_STORE_IO', failing: () => boolean): { calls: number } {
  const counter = { calls: 0 };
  const store = harness.store as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = store[method]!.bind(harness.store);
  store[method] = (...args: unknown[]) => {
    counter.calls++;
    if (failing()) throw new StoreError(code, `injected ${code}`);
    return original(...args);
  };
  return counter;
}

describe('a busy or failing database', () => {
  it('a busy database: the group commit is retried with backoff in virtual time, then succeeds; charged once', async () => {
    h = await startEngine();
    let failures = 3;
    const commits = breakStore(h, 'commitOutcomes', 'ERR_STORE_BUSY', () => failures-- > 0);
    const done = h.engine.submitTaps([h.tap({ customerId: 'customer-1', rideId: 'ride-b' })], { wait: true });
    await h.kit.settle();
    expect(h.engine.readiness()).toEqual({ ready: true });
    await h.kit.advance(200); // backoff 10, 20, 40 ms (± jitter)
    const result = await h.run(done);
    expect(commits.calls).toBe(4);
    expect(result.outcomes![0]!.status).toBe('issued');
    expect(h.engine.getCustomer('customer-1')!.balance).toBe(9_000);
  });

  it('a failing disk at the journal: 503 for that request, /ready false, reads still work; back once a write commits', async () => {
    h = await startEngine({ pipeline: { storageProbeMs: 1_000 } });
    let broken = true;
    breakStore(h, 'journalTaps', 'ERR_STORE_IO', () => broken);
    breakStore(h, 'probeWrite', 'ERR_STORE_IO', () => broken);
    const tap = h.tap({ customerId: 'customer-2', rideId: 'ride-a' });
    await expect(h.run(h.engine.submitTaps([tap], { wait: false }))).rejects.toMatchObject({ code: 'ERR_STORAGE' });
    expect(h.engine.readiness()).toEqual({ ready: false, reason: 'storage_failed' });
    await expect(h.run(h.engine.submitTaps([tap], { wait: false }))).rejects.toMatchObject({ code: 'ERR_NOT_READY' });
    expect(h.engine.getCustomer('customer-2')!.balance).toBe(10_000);
    expect(h.engine.tapState(tap.tapId)).toBeUndefined(); // nothing acknowledged that was not committed
    await h.kit.advance(3_000);
    expect(h.engine.readiness().ready).toBe(false);
    broken = false;
    await h.kit.advance(1_000);
    expect(h.engine.readiness()).toEqual({ ready: true });
    const result = await h.run(h.engine.submitTaps([tap], { wait: true }));
    expect(result.outcomes![0]!.status).toBe('issued');
    expect(h.engine.flow.inFlight).toBe(0);
  });

  it('a commit that fails past its attempts is given up in memory; the taps are recovered from the journal once the disk works', async () => {
    h = await startEngine({ pipeline: { commitAttempts: 3, storageProbeMs: 500 } });
    let broken = true;
    breakStore(h, 'commitOutcomes', 'ERR_STORE_IO', () => broken);
    breakStore(h, 'probeWrite', 'ERR_STORE_IO', () => broken);
    const taps = [h.tap({ customerId: 'customer-3', rideId: 'ride-a' }), h.tap({ customerId: 'customer-3', rideId: 'ride-b' })];
    const accepted = await h.run(h.engine.submitTaps(taps, { wait: false }));
    expect(accepted.taps.map((t) => t.status)).toEqual(['accepted', 'accepted']);
    await h.kit.advance(100);
    expect(h.engine.readiness()).toEqual({ ready: false, reason: 'storage_failed' });
    expect(h.engine.flow.inFlight).toBe(0);
    expect(taps.map((t) => h!.engine.tapState(t.tapId)!.status)).toEqual(['pending', 'pending']);
    broken = false;
    await h.kit.advance(600);
    await h.kit.settle();
    expect(h.engine.readiness()).toEqual({ ready: true });
    expect(taps.map((t) => h!.engine.tapState(t.tapId)!.status)).toEqual(['issued', 'issued']);
    expect(h.engine.getCustomer('customer-3')!.balance).toBe(10_000 - 250 - 500);
    expect(h.notifications.filter((n) => n.type === 'ticket.issued')).toHaveLength(2);
  });
});

describe('restart intensity', () => {
  it('a stage that keeps failing escalates to the root: the engine stops taking taps and says why', async () => {
    h = await startEngine();
    const store = h.store as unknown as { commitOutcomes: () => never };
    store.commitOutcomes = () => {
      throw new Error('a bug in the ledger');
    };
    // Each batch fails at the ledger up to its delivery limit (5); three batches are 15 failures within the window.
    for (let i = 0; i < 3; i++) {
      await h.run(h.engine.submitTaps([h.tap({ customerId: 'customer-4', rideId: 'ride-a' })], { wait: false }));
      await h.kit.settle();
    }
    await h.kit.advance(1_000);
    expect(h.engine.readiness()).toEqual({ ready: false, reason: 'escalated' });
    await expect(h.run(h.engine.submitTaps([h.tap({ customerId: 'customer-4', rideId: 'ride-a' })], { wait: false }))).rejects.toMatchObject({
      code: 'ERR_NOT_READY',
    });
    expect(h.kit.events.filter((e) => e.type === 'escalated').map((e) => 'path' in e && e.path)).toEqual(['/user/ledger']);
  });

  it('a flush dead-lettered at its delivery limit does not leak in-flight capacity', async () => {
    h = await startEngine();
    const store = h.store as unknown as { commitOutcomes: (...args: unknown[]) => unknown };
    const original = store.commitOutcomes.bind(h.store);
    let failures = 5;
    store.commitOutcomes = (...args) => {
      if (failures-- > 0) throw new Error('a bug that goes away');
      return original(...args);
    };
    await h.run(h.engine.submitTaps([h.tap({ customerId: 'customer-5', rideId: 'ride-a' })], { wait: false }));
    await h.kit.settle();
    expect(h.kit.deadLettersWith('delivery_limit')).toHaveLength(1);
    expect(h.engine.flow.inFlight).toBe(0);
    expect(h.engine.readiness()).toEqual({ ready: true });
  });
});
