import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/pipeline/engine-api.ts';
import { yieldToEventLoop } from '../../src/platform/clock.ts';
import type { Tap } from '../../src/domain/types.ts';
import type { TapResult } from '../../src/store/store-types.ts';
import { jsonRequest } from '../fuzz/fuzz-request.ts';
import { startFuzzTarget, type FuzzTarget } from '../fuzz/fuzz-target.ts';
import { expectError, harness, seedCustomer, tap } from './helpers.ts';

/** A harness whose engine knows customer c-1 (10.00 EUR) and the open ride `carousel` (5.00 EUR). */
function parkHarness(options: Parameters<typeof harness>[0] = {}) {
  const h = harness(options);
  seedCustomer(h.engine);
  h.engine.rides.set('carousel', { id: 'carousel', name: 'Carousel', price: 500, open: true });
  return h;
}

describe('POST /v1/taps', () => {
  it('answers 200 with each tap decided, in request order, and a resend as duplicates with the first outcome', async () => {
    const h = parkHarness();
    const first = await h.call('POST', '/v1/taps', tap(1));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      taps: [{ tapId: 'tap-1', status: 'issued', ticketId: 'tk-1', price: 500, balanceAfter: 500 }],
    });
    const again = await h.call('POST', '/v1/taps', [tap(2, { rideId: 'ferris-wheel' }), tap(1)]);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      taps: [
        { tapId: 'tap-2', status: 'rejected', reason: 'unknown_ride' },
        { tapId: 'tap-1', status: 'duplicate', outcome: 'issued', ticketId: 'tk-1', price: 500, balanceAfter: 500 },
      ],
    });
    expect(h.engine.submitted.map((s) => s.taps.map((t) => t.tapId))).toEqual([['tap-1'], ['tap-2', 'tap-1']]);
  });

  it('answers a batch of 1000 with 1000 results and hands the engine the taps in order', async () => {
    const h = harness();
    const taps = Array.from({ length: 1000 }, (_, i) => tap(i));
    const answer = await h.call('POST', '/v1/taps', taps);
    expect(answer.status).toBe(200);
    expect((answer.body as { taps: TapResult[] }).taps.map((t) => t.tapId)).toEqual(taps.map((t) => t.tapId));
    expect(h.engine.submitted[0]?.taps.map((t) => t.tapId)).toEqual(taps.map((t) => t.tapId));
  });

  it('still takes ?wait=true and ?wait=false, and answers them as without', async () => {
    const answers = [];
    for (const path of ['/v1/taps', '/v1/taps?wait=true', '/v1/taps?wait=false']) {
      const h = parkHarness();
      answers.push(await h.call('POST', path, [tap(1), tap(2, { customerId: 'c-9' })]));
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[1]?.body).toEqual(answers[0]?.body);
    expect(answers[2]?.body).toEqual(answers[0]?.body);
  });

  it('hands the engine a tap id repeated in one request instead of refusing the request', async () => {
    const h = parkHarness();
    const answer = await h.call('POST', '/v1/taps', [tap(1), tap(1), tap(1, { rideId: 'ghost-train' })]);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      taps: [
        { tapId: 'tap-1', status: 'issued', ticketId: 'tk-1', price: 500, balanceAfter: 500 },
        { tapId: 'tap-1', status: 'duplicate', outcome: 'issued', ticketId: 'tk-1', price: 500, balanceAfter: 500 },
        { tapId: 'tap-1', status: 'conflict' },
      ],
    });
  });

  it.each([
    ['1001 taps', Array.from({ length: 1001 }, (_, i) => tap(i)), 'too_many_taps'],
    ['an empty batch', [], 'empty_batch'],
    ['a bad field in a batch', [tap(1), tap(2, { tappedAt: 'yesterday' })], 'invalid_field'],
    ['a wrong type', tap(1, { rideId: 7 as unknown as string }), 'invalid_field'],
    ['an extra field', { ...tap(1), price: 0 }, 'unknown_field'],
    ['a string body', 'null', 'invalid_body'],
    ['a number body', 42, 'invalid_body'],
  ])('rejects %s with 400 and decides nothing', async (_name, body, code) => {
    const h = harness();
    expectError(await h.call('POST', '/v1/taps', body), 400, code);
    expect(h.engine.submitted).toEqual([]);
  });

  it.each(['{"tapId":', '', '[1,2,]', 'undefined'])('rejects malformed JSON %j with invalid_json', async (text) => {
    const h = harness();
    expectError(await h.call('POST', '/v1/taps', text), 400, 'invalid_json');
    expect(h.engine.submitted).toEqual([]);
  });

  it('rejects a bad ?wait value', async () => {
    const h = harness();
    expectError(await h.call('POST', '/v1/taps?wait=yes', tap(1)), 400, 'invalid_query');
  });

  it('maps ERR_OVERLOADED to 429 with Retry-After in whole seconds', async () => {
    const h = harness();
    h.engine.failNext('submitTaps', new EngineError('ERR_OVERLOADED', 'the gate is full', 1_200));
    const answer = await h.call('POST', '/v1/taps', tap(1));
    expectError(answer, 429, 'overloaded');
    expect(answer.headers.get('retry-after')).toBe('2');
  });

  it('maps ERR_NOT_READY and ERR_STORAGE to 503 without leaking storage details', async () => {
    const h = harness();
    h.engine.failNext('submitTaps', new EngineError('ERR_NOT_READY', 'starting'));
    expectError(await h.call('POST', '/v1/taps', tap(1)), 503, 'not_ready');
    h.engine.failNext('submitTaps', new EngineError('ERR_STORAGE', 'SQLITE_IOERR_FSYNC at /var/lib/ticketd.db'));
    const storage = await h.call('POST', '/v1/taps', tap(1));
    expectError(storage, 503, 'storage_unavailable');
    expect(JSON.stringify(storage.body)).not.toContain('SQLITE');
  });

  it('gives up waiting for a stuck engine after waitTimeoutMs with 503 engine_timeout', async () => {
    const h = harness({ waitTimeoutMs: 5_000 });
    h.engine.submitHold = new Promise(() => undefined);
    const pending = h.call('POST', '/v1/taps', tap(1));
    for (let i = 0; i < 100 && h.clock.pendingTimers() === 0; i++) await yieldToEventLoop();
    expect(h.clock.pendingTimers()).toBe(1);
    h.clock.advanceTo(h.clock.now() + 4_999);
    h.clock.advanceTo(h.clock.now() + 1);
    expectError(await pending, 503, 'engine_timeout');
  });

  it('clears its wait timer when the engine answers', async () => {
    const h = harness({ waitTimeoutMs: 5_000 });
    expect((await h.call('POST', '/v1/taps', tap(1))).status).toBe(200);
    expect(h.clock.pendingTimers()).toBe(0);
  });
});

