import { describe, expect, it } from 'vitest';
import {
  runSimulation, SIMULATION_DEFAULTS, type SimulationOptions, type SimulationProgress, type SimulationSummary,
} from '../../src/cli/simulation.ts';
import type { FetchLike } from '../../src/cli/http-client.ts';
import { seededRandom } from '../../src/platform/random.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { drive } from './virtual-time.ts';
import { fakeServer } from './fake-ticketd.ts';

const START_MS = Date.UTC(2026, 10, 22, 9);

/** Ten batches a second of at most 100 taps: small numbers for the tests of pacing, retries and counting. */
function options(overrides: Partial<SimulationOptions> = {}): SimulationOptions {
  return {
    ...SIMULATION_DEFAULTS, url: 'http://ticketd.test', seed: 42, durationS: 2, batchSizeMax: 100,
    batchIntervalMsMax: 100, ...overrides,
  };
}

/** Taps answered with an outcome. */
function answered(s: SimulationSummary): number {
  return s.issued + s.rejected + s.failed + s.duplicates + s.conflicts;
}

async function simulate(clock: VirtualClock, fetch: FetchLike, overrides: Partial<SimulationOptions> = {}) {
  const run = runSimulation(options(overrides), { fetch, clock, random: seededRandom(1), utcOffsetMinutes: () => 60 });
  return drive(clock, run);
}

