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
 * The load uses a minimal raw HTTP/1.1 client by default (`--client node-http` for `http.request`, which costs the
 * load process about three times the CPU per request on this 2-core machine it shares with the server). The server's
 * log (an access line per request) goes to `<data-dir>/server-stderr.log`, not through this process.
 *
 *   npm run bench:booking-http -- [--runs 3] [--duration 10] [--connections 32] [--customers 200]
 *     [--ga-places 400000] [--rows 40] [--seats-per-row 50] [--only ga,together] [--client raw|node-http]
 *     [--server-arg=--log-level --server-arg=warn] [--profile DIR] [--json FILE]
 *
 * `--profile DIR` runs the server under `node --cpu-prof --cpu-prof-dir DIR` and writes when each scenario ran to
 * `DIR/booking-http-windows.json`; read one scenario's share of the profile with
 * `node --import tsx bench/booking-http-profile.ts DIR/*.cpuprofile --windows DIR/booking-http-windows.json --scenario ga`.
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
import { intFlag } from '../src/cli/flags.ts';
import { withTimeout } from '../src/platform/with-timeout.ts';
import type { LoadJob, LoadMessage, LoadResult, OrchestratorMessage } from './booking-http-load.ts';
import type { ProfileWindow } from './booking-http-profile.ts';
import {
  CUSTOMER_PREFIX, FILL_QUANTITY, fillPlaces, gaBodies, putCustomers, putShow, SHOW_ID, soldOutBodies, startServer,
  stopProcess, togetherBodies, type RunningServer, type ShowShape,
} from './booking-http-setup.ts';
import { fmtInt, log, medians, printMedians, printScenario, type RunFigures, type ScenarioFigures } from './booking-http-report.ts';
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
  // The CLI's own flag reader: an integer in range, or a UsageError naming the flag.
  const int = (name: keyof typeof values, fallback: number, min: number, max: number): number => intFlag({ [name]: values[name] as string | undefined }, name, fallback, min, max);
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

/** When each scenario ran, on the profiles' clock (written next to them with `--profile`). */
const windows: ProfileWindow[] = [];
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function measure(load: LoadProcess, server: RunningServer, job: LoadJob, run: number): Promise<ScenarioFigures> {
  const pid = server.process.pid!;
  const fromUs = monotonicUs();
  const before = { server: readProc(pid), machine: readMachine(), bench: process.cpuUsage() };
  const result = await load.run(job);
  const after = { server: readProc(pid), machine: readMachine(), bench: process.cpuUsage(before.bench) };
  windows.push({ run, name: job.name, fromUs, toUs: monotonicUs() });
  const figures: ScenarioFigures = {
    name: job.name,
    result,
    serverCores: coresBetween(before.server, after.server),
    serverMainCores: coresBetween(before.server, after.server, true),
    loadCores: result.cpuMs / Math.max(result.elapsedMs, 1),
    benchCores: (after.bench.user + after.bench.system) / 1000 / Math.max(result.elapsedMs, 1),
    machineCores: machineCoresBetween(before.machine, after.machine),
    iowaitCores: before.machine === undefined || after.machine === undefined
      ? null
      : (after.machine.iowaitS - before.machine.iowaitS) / ((after.machine.atMs - before.machine.atMs) / 1000),
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
  if (only.has('http.health')) scenarios.push(await measure(load, server, getJob(server, settings, 'http.health', '/health', null), run));
  if (only.has('http.customer')) scenarios.push(await measure(load, server, getJob(server, settings, 'http.customer', `/v1/customers/${CUSTOMER_PREFIX}1`, server.admin), run));
  const ga = gaBodies(shape, customers, run);
  if (only.has('ga')) {
    await measure(load, server, bookingJob(server, settings, 'ga (warm-up)', ga, WARMUP_ATTEMPTS, WARMUP_MS), run);
    scenarios.push(await measure(load, server, bookingJob(server, settings, 'ga', ga, gaAttemptsMax(shape), durationMs), run));
  }
  if (only.has('together')) {
    scenarios.push(await measure(load, server, bookingJob(server, settings, 'together', togetherBodies(customers, run), REFUSALS_MAX, durationMs), run));
  }
  if (!only.has('sold-out')) return { scenarios };
  const started = performance.now();
  const fill = await fillPlaces(server.url, server.admin);
  const fillMs = performance.now() - started;
  log(`  fill: ${fill.holds} holds of up to ${FILL_QUANTITY} places in ${fillMs.toFixed(0)} ms; left ${JSON.stringify(fill.left)}`);
  scenarios.push(await measure(load, server, bookingJob(server, settings, 'sold-out', soldOutBodies(shape, customers, run), REFUSALS_MAX, durationMs), run));
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
  if (settings.profileDir !== undefined) {
    const file = path.join(settings.profileDir, 'booking-http-windows.json');
    fs.writeFileSync(file, `${JSON.stringify(windows, null, 2)}\n`);
    log(`profiles in ${settings.profileDir}; each scenario alone: node --import tsx bench/booking-http-profile.ts ${settings.profileDir}/*.cpuprofile --windows ${file} --scenario ga`);
  }
  if (settings.jsonFile !== undefined) {
    fs.writeFileSync(settings.jsonFile, `${JSON.stringify({ node: process.version, settings: { ...settings, only: [...settings.only] }, medians: rows, runs }, null, 2)}\n`);
    log(`figures written to ${settings.jsonFile}`);
  }
}

await main();
