/**
 * The scrape-time metrics of the SSE hub (over a real socket: the stream's request counted once, at its opening)
 * and of the worker pool (real piscina threads).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/domain/catalog.ts';
import { demoPark } from '../../src/domain/demo-park.ts';
import { DEFAULT_STALENESS, type Tap } from '../../src/domain/types.ts';
import { createApp } from '../../src/http/app.ts';
import { startHttpServer } from '../../src/http/server.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { PoolEvaluator } from '../../src/workers/pool-evaluator.ts';
import { FakeEngine } from '../http/fake-engine.ts';
import { bearer, seedCustomer } from '../http/helpers.ts';
import { testAuth } from '../http/memory-tokens.ts';
import { SseClient, until } from '../http/sse-client.ts';
import { parsePrometheusText, value, type Sample } from './prom-text.ts';

async function scrape(metrics: Metrics): Promise<Sample[]> {
  return parsePrometheusText(await metrics.text()).samples;
}

describe('SSE metrics', () => {
  it('count open streams and the frames sent, replayed and live; the stream request counts once, when it opens', async () => {
    const engine = new FakeEngine();
    seedCustomer(engine, 'c-1');
    const clock = new VirtualClock(1_000);
    const tokens = testAuth(clock);
    const metrics = new Metrics();
    const { app, hub } = createApp({ engine, clock, auth: tokens.auth, heartbeatMs: 15_000, sseBufferBytes: 1 << 20, metrics: { metrics } });
    const server = await startHttpServer({ app, host: '127.0.0.1', port: 0 });
    try {
      engine.commit('c-1');
      engine.commit('c-1');
      const client = await SseClient.open(server.port, '/v1/customers/c-1/events', { ...bearer(tokens.admin), 'last-event-id': '0' });
      await client.waitForEvents(2);
      engine.publish('c-1');
      await client.waitForEvents(3);
      const open = await scrape(metrics);
      expect(value(open, 'ticketd_sse_connections')).toBe(1);
      expect(value(open, 'ticketd_sse_frames_total')).toBe(3);
      const stream = { method: 'GET', route: '/v1/customers/:id/events', status: '200' };
      expect(value(open, 'ticketd_http_requests_total', stream)).toBe(1);
      expect(value(open, 'ticketd_http_request_duration_seconds_count', stream)).toBe(1);

      client.close();
      await until(() => hub.stats().connections === 0, 'the hub to drop the stream');
      const closed = await scrape(metrics);
      expect(value(closed, 'ticketd_sse_connections')).toBe(0);
      expect(value(closed, 'ticketd_sse_frames_total')).toBe(3);
      expect(value(closed, 'ticketd_http_requests_total', stream)).toBe(1);
    } finally {
      hub.close();
      await server.close();
    }
  });
});

describe('worker pool metrics', () => {
  it('read the pool\'s threads, queue and utilization at scrape time', async () => {
    const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const catalog = buildCatalog(1, demoPark(pem));
    const pool = new PoolEvaluator({ threads: 1, maxQueue: 8, catalog: () => catalog, bounds: DEFAULT_STALENESS });
    const metrics = new Metrics();
    try {
      expect(value(await scrape(metrics), 'ticketd_pool_threads')).toBe(0); // not watched yet
      metrics.watchPool(pool);
      const nowMs = Date.UTC(2026, 10, 22, 9, 0, 0);
      const tap: Tap = { tapId: 't-1', customerId: 'customer-1', rideId: 'ride-a', machineId: 'gate-1', tappedAt: new Date(nowMs).toISOString() };
      expect(await pool.evaluate([tap], nowMs)).toHaveLength(1);
      const samples = await scrape(metrics);
      expect(value(samples, 'ticketd_pool_threads')).toBe(1);
      expect(value(samples, 'ticketd_pool_queue_size')).toBe(0);
      // piscina's utilization: the tasks' run time over the pool's capacity since it started, 0 to 1.
      const utilization = value(samples, 'ticketd_pool_utilization')!;
      expect(utilization).toBeGreaterThanOrEqual(0);
      expect(utilization).toBeLessThanOrEqual(1);
    } finally {
      await pool.close();
    }
  });
});
