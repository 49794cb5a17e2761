import { describe, expect, it } from 'vitest';
import type { FetchLike } from '../../src/cli/http-client.ts';
import { backoffDelayMs, subscribeEvents, type SubscriptionOptions } from '../../src/cli/event-subscription.ts';
import type { SseEvent } from '../../src/cli/sse-parser.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { drive } from './virtual-time.ts';

const refused = () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));

/** A stream answer whose chunks arrive at virtual times (ms after the request); closes after the last unless `hold`. */
function streamAnswer(
  clock: VirtualClock, chunks: Array<[number, string]>, signal: AbortSignal | null | undefined, hold = false,
): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const bytes = (text: string) => new TextEncoder().encode(text);
      const timers = chunks.map(([atMs, text]) => clock.setTimer(() => controller.enqueue(bytes(text)), atMs));
      const last = Math.max(0, ...chunks.map(([atMs]) => atMs));
      if (!hold) timers.push(clock.setTimer(() => controller.close(), last));
      signal?.addEventListener('abort', () => {
        for (const t of timers) clock.clearTimer(t);
        controller.error(new DOMException('aborted', 'AbortError'));
      });
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

type FetchFor = (call: number, init: RequestInit, clock: VirtualClock) => Promise<Response>;

function setup(fetchFor: FetchFor, overrides: Partial<SubscriptionOptions> = {}) {
  const clock = new VirtualClock(0);
  const calls: Array<{ atMs: number; lastEventId: string | undefined }> = [];
  const events: SseEvent[] = [];
  const notices: string[] = [];
  const controller = new AbortController();
  const fetch: FetchLike = (url, init) => {
    expect(url).toBe('http://ticketd.test/v1/customers/customer-1/events');
    const headers = init.headers as Record<string, string>;
    calls.push({ atMs: clock.now(), lastEventId: headers['last-event-id'] });
    return fetchFor(calls.length, init, clock);
  };
  const options: SubscriptionOptions = {
    url: 'http://ticketd.test', customerId: 'customer-1', maxReconnects: 5, backoffBaseMs: 100, backoffMaxMs: 800,
    idleTimeoutMs: 1_000, stableAfterMs: 5_000, eventSizeMax: 10_000, signal: controller.signal,
    onEvent: (e) => events.push(e), onNotice: (m) => notices.push(m), ...overrides,
  };
  const run = () => drive(clock, subscribeEvents(options, { fetch, clock }));
  return { clock, calls, events, notices, controller, run };
}

