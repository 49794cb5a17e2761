/**
 * What the subject benches (pool, ledger, sse, ingest) share: a tinybench runner in the shape of harness.ts's
 * `runCases` that also bounds the iteration count, the result record each bench file returns, and running a bench
 * file on its own (`node --import tsx bench/pool.bench.ts [filter]` prints a table).
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import type { BenchCase, BenchSettings } from './harness.ts';

/** One subject's figures: ops are taps, rows or frames per second (never task calls), as each bench file says. */
export interface SubjectResult {
  opsPerSec: number;
  /** `opsPerSec` divided by the baseline's of the same run; absent on the baselines themselves. */
  ratioToBaseline?: number;
  /** The case this one is compared with. */
  baseline?: string;
  /** Ops moved by one task call. */
  opsPerTask: number;
  samples: number;
  rmePercent: number;
  [extra: string]: number | string | undefined;
}

export type SubjectResults = Record<string, SubjectResult>;

/** A case with its baseline named, how few calls it may stop at, and figures it adds after its run. */
export interface SubjectCase extends BenchCase {
  /** The case (measured in the same run) that `ratioToBaseline` divides by; absent for a baseline. */
  baseline?: string;
  /**
   * Fewest timed calls. tinybench's default (64, and 16 for warmup) would take 13 s for a 200 ms task, so slow cases
   * say how many calls give a stable mean; the time budget still applies.
   */
  minCalls?: number;
  /** Figures to report beside ops/s, read after the case ran (e.g. time split between phases). */
  extra?: () => Record<string, number | string>;
}

/**
 * Runs the cases one after the other, each on its own tinybench `Bench` (setup and teardown bracket exactly its
 * warmup and run), converts mean call latency into ops per second and divides by the named baseline. A baseline
 * always runs, whatever the filter, so every ratio comes from one run.
 *
 * @example
 * const results = await runSubjectCases([{ name: 'x.baseline', messagesPerTask: 1_000, fn }], settings);
 */
export async function runSubjectCases(cases: readonly SubjectCase[], settings: BenchSettings): Promise<SubjectResults> {
  const selectedNames = new Set(
    cases.filter((c) => settings.filter === undefined || c.name.includes(settings.filter)).map((c) => c.name),
  );
  for (const c of cases) if (selectedNames.has(c.name) && c.baseline !== undefined) selectedNames.add(c.baseline);
  const results: SubjectResults = {};
  for (const benchCase of cases) {
    if (!selectedNames.has(benchCase.name)) continue;
    const minCalls = benchCase.minCalls ?? 64;
    const bench = new Bench({
      time: settings.timeMs,
      warmupTime: settings.warmupMs,
      iterations: minCalls,
      warmupIterations: Math.max(1, Math.ceil(minCalls / 4)),
      throws: true,
    });
    // Calls are counted (warmup included) so CPU time can be put per op; the wrapper costs one call per task call.
    let calls = 0;
    const fn = benchCase.fn;
    bench.add(benchCase.name, () => (calls++, fn()), { async: benchCase.async === true });
    benchCase.setup?.();
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    try {
      await bench.run();
    } finally {
      await benchCase.teardown?.();
    }
    const cpu = process.cpuUsage(cpuBefore);
    const wallUs = (performance.now() - wallBefore) * 1_000;
    const result = bench.getTask(benchCase.name)?.result;
    if (result === undefined || result.state !== 'completed') {
      throw new Error(`bench ${benchCase.name} did not complete (state ${result?.state ?? 'missing'})`);
    }
    results[benchCase.name] = {
      opsPerSec: (benchCase.messagesPerTask * 1_000) / result.period,
      opsPerTask: benchCase.messagesPerTask,
      samples: result.latency.samplesCount,
      rmePercent: result.latency.rme,
      // Every thread of this process (workers too), warmup included: what one op costs in CPU, whoever spends it.
      cpuUsPerOp: (cpu.user + cpu.system) / (calls * benchCase.messagesPerTask),
      cpuSystemShare: cpu.system / (cpu.user + cpu.system),
      // CPU time per wall time: a pool that wants 2 cores and gets 1 on a busy machine shows it here.
      coresUsed: (cpu.user + cpu.system) / wallUs,
      ...benchCase.extra?.(),
    };
  }
  return withRatios(results, cases);
}

/** Sets `ratioToBaseline` and `baseline` on every result whose case names a baseline that ran. */
export function withRatios(
  results: SubjectResults, cases: readonly { name: string; baseline?: string }[],
): SubjectResults {
  for (const c of cases) {
    const result = results[c.name];
    const base = c.baseline === undefined ? undefined : results[c.baseline];
    if (result === undefined || base === undefined || c.baseline === undefined) continue;
    result.baseline = c.baseline;
    result.ratioToBaseline = result.opsPerSec / base.opsPerSec;
  }
  return results;
}

/** Settings from the environment as `npm run bench` reads them, with this file's defaults. */
export function settingsFromEnv(defaults: { timeMs: number; warmupMs: number }): BenchSettings {
  return {
    timeMs: positiveNumber('BENCH_TIME_MS', defaults.timeMs),
    warmupMs: positiveNumber('BENCH_WARMUP_MS', defaults.warmupMs),
    filter: process.argv[2],
  };
}

/** True when the module at `moduleUrl` is the script node was started with (not imported by run.ts). */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && path.resolve(script) === fileURLToPath(moduleUrl);
}

/** Prints the results as a table, with every extra figure after the fixed columns. */
export function printTable(title: string, unit: string, results: SubjectResults): void {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`${title}: node ${process.version}, ${os.cpus().length} cpus, load average ${load}`);
  const header = `${'name'.padEnd(32)}${unit.padStart(14)}${'ratio'.padStart(9)}${'±%'.padStart(7)}`;
  console.log(`${header}${'calls'.padStart(7)}  baseline / extra`);
  for (const [name, r] of Object.entries(results)) {
    const ratio = r.ratioToBaseline === undefined ? '-' : r.ratioToBaseline.toFixed(3);
    const extras = Object.entries(r)
      .filter(([key]) => !['opsPerSec', 'ratioToBaseline', 'baseline', 'samples', 'rmePercent'].includes(key))
      .map(([key, value]) => `${key}=${typeof value === 'number' ? formatNumber(value) : String(value)}`);
    const baseline = r.baseline === undefined ? '(baseline)' : `vs ${r.baseline}`;
    console.log(
      `${name.padEnd(32)}${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(14)}${ratio.padStart(9)}` +
        `${r.rmePercent.toFixed(1).padStart(7)}${String(r.samples).padStart(7)}  ${baseline}  ${extras.join(' ')}`,
    );
  }
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}

/** A positive number from the environment variable `name`, or `fallback` when it is unset. */
export function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a number > 0, got ${raw}`);
  return value;
}
