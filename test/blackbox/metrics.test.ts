/**
 * `GET /metrics` on the real binary started with `--metrics-token`: a scraper with that token sees a tap it just
 * sent counted, the request that carried it counted by route, and the process metrics; a bad token flag stops
 * `serve` with a usage error.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, value } from '../metrics/prom-text.ts';
import { api, BIN, startBinary, tap, type RunningBinary } from './binary.ts';

const METRICS_TOKEN = 'blackbox-scrape-0123456789';
let ticketd: RunningBinary;

beforeAll(async () => {
  ticketd = await startBinary({ args: ['--metrics-token', METRICS_TOKEN] });
});

afterAll(async () => {
  await ticketd?.stop();
});

async function scrape(token: string | undefined): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${ticketd.url}/metrics`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('ticketd serve --metrics-token', () => {
  it('serves /metrics to the metrics token only, with a tap counted once it is decided', async () => {
    expect((await scrape(undefined)).status).toBe(401);
    expect((await scrape('blackbox-scrape-0123456780')).status).toBe(401);
    const answer = await api<{ taps: Array<{ status: string }> }>(`${ticketd.url}/v1/taps`, 'POST', [tap('metrics-1', 'customer-1', 'ride-a')]);
    expect(answer.body.taps[0]?.status).toBe('issued');

    const scraped = await scrape(METRICS_TOKEN);
    expect(scraped.status).toBe(200);
    expect(scraped.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { samples, types } = parsePrometheusText(scraped.text);
    expect(value(samples, 'ticketd_taps_total', { outcome: 'issued', reason: 'none' })).toBe(1);
    expect(value(samples, 'ticketd_commit_batch_taps_count')).toBe(1);
    expect(value(samples, 'ticketd_commit_sync_seconds_count')).toBe(1);
    expect(value(samples, 'ticketd_http_requests_total', { method: 'POST', route: '/v1/taps', status: '200' })).toBe(1);
    expect(value(samples, 'ticketd_http_requests_total', { method: 'GET', route: '/metrics', status: '401' })).toBe(2);
    expect(value(samples, 'ticketd_pool_threads')).toBe(1);
    expect(value(samples, 'ticketd_mailbox_depth', { actor: '/user/ledger' })).toBe(0);
    expect(types.get('process_resident_memory_bytes')).toBe('gauge');
  });

  it('refuses a metrics token too short to be one, naming the flag', () => {
    const run = spawnSync(process.execPath, [BIN, 'serve', '--metrics-token', 'short', '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--metrics-token');
  });
});
