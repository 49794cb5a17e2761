/**
 * `npm run bench:booking-http [-- flags]`: hold decisions per second over HTTP on one hot show (issue 10's target:
 * 20,000 a second). Each run starts the real binary (`bin/ticketd.js serve --demo`, fresh data dir, no rate limit),
 * PUTs one show on sale (general admission spread over 100,000-place categories, and a seated block of rows) and the
 * customers `bench-<i>`, then drives `POST /v1/bookings` without payment (holds) from a separate process
 * (booking-http-load.ts) over keep-alive connections, each scenario bounded in requests and in time:
 *
 * - `http.health`: baseline, `GET /health` (public, no engine): what HTTP alone costs on these connections;
 * - `http.customer`: baseline, `GET /v1/customers/bench-1` with the admin token: HTTP, auth and a store read;
 * - `ga`: 1-4 general-admission places a booking (after an unreported warm-up of the same requests);
 * - `together`: best-available pairs on the seated block, until it is sold out and on (then refusals);
 * - `sold-out`: every place held (the rest filled 100 at a time first), both kinds of request: all refusals.
 *
 * A decision is a 201 (held) or a 409 `sold_out` / `seats_taken`; any other answer is an error, counted and shown.
 * Figures per scenario: decided/s (over the time from the first request to the last answer), p50/p99 latency, the
 * server's CPU (all threads, and its main thread) and the load process's. The run is repeated (`--runs`, default 3)
 * on a fresh server each time and the median of each column is printed with the load average before each run.
 *
 *   npm run bench:booking-http -- [--runs 3] [--duration 10] [--connections 32] [--customers 200]
 *     [--ga-places 400000] [--rows 40] [--seats-per-row 50] [--only ga,together] [--profile DIR] [--json FILE]
 *
 * `--profile DIR` runs the server under `node --cpu-prof --cpu-prof-dir DIR`; read it with
 * `node --import tsx bench/booking-http-profile.ts DIR/*.cpuprofile`. Use it with `--runs 1 --only <scenario>`.
 *
 * @example
 * npm run bench:booking-http -- --runs 3 --duration 10
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_INVENTORY_LIMITS } from '../src/box-office/inventory-types.ts';
import { withTimeout } from '../src/platform/with-timeout.ts';
import type { LoadJob, LoadMessage, LoadResult, OrchestratorMessage } from './booking-http-load.ts';
import {
  CUSTOMER_PREFIX, FILL_QUANTITY, fillPlaces, gaBodies, putCustomers, putShow, SHOW_ID, soldOutBodies, startServer,
  stopProcess, togetherBodies, type RunningServer, type ShowShape,
} from './booking-http-setup.ts';
import { coresBetween, machineCoresBetween, readMachine, readProc } from './e2e/proc-sampler.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LOAD_SCRIPT = path.join(HERE, 'booking-http-load.ts');
const BASELINE_MS = 3_000;
const WARMUP_MS = 2_000;
const WARMUP_ATTEMPTS = 5_000;
/** Requests a refusal scenario may send at most (it is meant to end on time, this only bounds it). */
const REFUSALS_MAX = 2_000_000;
/** Holds left unused under the show's bound on holds at once, for requests in flight when a bound is reached. */
const HOLDS_MARGIN = 1_000;
const LOAD_READY_TIMEOUT_MS = 30_000;
const JOB_SLACK_MS = 60_000;
const SCENARIOS = ['http.health', 'http.customer', 'ga', 'together', 'sold-out'] as const;
type ScenarioName = (typeof SCENARIOS)[number];
const BOOKING_DECISIONS = ['409 sold_out', '409 seats_taken'];

const USAGE = `Usage: npm run bench:booking-http -- [flags]
  --runs N            runs, each on a fresh server (default 3); medians are printed
  --duration S        seconds of load per booking scenario (default 10)
  --connections N     keep-alive connections, one request in flight each (default 32)
  --customers N       customers bench-1..N the bookings rotate over (default 200)
  --ga-places N       general-admission places (in categories of up to 100,000) (default 400000)
  --rows N            rows of the seated block (default 40)
  --seats-per-row N   seats in each row (default 50)
  --only LIST         comma-separated scenarios to measure: ${SCENARIOS.join(', ')} (default all)
  --profile DIR       run the server under node --cpu-prof --cpu-prof-dir DIR
  --client NAME       raw (default: a minimal keep-alive HTTP/1.1 client, booking-http-raw-client.ts) or node-http
                      (http.request on a keep-alive Agent, which costs the load several times the CPU)
  --server-arg ARG    one more argument for 'ticketd serve' (repeatable), e.g. --server-arg=--log-level --server-arg=warn
  --json FILE         also write every run's figures and the medians to FILE
`;

