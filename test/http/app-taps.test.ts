import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/pipeline/engine-api.ts';
import { yieldToEventLoop } from '../../src/platform/clock.ts';
import { expectError, harness, tap } from './helpers.ts';

describe('POST /v1/taps', () => {
  it('accepts one tap with 202 and reports duplicates on a retry', async () => {
    const h = harness();
    const first = await h.call('POST', '/v1/taps', tap(1));
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ taps: [{ tapId: 'tap-1', status: 'accepted' }] });
    const again = await h.call('POST', '/v1/taps', [tap(1), tap(2)]);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({
      taps: [
        { tapId: 'tap-1', status: 'duplicate' },
        { tapId: 'tap-2', status: 'accepted' },
      ],
    });
    expect(h.engine.submitted.map((s) => s.wait)).toEqual([false, false]);
  });

  it('accepts a batch of 1000 and hands the engine the taps in order', async () => {
    const h = harness();
    const taps = Array.from({ length: 1000 }, (_, i) => tap(i));
    const answer = await h.call('POST', '/v1/taps', taps);
    expect(answer.status).toBe(202);
    expect((answer.body as { taps: unknown[] }).taps).toHaveLength(1000);
    expect(h.engine.submitted[0]?.taps.map((t) => t.tapId)).toEqual(taps.map((t) => t.tapId));
  });

  it('with ?wait=true answers 200 with the outcomes', async () => {
    const h = harness();
    const answer = await h.call('POST', '/v1/taps?wait=true', [tap(1)]);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      taps: [{ tapId: 'tap-1', status: 'accepted' }],
      outcomes: [{ tapId: 'tap-1', status: 'rejected', reason: 'ride_closed' }],
    });
    expect(h.engine.submitted[0]?.wait).toBe(true);
  });

  it.each([
    ['1001 taps', Array.from({ length: 1001 }, (_, i) => tap(i)), 'too_many_taps'],
    ['an empty batch', [], 'empty_batch'],
    ['a bad field in a batch', [tap(1), tap(2, { tappedAt: 'yesterday' })], 'invalid_field'],
    ['a wrong type', tap(1, { rideId: 7 as unknown as string }), 'invalid_field'],
    ['an extra field', { ...tap(1), price: 0 }, 'unknown_field'],
    ['a repeated tap id', [tap(1), tap(1)], 'duplicate_in_request'],
    ['a string body', 'null', 'invalid_body'],
    ['a number body', 42, 'invalid_body'],
  ])('rejects %s with 400 and accepts nothing', async (_name, body, code) => {
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
    const pending = h.call('POST', '/v1/taps?wait=true', tap(1));
    for (let i = 0; i < 100 && h.clock.pendingTimers() === 0; i++) await yieldToEventLoop();
    expect(h.clock.pendingTimers()).toBe(1);
    h.clock.advanceTo(h.clock.now() + 4_999);
    h.clock.advanceTo(h.clock.now() + 1);
    expectError(await pending, 503, 'engine_timeout');
  });

  it('clears its wait timer when the engine answers', async () => {
    const h = harness({ waitTimeoutMs: 5_000 });
    expect((await h.call('POST', '/v1/taps', tap(1))).status).toBe(202);
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
