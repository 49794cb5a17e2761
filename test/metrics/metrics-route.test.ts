/** `GET /metrics` in the app (in-process, `app.request`): who may read it, its format, and requests by route. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { rateLimiters } from '../../src/auth/rate-limiter.ts';
import { createApp } from '../../src/http/app.ts';
import { checkMetricsToken } from '../../src/http/metrics-route.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { FakeEngine } from '../http/fake-engine.ts';
import { bearer, expectError, seedCustomer, type Answer } from '../http/helpers.ts';
import { testAuth } from '../http/memory-tokens.ts';
import { parsePrometheusText, value } from './prom-text.ts';

const METRICS_TOKEN = 'scrape-0123456789abcdef';

function setup(options: { token?: string; failedAuthPerMinute?: number } = {}) {
  const clock = new VirtualClock(1_000);
  const off = { ratePerMinute: 0, burst: 1 };
  const unauthenticated = options.failedAuthPerMinute === undefined ? off : { ratePerMinute: options.failedAuthPerMinute, burst: 1 };
  const tokens = testAuth(clock, rateLimiters(clock, { customer: off, machine: off, admin: off, manager: off, unauthenticated }));
  const engine = new FakeEngine();
  seedCustomer(engine, 'c-1');
  let ms = 0;
  // Each request reads the clock twice (arrival, answer): 2 ms apart.
  const metrics = new Metrics({ nowMs: () => (ms += 2) });
  const { app } = createApp({
    engine, clock, auth: tokens.auth, heartbeatMs: 15_000, sseBufferBytes: 1 << 20,
    metrics: { metrics, token: options.token },
  });
  const customer = tokens.tokens.createToken({ role: 'customer', customerId: 'c-1' }, clock.now()).token;
  async function call(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await app.request(path, { method, headers });
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('application/json');
    return { status: res.status, headers: res.headers, body: json ? (JSON.parse(text) as unknown) : text };
  }
  return { call, admin: tokens.admin, customer, metrics };
}

describe('GET /metrics', () => {
  it('answers an admin token and the metrics token, and nobody else', async () => {
    const s = setup({ token: METRICS_TOKEN });
    expectError(await s.call('GET', '/metrics'), 401, 'unauthorized');
    expectError(await s.call('GET', '/metrics', bearer('scrape-0123456789abcdeX')), 401, 'unauthorized');
    expectError(await s.call('GET', '/metrics', { authorization: `Basic ${METRICS_TOKEN}` }), 401, 'unauthorized');
    expectError(await s.call('GET', '/metrics', bearer(s.customer)), 403, 'forbidden');
    expect((await s.call('GET', '/metrics', bearer(METRICS_TOKEN))).status).toBe(200);
    expect((await s.call('GET', '/metrics', { authorization: `bearer  ${METRICS_TOKEN}` })).status).toBe(200);
    expect((await s.call('GET', '/metrics', bearer(s.admin))).status).toBe(200);
    // The metrics token opens /metrics and nothing else.
    expectError(await s.call('GET', '/v1/customers/c-1', bearer(METRICS_TOKEN)), 401, 'unauthorized');
  });

  it('is in the API document, with its text answer and the errors of a route behind a token', async () => {
    const s = setup({ token: METRICS_TOKEN });
    const doc = (await s.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, unknown> }> }>> };
    const operation = doc.paths['/metrics']?.get;
    expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['200', '401', '403', '429']));
    expect(Object.keys(operation?.responses['200']?.content ?? {})).toEqual([s.metrics.contentType]);
    expect(await new Validator().validate(doc as unknown as Record<string, unknown>)).toEqual({ valid: true });
  });

  it('answers only admins when the server has no metrics token', async () => {
    const s = setup();
    expectError(await s.call('GET', '/metrics', bearer(METRICS_TOKEN)), 401, 'unauthorized');
    expect((await s.call('GET', '/metrics', bearer(s.admin))).status).toBe(200);
  });

  it('counts failed attempts against the address limit like any other route', async () => {
    const s = setup({ token: METRICS_TOKEN, failedAuthPerMinute: 1 });
    expectError(await s.call('GET', '/metrics', bearer('wrong-0123456789abcdef')), 401, 'unauthorized');
    expectError(await s.call('GET', '/metrics', bearer('wrong-0123456789abcdef')), 429, 'rate_limited');
    // The metrics token is checked first, so a scraper behind the same address is not locked out.
    expect((await s.call('GET', '/metrics', bearer(METRICS_TOKEN))).status).toBe(200);
  });

  it('is the Prometheus text format, with ticketd metrics and the process metrics', async () => {
    const s = setup({ token: METRICS_TOKEN });
    const answer = await s.call('GET', '/metrics', bearer(METRICS_TOKEN));
    expect(answer.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { types, help } = parsePrometheusText(answer.body as string);
    for (const [name, type] of types) {
      if (name.startsWith('ticketd_')) expect(help.get(name)?.length, name).toBeGreaterThan(10);
      if (type === 'counter') expect(name, `${name} is a counter`).toMatch(/_total$/);
    }
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith('ticketd_')))).toEqual({
      ticketd_taps_total: 'counter',
      ticketd_commit_batch_taps: 'histogram',
      ticketd_commit_duration_seconds: 'histogram',
      ticketd_commit_sync_seconds: 'histogram',
      ticketd_box_office_events_total: 'counter',
      ticketd_booking_refusals_total: 'counter',
      ticketd_show_places: 'gauge',
      ticketd_taps_in_flight: 'gauge',
      ticketd_mailbox_depth: 'gauge',
      ticketd_mailbox_high_watermark: 'gauge',
      ticketd_mailbox_capacity: 'gauge',
      ticketd_mailbox_dropped_total: 'counter',
      ticketd_dead_letters_total: 'counter',
      ticketd_sse_connections: 'gauge',
      ticketd_sse_frames_total: 'counter',
      ticketd_pool_queue_size: 'gauge',
      ticketd_pool_utilization: 'gauge',
      ticketd_pool_threads: 'gauge',
      ticketd_http_requests_total: 'counter',
      ticketd_http_request_duration_seconds: 'histogram',
      ticketd_logins_total: 'counter',
    });
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });

  it('counts and times requests by method, route pattern and status, never by raw path', async () => {
    const s = setup({ token: METRICS_TOKEN });
    expect((await s.call('GET', '/v1/customers/c-1', bearer(s.admin))).status).toBe(200);
    expect((await s.call('GET', '/v1/customers/c-2', bearer(s.admin))).status).toBe(404);
    expect((await s.call('GET', '/v1/customers/c-1')).status).toBe(401);
    expect((await s.call('GET', '/no/such/path', bearer(s.admin))).status).toBe(404);
    expect((await s.call('BREW', '/health')).status).toBe(405);
    expect((await s.call('GET', '/health')).status).toBe(200);
    const { samples } = parsePrometheusText((await s.call('GET', '/metrics', bearer(METRICS_TOKEN))).body as string);
    const requests = (labels: Record<string, string>) => value(samples, 'ticketd_http_requests_total', labels);
    expect(requests({ method: 'GET', route: '/v1/customers/:id', status: '200' })).toBe(1);
    expect(requests({ method: 'GET', route: '/v1/customers/:id', status: '404' })).toBe(1);
    expect(requests({ method: 'GET', route: '/v1/customers/:id', status: '401' })).toBe(1);
    expect(requests({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(requests({ method: 'other', route: '/health', status: '405' })).toBe(1);
    expect(requests({ method: 'GET', route: '/health', status: '200' })).toBe(1);
    const timed = { method: 'GET', route: '/v1/customers/:id', status: '200' };
    expect(value(samples, 'ticketd_http_request_duration_seconds_count', timed)).toBe(1);
    expect(value(samples, 'ticketd_http_request_duration_seconds_sum', timed)).toBeCloseTo(0.002, 9);
    expect(value(samples, 'ticketd_http_request_duration_seconds_bucket', { ...timed, le: '0.001' })).toBe(0);
    expect(value(samples, 'ticketd_http_request_duration_seconds_bucket', { ...timed, le: '0.0025' })).toBe(1);
    const routes = new Set(samples.filter((x) => x.name === 'ticketd_http_requests_total').map((x) => x.labels.route));
    expect(routes).toEqual(new Set(['/v1/customers/:id', 'unmatched', '/health']));
  });

  it('refuses a metrics token that is short, long or has spaces, naming the rule', () => {
    expect(checkMetricsToken(METRICS_TOKEN)).toBe(METRICS_TOKEN);
    for (const bad of ['short', 'x'.repeat(129), 'has a space in it 0123456789', 'tab\tin-0123456789abcdef']) {
      expect(() => checkMetricsToken(bad)).toThrow(/16-128 printable ASCII characters without spaces/);
    }
    expect(() => setup({ token: 'short' })).toThrow(RangeError);
  });
});
