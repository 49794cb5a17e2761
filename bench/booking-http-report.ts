/**
 * The figures of `bench/booking-http.bench.ts` and how they are printed: one line per scenario as it ends, then the
 * table of medians over the runs.
 */
import os from 'node:os';
import type { LoadResult } from './booking-http-load.ts';
import type { ShowShape } from './booking-http-setup.ts';

/** What the table's title line names. */
export interface ReportSettings {
  connections: number;
  client: string;
  customers: number;
  shape: ShowShape;
}

/** One scenario's figures in one run. */
export interface ScenarioFigures {
  name: string;
  result: LoadResult;
  serverCores: number | null;
  serverMainCores: number | null;
  loadCores: number;
  /** This process (reading the server's output, sampling /proc) while the job ran. */
  benchCores: number;
  machineCores: number | null;
  /** Cores of the machine idle while waiting for disk I/O (fsyncs). */
  iowaitCores: number | null;
}

export interface RunFigures {
  run: number;
  loadAverageBefore: number[];
  scenarios: ScenarioFigures[];
  fill?: { holds: number; ms: number; left: Record<string, number> };
}

/** One line to stdout. */
export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

export const fmtInt = (n: number | null | undefined) => (n === null || n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const fmtMs = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const fmtCores = (c: number | null | undefined) => (c === null || c === undefined ? '-' : c.toFixed(2));
const counts = (record: Record<string, number>) => Object.entries(record).map(([k, v]) => `${k}: ${v}`).join(', ');

/** The line of one scenario of one run, as it ends. */
export function printScenario(f: ScenarioFigures): void {
  const r = f.result;
  const errors = Object.keys(r.errors).length === 0 ? '' : `  ERRORS ${counts(r.errors)} (first: ${r.firstError})`;
  // Where a scenario has both, held and refused answers are timed apart too (a refusal writes nothing).
  const split = r.accepted > 0 && r.accepted < r.decided
    ? ` (2xx ${fmtMs(r.acceptedLatency.p50Ms)}/${fmtMs(r.acceptedLatency.p99Ms)}, refused ${fmtMs(r.refusedLatency.p50Ms)}/${fmtMs(r.refusedLatency.p99Ms)})`
    : '';
  log(`  ${f.name.padEnd(14)} ${fmtInt(r.decidedPerSec).padStart(8)} decided/s  ${fmtInt(r.decided)} of ${fmtInt(r.attempts)} in ${(r.elapsedMs / 1000).toFixed(1)} s` +
    `  2xx ${fmtInt(r.accepted)}  refused {${counts(r.refused)}}  p50 ${fmtMs(r.latency.p50Ms)} ms  p99 ${fmtMs(r.latency.p99Ms)} ms${split}` +
    `  server ${fmtCores(f.serverCores)} cores (main ${fmtCores(f.serverMainCores)})  load ${fmtCores(f.loadCores)}  bench ${fmtCores(f.benchCores)}  machine ${fmtCores(f.machineCores)} (iowait ${fmtCores(f.iowaitCores)})${errors}`);
}

function median(xs: Array<number | null>): number | null {
  const sorted = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface MedianRow {
  name: string;
  decidedPerSec: number | null;
  perRun: number[];
  p50Ms: number | null;
  p99Ms: number | null;
  accepted: number | null;
  refused: number | null;
  errors: number;
  serverCores: number | null;
  serverMainCores: number | null;
  loadCores: number | null;
}

/**
 * Per scenario, the median over runs of each column (so a row's figures may come from different runs).
 *
 * @example
 * printMedians(settings, runs, medians(runs));
 */
export function medians(runs: RunFigures[]): MedianRow[] {
  const names = [...new Set(runs.flatMap((r) => r.scenarios.map((s) => s.name)))];
  return names.map((name) => {
    const of = runs.flatMap((r) => r.scenarios.filter((s) => s.name === name));
    return {
      name,
      decidedPerSec: median(of.map((s) => s.result.decidedPerSec)),
      perRun: of.map((s) => Math.round(s.result.decidedPerSec)),
      p50Ms: median(of.map((s) => s.result.latency.p50Ms)),
      p99Ms: median(of.map((s) => s.result.latency.p99Ms)),
      accepted: median(of.map((s) => s.result.accepted)),
      refused: median(of.map((s) => Object.values(s.result.refused).reduce((a, b) => a + b, 0))),
      errors: of.reduce((sum, s) => sum + Object.values(s.result.errors).reduce((a, b) => a + b, 0), 0),
      serverCores: median(of.map((s) => s.serverCores)),
      serverMainCores: median(of.map((s) => s.serverMainCores)),
      loadCores: median(of.map((s) => s.loadCores)),
    };
  });
}

/** The table of medians, with the settings and the load average before each run. */
export function printMedians(settings: ReportSettings, runs: RunFigures[], rows: MedianRow[]): void {
  log('');
  log(`POST /v1/bookings (holds) on one show over HTTP: node ${process.version}, ${os.cpus().length} cpus, ${settings.connections} keep-alive connections (${settings.client} client), ` +
    `${settings.customers} customers, ${fmtInt(settings.shape.gaPlaces)} GA places + ${settings.shape.rows} x ${settings.shape.seatsPerRow} seats; ` +
    `median of ${runs.length} run(s); load average before each run: ${runs.map((r) => r.loadAverageBefore.join('/')).join(', ')}`);
  const header = `${'scenario'.padEnd(15)}${'decided/s'.padStart(11)}${'  runs'.padEnd(26)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}` +
    `${'2xx'.padStart(9)}${'refused'.padStart(10)}${'errors'.padStart(8)}${'server'.padStart(8)}${'main'.padStart(6)}${'load'.padStart(6)}`;
  log(header);
  for (const r of rows) {
    log(`${r.name.padEnd(15)}${fmtInt(r.decidedPerSec).padStart(11)}  ${r.perRun.map((x) => fmtInt(x)).join(' / ').padEnd(24)}` +
      `${fmtMs(r.p50Ms).padStart(8)}${fmtMs(r.p99Ms).padStart(8)}${fmtInt(r.accepted).padStart(9)}${fmtInt(r.refused).padStart(10)}` +
      `${String(r.errors).padStart(8)}${fmtCores(r.serverCores).padStart(8)}${fmtCores(r.serverMainCores).padStart(6)}${fmtCores(r.loadCores).padStart(6)}`);
  }
  log('decided/s: 201 held + 409 sold_out/seats_taken per second; server: cores of all its threads, main: its event loop; load: the load process.');
}
