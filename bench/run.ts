import { writeFileSync } from 'node:fs';
import { runActorBenches } from './actors.bench.ts';
import { positiveNumber } from './bench-fixtures.ts';
import type { BenchResult, BenchSettings } from './harness.ts';
import { BASELINE, runMailboxBenches } from './mailbox.bench.ts';

/**
 * `npm run bench [-- filter]`: runs every bench (or those whose name contains `filter`; the baseline always runs),
 * prints messages/s with the ratio to the baseline of the same run, and writes bench/results.json.
 * `BENCH_TIME_MS` sets each task's time budget (default 2,000), `BENCH_OUT` the results file. `rme%` is tinybench's
 * relative margin of error of the mean call time within this run, not the spread between runs (see README.md).
 */
const settings: BenchSettings = {
  timeMs: positiveNumber('BENCH_TIME_MS', 2_000),
  warmupMs: 500,
  filter: process.argv[2],
};

const results: BenchResult[] = [...(await runMailboxBenches(settings)), ...(await runActorBenches(settings))];
const baseline = results.find((r) => r.name === BASELINE);
if (baseline === undefined) throw new Error(`the baseline ${BASELINE} did not run`);

interface JsonResult {
  opsPerSec: number;
  ratioToBaseline: number;
  messagesPerTask: number;
  samples: number;
  rmePercent: number;
}
const json: Record<string, JsonResult> = {};
for (const r of results) {
  json[r.name] = {
    opsPerSec: Math.round(r.opsPerSec),
    ratioToBaseline: round(r.opsPerSec / baseline.opsPerSec, 4),
    messagesPerTask: r.messagesPerTask,
    samples: r.samples,
    rmePercent: round(r.rmePercent, 2),
  };
}
const out = process.env.BENCH_OUT ?? new URL('./results.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);

console.log(`node ${process.version}, ${settings.timeMs} ms per bench`);
console.log(`${'name'.padEnd(26)}${'messages/s'.padStart(16)}${'ratio'.padStart(10)}${'rme%'.padStart(8)}`);
for (const r of results) {
  const ratio = r.opsPerSec / baseline.opsPerSec;
  const perSec = Math.round(r.opsPerSec).toLocaleString('en-US');
  const rme = r.rmePercent.toFixed(1);
  console.log(`${r.name.padEnd(26)}${perSec.padStart(16)}${ratio.toFixed(4).padStart(10)}${rme.padStart(8)}`);
}


function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