interface Settings {
  runs: number;
  durationMs: number;
  connections: number;
  client: LoadJob['client'];
  customers: number;
  shape: ShowShape;
  only: Set<ScenarioName>;
  profileDir: string | undefined;
  serverArgs: string[];
  jsonFile: string | undefined;
}

function parseSettings(): Settings {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' }, duration: { type: 'string' }, connections: { type: 'string' }, customers: { type: 'string' },
      'ga-places': { type: 'string' }, rows: { type: 'string' }, 'seats-per-row': { type: 'string' }, only: { type: 'string' },
      profile: { type: 'string' }, json: { type: 'string' }, client: { type: 'string' }, 'server-arg': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const int = (name: keyof typeof values, fallback: number, min: number, max: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`--${name} must be an integer in ${min}..${max}, got '${String(raw)}'`);
    return value;
  };
  const only = values.only === undefined ? [...SCENARIOS] : values.only.split(',').map((s) => s.trim());
  for (const name of only) if (!(SCENARIOS as readonly string[]).includes(name)) throw new RangeError(`--only: no scenario '${name}' (${SCENARIOS.join(', ')})`);
  const client = values.client ?? 'raw';
  if (client !== 'raw' && client !== 'node-http') throw new RangeError(`--client must be raw or node-http, got '${client}'`);
  return {
    client,
    runs: int('runs', 3, 1, 20),
    durationMs: int('duration', 10, 1, 600) * 1000,
    connections: int('connections', 32, 1, 1_024),
    customers: int('customers', 200, 1, 100_000),
    shape: { gaPlaces: int('ga-places', 400_000, 4, 5_000_000), rows: int('rows', 40, 1, 500), seatsPerRow: int('seats-per-row', 50, 2, 1_000) },
    only: new Set(only as ScenarioName[]),
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
    serverArgs: values['server-arg'] ?? [],
    jsonFile: values.json,
  };
}

/** How many `ga` requests fit under the show's bound on holds at once, leaving room for the pairs and the fill. */
function gaAttemptsMax(shape: ShowShape): number {
  const pairs = Math.floor((shape.rows * shape.seatsPerRow) / 2);
  const fill = Math.ceil(shape.gaPlaces / FILL_QUANTITY) + Math.ceil((shape.rows * shape.seatsPerRow) / FILL_QUANTITY) + 50;
  const byHolds = DEFAULT_INVENTORY_LIMITS.holdsPerShowMax - WARMUP_ATTEMPTS - pairs - fill - HOLDS_MARGIN;
  // At 4 places a request at most, this many never sell the general admission out.
  const byPlaces = Math.floor(shape.gaPlaces / 4) - WARMUP_ATTEMPTS;
  return Math.max(1, Math.min(byHolds, byPlaces));
}

/** One scenario's figures in one run. */
interface ScenarioFigures {
  name: string;
  result: LoadResult;
  serverCores: number | null;
  serverMainCores: number | null;
  loadCores: number;
  /** This process (reading the server's output, sampling /proc) while the job ran. */
  benchCores: number;
  machineCores: number | null;
}

interface RunFigures {
  run: number;
  loadAverageBefore: number[];
  scenarios: ScenarioFigures[];
  fill?: { holds: number; ms: number; left: Record<string, number> };
}

/** The load process: one per run, jobs one at a time over IPC. */
class LoadProcess {
  readonly child: ChildProcess;
  #pending: ((message: LoadMessage) => void) | undefined;

  constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', LOAD_SCRIPT], { cwd: path.resolve(HERE, '..'), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message) => this.#pending?.(message as LoadMessage));
    this.child.once('exit', (code, signal) => this.#pending?.({ type: 'failed', message: `the load process exited (${code ?? signal})` }));
  }

