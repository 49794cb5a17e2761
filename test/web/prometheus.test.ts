/**
 * The console's reader of `GET /metrics` (web/shared/prometheus.ts): the exposition parsed line by line, sums and
 * groups by label, and a histogram's quantile over the observations between two readings, read as Prometheus's
 * histogram_quantile reads it.
 */
import { describe, expect, it } from 'vitest';
import { byLabel, parsePrometheus, quantile, total } from '../../web/shared/prometheus.ts';

const histogram = (counts: Record<string, number>, name = 'ticketd_commit_duration_seconds') =>
  parsePrometheus(Object.entries(counts).map(([le, count]) => `${name}_bucket{le="${le}"} ${count}`).join('\n'));

describe('the console\'s metrics reader', () => {
  it('parses samples with escaped labels, skips comments and lines it cannot read', () => {
    const samples = parsePrometheus([
      '# HELP ticketd_taps_total Taps decided.', '# TYPE ticketd_taps_total counter',
      'ticketd_taps_total{outcome="issued",reason="none"} 3', 'ticketd_taps_total{outcome="rejected",reason="say \\"no\\""} 2',
      'not a sample line at all {', 'ticketd_sse_connections 4 1764583200000', '',
    ].join('\n'));
    expect(samples).toEqual([
      { name: 'ticketd_taps_total', labels: { outcome: 'issued', reason: 'none' }, value: 3 },
      { name: 'ticketd_taps_total', labels: { outcome: 'rejected', reason: 'say "no"' }, value: 2 },
      { name: 'ticketd_sse_connections', labels: {}, value: 4 },
    ]);
    expect(total(samples, 'ticketd_taps_total')).toBe(5);
    expect(total(samples, 'ticketd_taps_total', { outcome: 'rejected' })).toBe(2);
    expect(byLabel(samples, 'ticketd_taps_total', 'outcome')).toEqual(new Map([['issued', 3], ['rejected', 2]]));
  });

  it('reads a quantile from the buckets\' differences, interpolating inside the bucket', () => {
    const before = histogram({ '0.001': 10, '0.002': 10, '0.004': 10, '+Inf': 10 });
    // Since then: 50 commits up to 1 ms, 40 between 1 and 2 ms, 10 between 2 and 4 ms.
    const now = histogram({ '0.001': 60, '0.002': 100, '0.004': 110, '+Inf': 110 });
    expect(quantile(0.5, now, before, 'ticketd_commit_duration_seconds')).toBeCloseTo(0.001, 9);
    expect(quantile(0.7, now, before, 'ticketd_commit_duration_seconds')).toBeCloseTo(0.0015, 9);
    expect(quantile(0.99, now, before, 'ticketd_commit_duration_seconds')).toBeCloseTo(0.0038, 9);
  });

  it('answers the highest finite bound for a rank past it, and nothing when nothing was observed', () => {
    const before = histogram({ '0.001': 0, '+Inf': 0 });
    expect(quantile(0.99, histogram({ '0.001': 1, '+Inf': 100 }), before, 'ticketd_commit_duration_seconds')).toBe(0.001);
    expect(quantile(0.99, before, before, 'ticketd_commit_duration_seconds')).toBeUndefined();
    expect(quantile(0.99, [], [], 'ticketd_commit_duration_seconds')).toBeUndefined();
    expect(() => quantile(1, before, before, 'x')).toThrow(RangeError);
  });
});
