/** The pipeline's metrics on a real engine over a real store (virtual time, inline evaluator). */
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics/metrics.ts';
import { startEngine, type EngineHarness } from '../pipeline/harness.ts';
import { parsePrometheusText, value, type Sample } from './prom-text.ts';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Metrics whose clock moves 2 ms per reading, so that every duration is a known non-zero figure. */
function steppedMetrics(): Metrics {
  let ms = 0;
  return new Metrics({ nowMs: () => (ms += 2) });
}

async function scrape(metrics: Metrics): Promise<Sample[]> {
  return parsePrometheusText(await metrics.text()).samples;
}

describe('pipeline metrics', () => {
  it('count decided taps by outcome and reason, once per commit, with its size and times', async () => {
    const metrics = steppedMetrics();
    h = await startEngine({ metrics });
    const first = [
      h.tap({ customerId: 'customer-1', rideId: 'ride-b' }),
      h.tap({ customerId: 'customer-3', rideId: 'ride-e' }),
      h.tap({ customerId: 'customer-1', rideId: 'ride-x' }),
      h.tap({ customerId: 'nobody', rideId: 'ride-a' }),
    ];
    const results = await h.run(h.engine.submitTaps(first));
    expect(results.map((r) => r.status)).toEqual(['issued', 'issued', 'rejected', 'rejected']);
    await h.run(h.engine.submitTaps([first[0]!])); // the same tap again: a duplicate, in a second commit

    const samples = await scrape(metrics);
    expect(value(samples, 'ticketd_taps_total', { outcome: 'issued', reason: 'none' })).toBe(2);
    expect(value(samples, 'ticketd_taps_total', { outcome: 'rejected', reason: 'unknown_ride' })).toBe(1);
    expect(value(samples, 'ticketd_taps_total', { outcome: 'rejected', reason: 'unknown_customer' })).toBe(1);
    expect(value(samples, 'ticketd_taps_total', { outcome: 'duplicate', reason: 'none' })).toBe(1);
    expect(samples.filter((s) => s.name === 'ticketd_taps_total')).toHaveLength(4);
    // Two commits: 4 taps, then 1.
    expect(value(samples, 'ticketd_commit_batch_taps_count')).toBe(2);
    expect(value(samples, 'ticketd_commit_batch_taps_sum')).toBe(5);
    expect(value(samples, 'ticketd_commit_batch_taps_bucket', { le: '1' })).toBe(1);
    expect(value(samples, 'ticketd_commit_batch_taps_bucket', { le: '5' })).toBe(2);
    // Each commit reads the stepped clock at its start, at the end of its statements, after COMMIT and at its
    // end: 6 ms in all, of which COMMIT 2 ms.
    expect(value(samples, 'ticketd_commit_duration_seconds_count')).toBe(2);
    expect(value(samples, 'ticketd_commit_duration_seconds_sum')).toBeCloseTo(0.012, 9);
    expect(value(samples, 'ticketd_commit_sync_seconds_count')).toBe(2);
    expect(value(samples, 'ticketd_commit_sync_seconds_sum')).toBeCloseTo(0.004, 9);
    expect(value(samples, 'ticketd_taps_in_flight')).toBe(0);
  });

  it('read mailboxes, drops and dead letters of the actor system at scrape time', async () => {
    const metrics = steppedMetrics();
    h = await startEngine({ metrics, pipeline: { intakeMailboxCapacity: 1 } });
    // The test kit dispatches only when told: the intake holds one request, the next two are refused as full.
    const taps = [1, 2, 3].map(() => h!.tap({ customerId: 'customer-1', rideId: 'ride-a' }));
    const answers = taps.map((tap) => h!.engine.submitTaps([tap]).then(() => 'decided', (error: { code?: string }) => error.code));
    const before = await scrape(metrics);
    expect(value(before, 'ticketd_mailbox_depth', { actor: '/user/pricing' })).toBe(1);
    expect(value(before, 'ticketd_mailbox_capacity', { actor: '/user/pricing' })).toBe(1);
    expect(value(before, 'ticketd_taps_in_flight')).toBe(1);
    expect(await h.run(Promise.all(answers))).toEqual(['decided', 'ERR_OVERLOADED', 'ERR_OVERLOADED']);

    const after = await scrape(metrics);
    expect(value(after, 'ticketd_mailbox_dropped_total', { actor: '/user/pricing' })).toBe(2);
    expect(value(after, 'ticketd_mailbox_dropped_total', { actor: '/user/ledger' })).toBe(0);
    expect(value(after, 'ticketd_mailbox_high_watermark', { actor: '/user/pricing' })).toBe(1);
    expect(value(after, 'ticketd_mailbox_depth', { actor: '/user/pricing' })).toBe(0);
    expect(value(after, 'ticketd_dead_letters_total', { reason: 'mailbox_full' })).toBe(2);
    expect(value(after, 'ticketd_taps_total', { outcome: 'issued', reason: 'none' })).toBe(1);
    expect(value(after, 'ticketd_taps_in_flight')).toBe(0);
    expect(new Set(after.filter((s) => s.name === 'ticketd_mailbox_depth').map((s) => s.labels.actor))).toEqual(
      new Set(['/user/notifier', '/user/ledger', '/user/sequencer', '/user/pricing']),
    );
  });

  it('record nothing and cost nothing in an engine started without them', async () => {
    const metrics = steppedMetrics();
    h = await startEngine();
    await h.run(h.engine.submitTaps([h.tap({ customerId: 'customer-1', rideId: 'ride-a' })]));
    const samples = await scrape(metrics);
    expect(samples.filter((s) => s.name === 'ticketd_taps_total')).toEqual([]);
    expect(value(samples, 'ticketd_commit_batch_taps_count')).toBe(0);
    expect(samples.filter((s) => s.name === 'ticketd_mailbox_depth')).toEqual([]);
  });
});
