import { Bench } from 'tinybench';

/** One measured bench: `opsPerSec` is messages per second, whatever a task of the bench does per call. */
export interface BenchResult {
  name: string;
  opsPerSec: number;
  /** Messages moved by one call of the task; tinybench times calls, we divide by this. */
  messagesPerTask: number;
  /** Task calls timed (after warmup). */
  samples: number;
  /** Relative margin of error of the mean call latency, in percent. */
  rmePercent: number;
}

export interface BenchSettings {
  /** Time budget of each bench task, warmup excluded. */
  timeMs: number;
  warmupMs: number;
  /** Runs only benches whose name contains this; `undefined` runs all. */
  filter: string | undefined;
}

/** A bench case: `fn` moves `messagesPerTask` messages; `setup`/`teardown` run once around it. */
export interface BenchCase {
  name: string;
  messagesPerTask: number;
  fn: () => void | Promise<void>;
  /** True when `fn` returns a promise to await (tinybench cannot tell a plain function that returns one). */
  async?: boolean;
  setup?: () => void;
  teardown?: () => void | Promise<void>;
}

/**
 * Runs the cases one after the other on tinybench and converts call latency into messages per second, from the
 * mean latency (total time / calls), so collection pauses caused by the code under test count against it. Cases
 * named in `always` run whatever the filter (the baseline, so every run has its own).
 *
 * @example
 * const results = await runCases([{ name: 'x', messagesPerTask: 1_000, fn }], settings);
 */
export async function runCases(
  cases: readonly BenchCase[],
  settings: BenchSettings,
  always: readonly string[] = [],
): Promise<BenchResult[]> {
  const selected = cases.filter(
    (c) => settings.filter === undefined || c.name.includes(settings.filter) || always.includes(c.name),
  );
  const results: BenchResult[] = [];
  for (const benchCase of selected) {
    // One Bench per case so each case's setup and teardown bracket exactly its own warmup and run.
    const bench = new Bench({ time: settings.timeMs, warmupTime: settings.warmupMs, throws: true });
    bench.add(benchCase.name, benchCase.fn, { async: benchCase.async === true });
    benchCase.setup?.();
    try {
      await bench.run();
    } finally {
      await benchCase.teardown?.();
    }
    const task = bench.getTask(benchCase.name);
    const result = task?.result;
    if (result === undefined || result.state !== 'completed') {
      throw new Error(`bench ${benchCase.name} did not complete (state ${result?.state ?? 'missing'})`);
    }
    results.push({
      name: benchCase.name,
      opsPerSec: (benchCase.messagesPerTask * 1_000) / result.period,
      messagesPerTask: benchCase.messagesPerTask,
      samples: result.latency.samplesCount,
      rmePercent: result.latency.rme,
    });
  }
  return results;
}
