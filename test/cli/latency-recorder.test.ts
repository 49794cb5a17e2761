import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from '../../src/cli/latency-recorder.ts';
import { seededRandom, testSeed } from '../../src/platform/random.ts';

describe('LatencyRecorder', () => {
  it('answers null before any sample', () => {
    expect(new LatencyRecorder(10, seededRandom(1)).percentiles()).toBeNull();
  });

  it('computes nearest-rank percentiles of 1..100 in any order', () => {
    const recorder = new LatencyRecorder(1_000, seededRandom(1));
    const values = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    for (const v of values) recorder.record(v);
    expect(recorder.percentiles()).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('computes percentiles of a small, skewed set', () => {
    const recorder = new LatencyRecorder(1_000, seededRandom(1));
    for (const v of [3.5, 1, 2, 2, 250, 4, 2, 3, 5, 1]) recorder.record(v);
    // Sorted: 1 1 2 2 2 3 3.5 4 5 250 → ranks ceil(5)=5, ceil(9)=9, ceil(9.9)=10.
    expect(recorder.percentiles()).toEqual({ p50: 2, p90: 5, p99: 250, max: 250 });
  });

  it('keeps at most capacity samples while count and max stay exact', () => {
    const seed = testSeed();
    const recorder = new LatencyRecorder(100, seededRandom(seed));
    for (let i = 1; i <= 10_000; i++) recorder.record(i % 1_000 === 0 ? 5_000 + i : i % 100);
    expect(recorder.count).toBe(10_000);
    expect(recorder.kept).toBe(100);
    const p = recorder.percentiles();
    expect(p?.max, `SEED=${seed}`).toBe(15_000);
    // A uniform sample of 0..99 repeated: the median lands near 50.
    expect(Math.abs((p?.p50 ?? 0) - 50), `SEED=${seed}`).toBeLessThan(25);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LatencyRecorder(0, seededRandom(1))).toThrow(/capacity/);
  });
});