  #next(timeoutMs: number, what: string): Promise<LoadMessage> {
    return withTimeout(new Promise<LoadMessage>((resolve) => (this.#pending = resolve)), { timeoutMs, what });
  }

  async ready(): Promise<void> {
    const message = await this.#next(LOAD_READY_TIMEOUT_MS, 'the load process to start');
    if (message.type !== 'ready') throw new Error(`load process: ${message.type === 'failed' ? message.message : message.type}`);
  }

  async run(job: LoadJob): Promise<LoadResult> {
    const answer = this.#next(job.durationMs + JOB_SLACK_MS, `the load job ${job.name}`);
    this.child.send({ type: 'job', job } satisfies OrchestratorMessage);
    const message = await answer;
    if (message.type !== 'result') throw new Error(`load job ${job.name}: ${message.type === 'failed' ? message.message : message.type}`);
    return message.result;
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies OrchestratorMessage);
    await stopProcess(this.child);
  }
}

async function measure(load: LoadProcess, server: RunningServer, job: LoadJob): Promise<ScenarioFigures> {
  const pid = server.process.pid!;
  const before = { server: readProc(pid), machine: readMachine(), bench: process.cpuUsage() };
  const result = await load.run(job);
  const after = { server: readProc(pid), machine: readMachine(), bench: process.cpuUsage(before.bench) };
  const figures: ScenarioFigures = {
    name: job.name,
    result,
    serverCores: coresBetween(before.server, after.server),
    serverMainCores: coresBetween(before.server, after.server, true),
    loadCores: result.cpuMs / Math.max(result.elapsedMs, 1),
    benchCores: (after.bench.user + after.bench.system) / 1000 / Math.max(result.elapsedMs, 1),
    machineCores: machineCoresBetween(before.machine, after.machine),
  };
  printScenario(figures);
  return figures;
}

function bookingJob(server: RunningServer, settings: Settings, name: string, bodies: string[], attemptsMax: number, durationMs: number): LoadJob {
  return {
    name, url: server.url, token: server.admin, method: 'POST', path: '/v1/bookings', bodies,
    connections: settings.connections, client: settings.client, attemptsMax, durationMs, decisionCodes: BOOKING_DECISIONS,
  };
}

function getJob(server: RunningServer, settings: Settings, name: string, route: string, token: string | null): LoadJob {
  return {
    name, url: server.url, token, method: 'GET', path: route, bodies: [],
    connections: settings.connections, client: settings.client, attemptsMax: REFUSALS_MAX, durationMs: BASELINE_MS, decisionCodes: [],
  };
}

async function runScenarios(load: LoadProcess, server: RunningServer, settings: Settings, run: number): Promise<Omit<RunFigures, 'run' | 'loadAverageBefore'>> {
  const { only, shape, customers, durationMs } = settings;
  const scenarios: ScenarioFigures[] = [];
  if (only.has('http.health')) scenarios.push(await measure(load, server, getJob(server, settings, 'http.health', '/health', null)));
  if (only.has('http.customer')) scenarios.push(await measure(load, server, getJob(server, settings, 'http.customer', `/v1/customers/${CUSTOMER_PREFIX}1`, server.admin)));
  const ga = gaBodies(shape, customers, run);
  if (only.has('ga')) {
    await measure(load, server, bookingJob(server, settings, 'ga (warm-up)', ga, WARMUP_ATTEMPTS, WARMUP_MS));
    scenarios.push(await measure(load, server, bookingJob(server, settings, 'ga', ga, gaAttemptsMax(shape), durationMs)));
  }
  if (only.has('together')) {
    scenarios.push(await measure(load, server, bookingJob(server, settings, 'together', togetherBodies(customers, run), REFUSALS_MAX, durationMs)));
  }
  if (!only.has('sold-out')) return { scenarios };
  const started = performance.now();
  const fill = await fillPlaces(server.url, server.admin);
  const fillMs = performance.now() - started;
  log(`  fill: ${fill.holds} holds of up to ${FILL_QUANTITY} places in ${fillMs.toFixed(0)} ms; left ${JSON.stringify(fill.left)}`);
  scenarios.push(await measure(load, server, bookingJob(server, settings, 'sold-out', soldOutBodies(shape, customers, run), REFUSALS_MAX, durationMs)));
  return { scenarios, fill: { ...fill, ms: fillMs } };
}

async function runOnce(settings: Settings, run: number, cleanup: Set<() => void>): Promise<RunFigures> {
  const loadAverageBefore = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-booking-bench-'));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  cleanup.add(removeDir);
  log(`run ${run}: load average ${loadAverageBefore.join(' / ')} (1/5/15 min) before; data dir ${dataDir}`);
  const nodeArgs = settings.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', settings.profileDir];
  const server = await startServer(dataDir, settings.serverArgs, nodeArgs);
  const killServer = () => server.process.kill('SIGKILL');
  cleanup.add(killServer);
  let load: LoadProcess | undefined;
  const killLoad = () => load?.child.kill('SIGKILL');
  cleanup.add(killLoad);
  let figures: Awaited<ReturnType<typeof runScenarios>> | undefined;
  try {
    await putShow(server.url, server.admin, settings.shape);
    await putCustomers(server.url, server.admin, settings.customers);
    load = new LoadProcess();
    await load.ready();
    figures = await runScenarios(load, server, settings, run);
  } catch (error) {
    throw new Error(`run ${run}: ${error instanceof Error ? error.message : String(error)}\nserver stderr: ${server.stderr()}`, { cause: error });
  } finally {
    await load?.stop();
    cleanup.delete(killLoad);
    // SIGTERM and a clean exit: the server writes its --cpu-prof profile only then.
    const stopped = await stopProcess(server.process);
    cleanup.delete(killServer);
    if (stopped !== 'exit 0') log(`run ${run}: server ${stopped}`);
    removeDir();
    cleanup.delete(removeDir);
  }
  return { run, loadAverageBefore, ...figures };
}

// ---- reporting -----------------------------------------------------------------------------------------------

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

const fmtInt = (n: number | null | undefined) => (n === null || n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const fmtMs = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const fmtCores = (c: number | null | undefined) => (c === null || c === undefined ? '-' : c.toFixed(2));
const counts = (record: Record<string, number>) => Object.entries(record).map(([k, v]) => `${k}: ${v}`).join(', ');

function printScenario(f: ScenarioFigures): void {
  const r = f.result;
  const errors = Object.keys(r.errors).length === 0 ? '' : `  ERRORS ${counts(r.errors)} (first: ${r.firstError})`;
  log(`  ${f.name.padEnd(14)} ${fmtInt(r.decidedPerSec).padStart(8)} decided/s  ${fmtInt(r.decided)} of ${fmtInt(r.attempts)} in ${(r.elapsedMs / 1000).toFixed(1)} s` +
    `  2xx ${fmtInt(r.accepted)}  refused {${counts(r.refused)}}  p50 ${fmtMs(r.latency.p50Ms)} ms  p99 ${fmtMs(r.latency.p99Ms)} ms` +
    `  server ${fmtCores(f.serverCores)} cores (main ${fmtCores(f.serverMainCores)})  load ${fmtCores(f.loadCores)}  bench ${fmtCores(f.benchCores)}  machine ${fmtCores(f.machineCores)}${errors}`);
}

function median(xs: Array<number | null>): number | null {
  const sorted = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface MedianRow {
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

function medians(runs: RunFigures[]): MedianRow[] {
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

function printMedians(settings: Settings, runs: RunFigures[], rows: MedianRow[]): void {
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

async function main(): Promise<void> {
  const settings = parseSettings();
  const cleanup = new Set<() => void>();
  process.on('exit', () => cleanup.forEach((fn) => fn()));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
  if (settings.profileDir !== undefined) fs.mkdirSync(settings.profileDir, { recursive: true });
  log(`show ${SHOW_ID}; ga: at most ${fmtInt(gaAttemptsMax(settings.shape))} requests (the show's bound of ${fmtInt(DEFAULT_INVENTORY_LIMITS.holdsPerShowMax)} holds at once) or ${settings.durationMs / 1000} s`);
  const runs: RunFigures[] = [];
  for (let run = 1; run <= settings.runs; run++) runs.push(await runOnce(settings, run, cleanup));
  const rows = medians(runs);
  printMedians(settings, runs, rows);
  if (settings.jsonFile !== undefined) {
    fs.writeFileSync(settings.jsonFile, `${JSON.stringify({ node: process.version, settings: { ...settings, only: [...settings.only] }, medians: rows, runs }, null, 2)}\n`);
    log(`figures written to ${settings.jsonFile}`);
  }
}

await main();