describe('GET /v1/taps/:tapId', () => {
  it('answers the tap state, 404 unknown_tap, or 400 for a malformed id', async () => {
    const h = harness();
    h.engine.taps.set('tap-1', { tapId: 'tap-1', status: 'issued' });
    const known = await h.call('GET', '/v1/taps/tap-1');
    expect(known.status).toBe(200);
    expect(known.body).toEqual({ tapId: 'tap-1', status: 'issued' });
    expectError(await h.call('GET', '/v1/taps/tap-2'), 404, 'unknown_tap');
    expectError(await h.call('GET', '/v1/taps/tap%20one'), 400, 'invalid_field');
    expectError(await h.call('GET', `/v1/taps/${'x'.repeat(65)}`), 400, 'invalid_field');
  });
});

/**
 * The contract as the real engine keeps it (store, pipeline and ledger behind the app, in process, on the demo
 * park): every answer is a decision, a resend is a duplicate with the first outcome, and a taken id is a conflict.
 */
describe('POST /v1/taps against the real engine', () => {
  let target: FuzzTarget;
  /** One time for every tap here, so that two taps differ only where a test makes them differ. */
  let tappedAt = '';
  beforeAll(async () => {
    target = await startFuzzTarget();
    tappedAt = new Date().toISOString();
  });
  afterAll(async () => {
    await target?.close();
  });

  function demoTap(tapId: string, fields: Partial<Tap> = {}): Tap {
    return { tapId, customerId: 'customer-1', rideId: 'ride-a', machineId: 'gate-1', tappedAt, ...fields };
  }

  /** Sends the taps with gate-1's token, or the admin's (which may send any machine's taps). */
  async function post(taps: Tap[], as: 'gate-1' | 'admin' = 'gate-1'): Promise<TapResult[]> {
    const request = jsonRequest('POST', '/v1/taps', taps, false, taps.map((t) => t.tapId));
    if (as === 'gate-1') request.caller = 'gate-1';
    const answer = await target.send(request);
    expect(answer.status, answer.text).toBe(200);
    const body = JSON.parse(answer.text) as { taps: TapResult[] };
    expect(Object.keys(body)).toEqual(['taps']);
    expect(body.taps.map((t) => t.tapId)).toEqual(taps.map((t) => t.tapId));
    return body.taps;
  }

  function balance(customerId: string): number | undefined {
    return target.engine.getCustomer(customerId)?.balance;
  }

  it('answers each tap decided and committed: issued with ticket, price and balance, or rejected with its reason', async () => {
    const before = balance('customer-1')!;
    const [issued, rejected] = await post([demoTap('rt-1'), demoTap('rt-2', { rideId: 'ride-x' })]);
    expect(issued).toMatchObject({ tapId: 'rt-1', status: 'issued', ticketId: expect.any(String) });
    const { price, balanceAfter, ticketId } = issued as Extract<TapResult, { status: 'issued' }>;
    expect(price).toBeGreaterThanOrEqual(500); // 5.00 EUR, × 1.25 in the afternoon peak
    expect(balanceAfter).toBe(before - price);
    expect(balance('customer-1')).toBe(balanceAfter);
    expect(rejected).toEqual({ tapId: 'rt-2', status: 'rejected', reason: 'unknown_ride' });
    // Already in the store when the answer came: no pending state to poll through.
    expect(target.engine.tapState('rt-1')).toMatchObject({ status: 'issued', ticket: { ticketId, price, balanceAfter } });
    expect(target.engine.tapState('rt-2')).toMatchObject({ status: 'rejected', reason: 'unknown_ride' });
  });

  it('answers a resend from the same machine as duplicates carrying the first outcomes, charging nothing again', async () => {
    const taps = [demoTap('rt-10'), demoTap('rt-11', { customerId: 'nobody' })];
    const first = await post(taps);
    const balanceAfterFirst = balance('customer-1');
    const again = await post(taps);
    const issued = first[0] as Extract<TapResult, { status: 'issued' }>;
    expect(again).toEqual([
      { tapId: 'rt-10', status: 'duplicate', outcome: 'issued', ticketId: issued.ticketId, price: issued.price, balanceAfter: issued.balanceAfter },
      { tapId: 'rt-11', status: 'duplicate', outcome: 'rejected', reason: 'unknown_customer' },
    ]);
    expect(balance('customer-1')).toBe(balanceAfterFirst);
  });

  it('answers a tap id repeated in one request: the same tap again a duplicate, other content a conflict', async () => {
    const before = balance('customer-2')!;
    const a = demoTap('rt-20', { customerId: 'customer-2' });
    const b = demoTap('rt-21', { customerId: 'customer-2', rideId: 'ride-b' });
    const answer = await post([a, b, { ...a }, { ...b, rideId: 'ride-c' }]);
    const [first, second, copy, other] = answer;
    expect(first?.status).toBe('issued');
    expect(second?.status).toBe('issued');
    const { ticketId, price, balanceAfter } = first as Extract<TapResult, { status: 'issued' }>;
    expect(copy).toEqual({ tapId: 'rt-20', status: 'duplicate', outcome: 'issued', ticketId, price, balanceAfter });
    expect(other).toEqual({ tapId: 'rt-21', status: 'conflict' });
    // Two taps charged, not three or four.
    const charged = answer.slice(0, 2).reduce((sum, r) => sum + (r as Extract<TapResult, { status: 'issued' }>).price, 0);
    expect(balance('customer-2')).toBe(before - charged);
  });

  it("answers another machine's tap id as a conflict that reveals nothing of that tap, and keeps it as it was", async () => {
    const [original] = await post([demoTap('rt-30', { customerId: 'customer-4' })]);
    expect(original?.status).toBe('issued');
    const balanceBefore = balance('customer-4');
    // gate-2's tap under the id gate-1 used (sent with the admin token, which may send any machine's taps).
    const [taken] = await post([demoTap('rt-30', { customerId: 'customer-4', machineId: 'gate-2' })], 'admin');
    expect(taken).toEqual({ tapId: 'rt-30', status: 'conflict' });
    const [otherCustomer] = await post([demoTap('rt-30', { customerId: 'customer-5' })]);
    expect(otherCustomer).toEqual({ tapId: 'rt-30', status: 'conflict' });
    expect(balance('customer-4')).toBe(balanceBefore);
    expect(target.engine.tapState('rt-30')).toMatchObject({ status: 'issued', ticket: { ticketId: (original as { ticketId: string }).ticketId } });
  });
});
