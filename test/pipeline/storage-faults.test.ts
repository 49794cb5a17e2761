import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/index.ts';
import { startEngine, type EngineHarness } from './harness.ts';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Makes `method` of the harness's store throw a StoreError with `code` while `failing()` says so. */
function breakStore(harness: EngineHarness, method: 'commitOutcomes' | 'probeWrite', code: 'ERR_STORE_BUSY' | 'ERR_STORE_IO', failing: () => boolean): { calls: number } {
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
    const done = h.engine.submitTaps([h.tap({ customerId: 'customer-1', rideId: 'ride-b' })]);
    await h.kit.settle();
    expect(h.engine.readiness()).toEqual({ ready: true });
    await h.kit.advance(200); // backoff 10, 20, 40 ms (± jitter)
    const [result] = await h.run(done);
    expect(commits.calls).toBe(4);
    expect(result!.status).toBe('issued');
    expect(h.engine.getCustomer('customer-1')!.balance).toBe(9_000);
  });

  it('a failing disk: the request is refused 503 after the commit\'s attempts, /ready false, nothing charged; back once a write commits', async () => {
    h = await startEngine({ pipeline: { commitAttempts: 3, storageProbeMs: 500 } });
    let broken = true;
    breakStore(h, 'commitOutcomes', 'ERR_STORE_IO', () => broken);
    breakStore(h, 'probeWrite', 'ERR_STORE_IO', () => broken);
    const taps = [h.tap({ customerId: 'customer-3', rideId: 'ride-a' }), h.tap({ customerId: 'customer-3', rideId: 'ride-b' })];
    const refused = h.engine.submitTaps(taps).catch((e: unknown) => e);
    await h.kit.settle();
    await h.kit.advance(100); // backoff 10, 20 ms (± jitter), then given up
    expect(await refused).toMatchObject({ code: 'ERR_STORAGE' });
    expect(h.engine.readiness()).toEqual({ ready: false, reason: 'storage_failed' });
    expect(h.engine.flow.inFlight).toBe(0);
    await expect(h.run(h.engine.submitTaps(taps))).rejects.toMatchObject({ code: 'ERR_NOT_READY' });
    // Nothing answered was not committed, and nothing was committed: reads still work.
    expect(taps.map((t) => h!.engine.tapState(t.tapId))).toEqual([undefined, undefined]);
    expect(h.engine.getCustomer('customer-3')!.balance).toBe(10_000);
    await h.kit.advance(2_000);
    expect(h.engine.readiness().ready).toBe(false);
    broken = false;
    await h.kit.advance(600);
    expect(h.engine.readiness()).toEqual({ ready: true });
    // The machine resends: decided once, now.
    const results = await h.run(h.engine.submitTaps(taps));
    expect(results.map((r) => r.status)).toEqual(['issued', 'issued']);
    expect(h.engine.getCustomer('customer-3')!.balance).toBe(10_000 - 250 - 500);
    expect(h.notifications.filter((n) => n.type === 'ticket.issued')).toHaveLength(2);
    expect(h.engine.flow.inFlight).toBe(0);
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
    const refused: Promise<unknown>[] = [];
    for (let i = 0; i < 3; i++) {
      refused.push(h.engine.submitTaps([h.tap({ customerId: 'customer-4', rideId: 'ride-a' })]).catch((e: unknown) => e));
      await h.kit.settle();
    }
    await h.kit.advance(1_000);
    // Each request given up by the runtime is refused (its machine resends), not left hanging.
    for (const answer of await Promise.all(refused)) expect(answer).toMatchObject({ code: 'ERR_STORAGE' });
    expect(h.engine.readiness()).toEqual({ ready: false, reason: 'escalated' });
    await expect(h.run(h.engine.submitTaps([h.tap({ customerId: 'customer-4', rideId: 'ride-a' })]))).rejects.toMatchObject({
      code: 'ERR_NOT_READY',
    });
    expect(h.kit.events.filter((e) => e.type === 'escalated').map((e) => 'path' in e && e.path)).toEqual(['/user/ledger']);
  });

  it('a flush dead-lettered at its delivery limit refuses its request and does not leak in-flight capacity', async () => {
    h = await startEngine();
    const store = h.store as unknown as { commitOutcomes: (...args: unknown[]) => unknown };
    const original = store.commitOutcomes.bind(h.store);
    let failures = 5;
    store.commitOutcomes = (...args) => {
      if (failures-- > 0) throw new Error('a bug that goes away');
      return original(...args);
    };
    const refused = h.engine.submitTaps([h.tap({ customerId: 'customer-5', rideId: 'ride-a' })]).catch((e: unknown) => e);
    await h.kit.settle();
    expect(h.kit.deadLettersWith('delivery_limit')).toHaveLength(1);
    expect(await refused).toMatchObject({ code: 'ERR_STORAGE' });
    expect(h.engine.flow.inFlight).toBe(0);
    expect(h.engine.readiness()).toEqual({ ready: true });
  });
});