describe('runSimulation against a fake server', () => {
  it('sends rate × duration taps in paced batches and counts what the server decided for each', async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock);
    const summary = await simulate(clock, server.fetch);
    expect(summary.sent).toBe(2_000);
    expect(summary.requests).toBe(20);
    expect(server.requests.map((r) => r.atMs - START_MS)).toEqual(Array.from({ length: 20 }, (_, i) => i * 100));
    expect(summary.issued + summary.rejected).toBe(server.decided.size);
    expect(summary.issued + summary.rejected + summary.duplicates).toBe(2_000);
    // Batches never overlap here, so every duplicate repeats a decided tap, and each invalid kind has its reason.
    expect(summary.duplicates).toBe(summary.mix.duplicate);
    expect(summary.duplicates).toBeGreaterThan(10);
    const { mix } = summary;
    expect(summary.rejectedByReason).toEqual({
      unknown_ride: mix['unknown-ride'], unknown_customer: mix['unknown-customer'], stale_tap: mix.stale,
    });
    expect(Object.values(summary.rejectedByReason).reduce((a, b) => a + b, 0)).toBe(summary.rejected);
    // The fake checks no signature: bad ones are issued with the valid ones.
    expect(summary.issued).toBe(mix.valid + mix.signed + mix['bad-signature']);
    expect(summary.failed + summary.conflicts).toBe(0);
    expect(summary.refusedByHttp + summary.networkErrors + summary.throttled).toBe(0);
    expect(summary.latencyMs).toEqual({ p50: 5, p90: 5, p99: 5, max: 5 });
    expect(summary.elapsedMs).toBe(2_000);
    expect(summary.achievedRatePerS).toBe(1_000);
    expect(summary.unreachable).toBe(false);
    expect(summary.runId).toMatch(/^[0-9a-z]{6}$/);
    expect(server.requests[0]?.taps[0]?.tapId).toBe(`sim-${summary.runId}-1`);
  });

  it('is deterministic for a seed', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const clock = new VirtualClock(START_MS);
      const server = fakeServer(clock);
      runs.push({ summary: await simulate(clock, server.fetch, { durationS: 1 }), bodies: server.requests });
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('waits Retry-After on a 429, then resends the same batch', async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock, {
      answer: (i) => (i !== 2 ? undefined : {
        status: 429, headers: { 'retry-after': '2' }, body: { error: { code: 'overloaded', message: 'busy' } },
      }),
    });
    const summary = await simulate(clock, server.fetch, { durationS: 1 });
    const [, , throttled, ...rest] = server.requests;
    const retry = rest.find((r) => r.taps[0]?.tapId === throttled?.taps[0]?.tapId);
    expect(retry?.taps).toEqual(throttled?.taps);
    expect((retry?.atMs ?? 0) - (throttled?.atMs ?? 0)).toBe(5 + 2_000);
    expect(summary.throttled).toBe(1);
    expect(answered(summary)).toBe(summary.sent);
    expect(summary.refusedByHttp).toBe(0);
  });

  it('caps the Retry-After wait and gives up after the retry bound', async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock, { answer: () => ({ status: 429, headers: { 'retry-after': '3600' } }) });
    const summary = await simulate(clock, server.fetch, { durationS: 0.1, retryAttemptsMax: 2, retryAfterMaxMs: 1_500 });
    expect(server.requests.map((r) => r.atMs - START_MS)).toEqual([0, 1_505, 3_010]);
    expect(summary.throttled).toBe(2);
    expect(summary.refusedByHttp).toBe(100);
    expect(summary.httpErrors).toEqual([{ status: 429, code: 'http_429', message: 'HTTP 429', requests: 1 }]);
  });

  it('never has more than --concurrency requests in flight', async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock, { latencyMs: (i) => 350 + ((i * 7919) % 400) });
    const progress: SimulationProgress[] = [];
    const summary = await simulate(clock, server.fetch, { concurrency: 3, onProgress: (p) => progress.push(p) });
    expect(server.maxInFlight()).toBe(3);
    // A slow server gets fewer taps in the duration, not a queue.
    expect(summary.sent).toBeLessThan(2_000);
    expect(answered(summary)).toBe(summary.sent);
    expect(progress.map((p) => p.elapsedMs)).toEqual([1_000, 2_000]);
    expect(progress[1]?.sent).toBeGreaterThan(progress[0]?.sent ?? 0);
  });

  it('computes latency percentiles from each round trip', async () => {
    const clock = new VirtualClock(START_MS);
    // Request i takes 100 - i ms: the shuffle of 1..100 must not matter.
    const server = fakeServer(clock, { latencyMs: (i) => 100 - i });
    const summary = await simulate(clock, server.fetch, { durationS: 1, batchSizeMax: 10, concurrency: 100 });
    expect(summary.requests).toBe(100);
    expect(summary.latencyMs).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('counts 4xx answers as refused by HTTP, by status and code', async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock, {
      answer: (i) => (i % 2 === 0 ? undefined : {
        status: 400, body: { error: { code: 'invalid_field', message: 'taps[0].tapId: bad' } },
      }),
    });
    const summary = await simulate(clock, server.fetch, { durationS: 1 });
    expect(summary.refusedByHttp).toBe(500);
    expect(summary.httpErrors).toEqual([
      { status: 400, code: 'invalid_field', message: 'taps[0].tapId: bad', requests: 5 },
    ]);
  });

  it('counts failed taps and conflicts, and an answer without one outcome per tap as bad_response', async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock, {
      answer: (i, taps) => {
        const results = taps.map(({ tapId }, k) => (k % 4 === 0 ? { tapId, status: 'conflict' } : { tapId, status: 'failed', reason: 'worker_crashed' }));
        if (i === 0) return { status: 200, body: { taps: results } };
        if (i === 1) return { status: 200, body: { taps: results.slice(1) } };
        if (i === 2) return { status: 202, body: { taps: taps.map(({ tapId }) => ({ tapId, status: 'accepted' })) } };
        if (i === 3) return { status: 200, body: { taps: results.map((r) => ({ ...r, status: 'pending' })) } };
        return undefined;
      },
    });
    const summary = await simulate(clock, server.fetch, { durationS: 0.5 });
    expect(summary).toMatchObject({ sent: 500, conflicts: 25, failed: 75, refusedByHttp: 300 });
    expect(answered(summary)).toBe(200);
    expect(summary.httpErrors).toEqual([
      { status: 200, code: 'bad_response', message: '99 results for 100 taps', requests: 2 },
      { status: 202, code: 'bad_response', message: "HTTP 202 instead of 200 with each tap's outcome", requests: 1 },
    ]);
  });

  it('stops early and reports an unreachable server', async () => {
    const clock = new VirtualClock(START_MS);
    let calls = 0;
    const fetch: FetchLike = () => {
      calls++;
      const cause = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
      return Promise.reject(new TypeError('fetch failed', { cause }));
    };
    const summary = await simulate(clock, fetch, { durationS: 10 });
    expect(summary.unreachable).toBe(true);
    expect(summary.firstNetworkError).toBe('ECONNREFUSED');
    expect(calls).toBe(1);
    expect(summary.latencyMs).toBeNull();
  });

  it('times out a request that never answers', async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock, { latencyMs: (i) => (i === 0 ? 1e12 : 5) });
    const summary = await simulate(clock, server.fetch, { durationS: 0.5, requestTimeoutMs: 3_000 });
    expect(summary.networkErrors).toBe(100);
    expect(answered(summary)).toBe(400);
    expect(summary.unreachable).toBe(false);
    expect(summary.elapsedMs).toBe(3_000);
  });

  it('stops sending when its signal aborts', async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock);
    const controller = new AbortController();
    clock.setTimer(() => controller.abort(), 450);
    const summary = await simulate(clock, server.fetch, { signal: controller.signal });
    expect(summary.interrupted).toBe(true);
    expect(summary.sent).toBe(500);
  });

  it('validates options, naming the option', async () => {
    const clock = new VirtualClock(START_MS);
    await expect(simulate(clock, fakeServer(clock).fetch, { concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(simulate(clock, fakeServer(clock).fetch, { durationS: -1 })).rejects.toThrow(/durationS/);
  });
});

describe('runSimulation with tokens', () => {
  it("sends each machine its own token, one request per token per batch, with that machine's taps only", async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock);
    const machineTokens = { 'gate-1': 'tkd_g1', 'gate-2': 'tkd_g2', 'gate-3': 'tkd_g3', 'gate-s1': 'tkd_s1' };
    const summary = await simulate(clock, server.fetch, { durationS: 1, machineTokens, token: 'tkd_admin' });
    const tokenOf: Record<string, string> = { ...machineTokens, 'gate-4': 'tkd_admin' };
    expect(summary.sent).toBe(1_000);
    expect(answered(summary)).toBe(1_000);
    for (const request of server.requests) {
      const machines = new Set(request.taps.map((t) => t.machineId));
      const expected = new Set([...machines].map((m) => `Bearer ${tokenOf[m]}`));
      expect([request.authorization]).toEqual([...expected]);
    }
    expect(new Set(server.requests.map((r) => r.authorization))).toEqual(
      new Set(Object.values(tokenOf).map((t) => `Bearer ${t}`)),
    );
    expect(summary.requests).toBe(server.requests.length);
    // Ten batches, each cut into one request per token.
    expect(server.requests.length).toBeGreaterThan(10);
    expect(server.requests.length).toBeLessThanOrEqual(50);
  });

  it('sends every request with one token when given no machine tokens', async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock);
    const summary = await simulate(clock, server.fetch, { durationS: 1, token: 'tkd_one' });
    expect(summary.requests).toBe(10);
    expect(new Set(server.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer tkd_one']));
  });

  it('by default sends a batch of up to 500 at least once a second: few requests, each answered once its taps commit', async () => {
    const clock = new VirtualClock(START_MS);
    const server = fakeServer(clock);
    const run = runSimulation(
      { ...SIMULATION_DEFAULTS, url: 'http://ticketd.test', seed: 1, ratePerS: 1_000, durationS: 3 },
      { fetch: server.fetch, clock, random: seededRandom(1), utcOffsetMinutes: () => 60 },
    );
    const summary = await drive(clock, run);
    expect(SIMULATION_DEFAULTS.batchSizeMax).toBe(500);
    expect(server.requests.map((r) => [r.atMs - START_MS, r.taps.length])).toEqual(
      Array.from({ length: 6 }, (_, i) => [i * 500, 500]),
    );
    expect(answered(summary)).toBe(3_000);
  });
});
