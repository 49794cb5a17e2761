import { describe, expect, it } from 'vitest';
import { EngineError, type EngineErrorCode } from '../../src/pipeline/engine-api.ts';
import { errorAnswer } from '../../src/http/error-response.ts';
import { BODY_BYTES_MAX, createApp } from '../../src/http/app.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { FakeEngine } from './fake-engine.ts';
import { bearer, expectError, harness, seedCustomer, tap } from './helpers.ts';
import { testAuth } from './memory-tokens.ts';

describe('errors common to every route', () => {
  it('an unknown route is 404 not_found', async () => {
    const h = harness();
    expectError(await h.call('GET', '/v2/taps'), 404, 'not_found');
    expectError(await h.call('GET', '/v1/customers/c-1/unknown'), 404, 'not_found');
  });

  it.each([
    ['GET', '/v1/taps', 'POST'],
    ['DELETE', '/v1/customers/c-1', 'GET, PUT, PATCH, HEAD'],
    ['DELETE', '/v1/customers/c-1/', 'GET, PUT, PATCH, HEAD'],
    ['POST', '/openapi.json', 'GET, HEAD'],
    ['POST', '/v1/rides', 'GET, HEAD'],
    ['GET', '/v1/machines/gate-1', 'PUT'],
    ['GET', '/v1/dead-letters/1/replay', 'POST'],
    ['POST', '/health', 'GET, HEAD'],
    ['PUT', '/v1/customers/c-1/events', 'GET'],
    ['HEAD', '/v1/customers/c-1/events', 'GET'],
  ])('%s %s is 405 method_not_allowed with Allow: %s', async (method, path, allow) => {
    const h = harness();
    const answer = await h.call(method, path);
    // A HEAD answer carries no body to check.
    if (method === 'HEAD') expect(answer.status).toBe(405);
    else expectError(answer, 405, 'method_not_allowed');
    expect(answer.headers.get('allow')).toBe(allow);
  });

  it('a body over 1 MiB is 413 body_too_large, with or without Content-Length', async () => {
    const h = harness();
    const big = JSON.stringify([tap(1, { machineId: 'x'.repeat(64) })]).padEnd(BODY_BYTES_MAX + 1, ' ');
    expectError(await h.call('POST', '/v1/taps', big), 413, 'body_too_large');
    expectError(
      await h.call('POST', '/v1/taps', big, { 'content-length': String(Buffer.byteLength(big)) }),
      413,
      'body_too_large',
    );
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 17; i++) controller.enqueue(new Uint8Array(65_536).fill(32));
        controller.close();
      },
    });
    const init = { method: 'POST', body: chunked, duplex: 'half', headers: { ...bearer(h.tokens.admin), 'content-type': 'application/json' } };
    const res = await h.app.request('/v1/taps', init as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
    expect(h.engine.submitted).toEqual([]);
  });

  it('a body just under 1 MiB is read', async () => {
    const h = harness();
    const body = JSON.stringify([tap(1)]).padEnd(BODY_BYTES_MAX, ' ');
    expect((await h.call('POST', '/v1/taps', body)).status).toBe(200);
  });

  it('an unexpected error is 500 internal without its message, and is reported', async () => {
    const internalErrors: unknown[] = [];
    const h = harness({ internalErrors });
    seedCustomer(h.engine);
    h.engine.failNext('topUp', new Error('secret: /var/lib/ticketd.db is corrupt'));
    const answer = await h.call('POST', '/v1/customers/c-1/top-ups', { topUpId: 'tu-1', amount: 1 });
    expectError(answer, 500, 'internal');
    expect(JSON.stringify(answer.body)).not.toContain('secret');
    expect(internalErrors).toHaveLength(1);
  });

  it('maps every engine error code', () => {
    const table: Record<EngineErrorCode, [number, string]> = {
      ERR_OVERLOADED: [429, 'overloaded'],
      ERR_NOT_READY: [503, 'not_ready'],
      ERR_UNKNOWN_CUSTOMER: [404, 'unknown_customer'],
      ERR_UNKNOWN_DEAD_LETTER: [404, 'unknown_dead_letter'],
      ERR_ALREADY_REPLAYED: [409, 'already_replayed'],
      ERR_TOPUP_CONFLICT: [409, 'topup_conflict'],
      ERR_BALANCE_NOT_SETTABLE: [409, 'balance_not_settable'],
      ERR_BALANCE_LIMIT: [409, 'balance_limit_exceeded'],
      ERR_STORAGE: [503, 'storage_unavailable'],
    };
    for (const [engineCode, [status, code]] of Object.entries(table)) {
      const answer = errorAnswer(new EngineError(engineCode as EngineErrorCode, 'x'));
      expect([answer.status, answer.code, answer.internal]).toEqual([status, code, false]);
    }
    expect(errorAnswer(new EngineError('ERR_OVERLOADED', 'x')).headers).toEqual({ 'Retry-After': '1' });
    expect(errorAnswer(new EngineError('ERR_OVERLOADED', 'x', 3_000)).headers).toEqual({ 'Retry-After': '3' });
  });

  it('refuses bad options by name', () => {
    const engine = new FakeEngine();
    const clock = new VirtualClock(0);
    const { auth } = testAuth(clock);
    expect(() => createApp({ engine, clock, auth, heartbeatMs: 0, sseBufferBytes: 1 })).toThrow(/heartbeatMs/);
    expect(() => createApp({ engine, clock, auth, heartbeatMs: 1, sseBufferBytes: -1 })).toThrow(/bufferBytes/);
    expect(() => createApp({ engine, clock, auth, heartbeatMs: 1, sseBufferBytes: 1, waitTimeoutMs: Infinity })).toThrow(
      /waitTimeoutMs/,
    );
  });
});

describe('GET /v1/customers/:id/events, checks before the stream', () => {
  it('answers 400 for a bad id or Last-Event-ID and 404 for an unknown customer', async () => {
    const h = harness();
    seedCustomer(h.engine);
    expectError(await h.call('GET', '/v1/customers/c%201/events'), 400, 'invalid_field');
    for (const bad of ['-1', 'abc', '1.5', '1e3', ' ']) {
      const byHeader = await h.call('GET', '/v1/customers/c-1/events', undefined, { 'last-event-id': bad });
      expectError(byHeader, 400, 'invalid_last_event_id');
      const byQuery = await h.call('GET', `/v1/customers/c-1/events?lastEventId=${encodeURIComponent(bad)}`);
      expectError(byQuery, 400, 'invalid_last_event_id');
    }
    expectError(await h.call('GET', '/v1/customers/c-2/events'), 404, 'unknown_customer');
    expect(h.hub.stats().connections).toBe(0);
  });

  it('without the Node server there is no stream to write to: 500 sse_unavailable', async () => {
    const h = harness();
    seedCustomer(h.engine);
    expectError(await h.call('GET', '/v1/customers/c-1/events'), 500, 'sse_unavailable');
    expect(h.hub.stats().connections).toBe(0);
  });
});