describe('subscribeEvents', () => {
  it('backs off exponentially up to the cap and gives up after maxReconnects failures', async () => {
    const t = setup(() => refused());
    const end = await t.run();
    expect(end).toEqual({ reason: 'gave-up', failures: 6, lastEventId: '' });
    expect(t.calls.map((c) => c.atMs)).toEqual([0, 100, 300, 700, 1_500, 2_300]);
    expect(t.notices[0]).toBe('cannot connect: ECONNREFUSED; reconnecting in 100 ms (attempt 1 of 5)');
    expect(t.notices.at(-1)).toBe('cannot connect: ECONNREFUSED; giving up after 5 reconnect attempts in a row');
  });

  it('resets the backoff after a connection that delivered an event, resuming from it', async () => {
    const t = setup((call, init, clock) => {
      if (call === 3) return Promise.resolve(streamAnswer(clock, [[10, 'id: 41\ndata: {}\n\n']], init.signal));
      return refused();
    }, { maxReconnects: 3 });
    const end = await t.run();
    expect(end).toEqual({ reason: 'gave-up', failures: 4, lastEventId: '41' });
    // 0 ✗, 100 ✗, 300 ✓ (closes at 310) → 410 ✗ → 610 ✗ → 1010 ✗ → give up.
    expect(t.calls.map((c) => c.atMs)).toEqual([0, 100, 300, 410, 610, 1_010]);
    expect(t.calls.map((c) => c.lastEventId)).toEqual([undefined, undefined, undefined, '41', '41', '41']);
    expect(t.notices).toContain('connected to http://ticketd.test/v1/customers/customer-1/events');
    expect(t.notices).toContain('connection lost: the server closed the stream; reconnecting in 100 ms (attempt 1 of 3)');
  });

  it('drops a connection silent for idleTimeoutMs but not one kept alive by heartbeats', async () => {
    const t = setup((call, init, clock) => {
      if (call === 1) {
        const beats: Array<[number, string]> = [[600, ': hb\n\n'], [1_200, ': hb\n\n'], [1_800, 'id: 1\ndata: x\n\n']];
        return Promise.resolve(streamAnswer(clock, beats, init.signal, true));
      }
      if (call === 2) return Promise.resolve(streamAnswer(clock, [], init.signal, true));
      t.controller.abort();
      return refused();
    });
    const end = await t.run();
    expect(end).toEqual({ reason: 'interrupted', lastEventId: '1' });
    expect(t.events.map((e) => e.data)).toEqual(['x']);
    // Heartbeats hold connection 1 open until 1800 + 1000 idle, then 100 ms backoff; connection 2 is idle from 2900
    // to 3900 and, having delivered nothing, is the second failure: 200 ms backoff.
    expect(t.calls.map((c) => c.atMs)).toEqual([0, 2_900, 4_100]);
    expect(t.notices).toContain('connection lost: no data for 1 s; reconnecting in 100 ms (attempt 1 of 5)');
  });

  it('takes the reconnect delay from the server retry field', async () => {
    const t = setup((call, init, clock) => {
      if (call === 1) return Promise.resolve(streamAnswer(clock, [[0, 'retry: 250\n\n']], init.signal));
      if (call >= 3) t.controller.abort();
      return refused();
    });
    await t.run();
    expect(t.calls.map((c) => c.atMs)).toEqual([0, 250, 750]);
  });

  it('retries 5xx and 429 answers but stops at a 4xx refusal', async () => {
    const answers = [503, 429, 404];
    const t = setup((call) => {
      const status = answers[call - 1] ?? 500;
      const body = JSON.stringify({ error: { code: `code_${status}`, message: 'no' } });
      return Promise.resolve(new Response(body, { status }));
    });
    const end = await t.run();
    expect(end).toEqual({ reason: 'refused', status: 404, code: 'code_404', message: 'no' });
    expect(t.calls).toHaveLength(3);
    expect(t.notices[0]).toBe('cannot connect: HTTP 503 code_503; reconnecting in 100 ms (attempt 1 of 5)');
  });

  it('does not read an answer that is not an event stream', async () => {
    const t = setup((call) => {
      if (call >= 2) t.controller.abort();
      return Promise.resolve(new Response('<html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    });
    await t.run();
    expect(t.notices[0]).toMatch(/^cannot connect: HTTP 200 is not an event stream \(content-type 'text\/html'\)/);
  });

  it('reconnects after an event larger than eventSizeMax', async () => {
    const t = setup((call, init, clock) => {
      const big = `data: ${'x'.repeat(200)}\n\n`;
      if (call === 1) return Promise.resolve(streamAnswer(clock, [[0, big]], init.signal, true));
      t.controller.abort();
      return refused();
    }, { eventSizeMax: 100 });
    await t.run();
    expect(t.events).toEqual([]);
    expect(t.notices[1]).toMatch(/^connection lost: event stream line or event longer than 100 characters/);
  });

  it('ends at once, interrupted, when the signal aborts mid-stream', async () => {
    const t = setup((_call, init, clock) => {
      return Promise.resolve(streamAnswer(clock, [[5, 'id: 3\ndata: a\n\n']], init.signal, true));
    });
    t.clock.setTimer(() => t.controller.abort(), 50);
    expect(await t.run()).toEqual({ reason: 'interrupted', lastEventId: '3' });
    expect(t.calls).toHaveLength(1);
  });

  it('computes capped exponential delays', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, 1_000, 10_000));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(backoffDelayMs(1, 0, 10_000)).toBe(10);
    expect(backoffDelayMs(200, 1_000, 30_000)).toBe(30_000);
  });

  it('validates its bounds, naming the option', async () => {
    const t = setup(() => refused(), { maxReconnects: -1 });
    await expect(t.run()).rejects.toThrow(/maxReconnects/);
  });
});
