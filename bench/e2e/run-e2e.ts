/**
 * `npm run bench:e2e [-- flags]`: the end-to-end benchmark. Starts the real binary (`bin/ticketd.js serve --demo`
 * on a free port and a fresh data dir, nothing else: the admin token the load uses is not rate limited by default),
 * creates `--customers` rich customers, and runs the load from a separate process (load-worker.ts) over loopback:
 * one SSE stream per customer, batches of taps POSTed paced to `--rate` or flat out. Reports taps/s decided (in 200
 * answers, each tap's outcome in them) and notified (its one SSE event), POST-to-SSE-frame latency (p50, p99,
 * p99.9), POST-to-200 latency, the server's RSS and CPU (sampled from /proc every second), start-to-ready time, and
 * the load process's own CPU. Writes `<out>/report.json`, `<out>/report.md` and `<out>/report.svg`.
 *
 *   npm run bench:e2e -- [--duration 30] [--rate 0] [--customers 1000] [--signed 0] [--batch 500]
 *                        [--concurrency 8] [--workers N] [--out bench/e2e/report] [--latency-at-half]
 *
 * `--latency-at-half` runs twice on fresh servers: flat out, then paced to half the first run's sustained rate (the
 * lower of its sustained decided and notified rates), for "p99 POST-to-SSE latency at half the maximum sustained rate".
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import type { LoadConfig, LoadSecond, LoadTotals, WorkerMessage } from './e2e-protocol.ts';
import type { LatencySummary } from './latency-histogram.ts';
import { coresBetween, machineCoresBetween, readMachine, readProc, type MachineReading, type ProcReading } from './proc-sampler.ts';
import { renderReportSvg, type RunChart } from './svg-chart.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = path.join(ROOT, 'bin/ticketd.js');
const WORKER = path.join(HERE, 'load-worker.ts');

const LISTEN_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 30_000;
const SETUP_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;
const OUTPUT_TAIL_CHARS = 16_384;
const CUSTOMER_BALANCE = 100_000_000; // the API's AMOUNT_MAX: 1,000,000.00 EUR, ≥ 40,000 taps at the dearest ride
const CUSTOMER_PREFIX = 'e2e-c-';
const PUT_CONCURRENCY = 16;
/** Ceiling of a flat-out run's taps per second, to size the load's bookkeeping (it stops sending beyond it). */
const FLAT_OUT_TAPS_PER_S_MAX = 250_000;

// ---- flags ---------------------------------------------------------------------------------------------------

const USAGE = `Usage: npm run bench:e2e -- [flags]
  --duration S          seconds of load (default 30)
  --rate N              target taps/s; 0 = as fast as the server answers (default 0)
  --customers N         customers, each with its own SSE stream (default 1000)
  --signed F            fraction 0..1 of taps sent by gate-s1 with an Ed25519 signature (default 0)
  --batch N             taps per POST, 1..1000 (default 500)
  --concurrency N       POSTs in flight at most (default 8)
  --workers N           passed to 'ticketd serve --workers' (default: the server's own)
  --profile DIR         run the server under 'node --cpu-prof --cpu-prof-dir DIR' (read the .cpuprofile it writes
                        at exit with bench/cpuprofile-summary.ts)
  --presign N           sign the signed taps among the first N before the load starts, so the load process
                        does not sign during it (default 0: sign as the taps are sent)
  --warmup S            seconds left out of the sustained figures (default 3)
  --drain-timeout S     longest wait for outstanding notifications after the load (default 30)
  --out DIR             where report.json, report.md and report.svg go (default bench/e2e/report)
  --latency-at-half     two runs: flat out, then at half its sustained rate (the lower of decided and notified)
`;

const FLAGS = {
  duration: { type: 'string' },
  rate: { type: 'string' },
  customers: { type: 'string' },
  signed: { type: 'string' },
  batch: { type: 'string' },
  concurrency: { type: 'string' },
  workers: { type: 'string' },
  profile: { type: 'string' },
  warmup: { type: 'string' },
  presign: { type: 'string' },
  'drain-timeout': { type: 'string' },
  out: { type: 'string' },
  'latency-at-half': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseFlags() {
  try {
    return parseArgs({ options: FLAGS, strict: true }).values;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}
const flags = parseFlags();
if (flags.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function numberFlag(name: keyof typeof flags, fallback: number, min: number, max: number, integer = true): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    process.stderr.write(`--${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got '${String(raw)}'\n\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

interface Settings {
  durationS: number;
  rate: number;
  customers: number;
  signedFraction: number;
  batch: number;
  concurrency: number;
  workers: number | undefined;
  warmupS: number;
  drainTimeoutS: number;
  presign: number;
}

const settings: Settings = {
  durationS: numberFlag('duration', 30, 1, 3_600),
  rate: numberFlag('rate', 0, 0, 10_000_000),
  customers: numberFlag('customers', 1_000, 1, 50_000),
  signedFraction: numberFlag('signed', 0, 0, 1, false),
  batch: numberFlag('batch', 500, 1, 1_000),
  concurrency: numberFlag('concurrency', 8, 1, 1_024),
  workers: flags.workers === undefined ? undefined : numberFlag('workers', 0, 0, 64),
  warmupS: numberFlag('warmup', 3, 0, 600),
  drainTimeoutS: numberFlag('drain-timeout', 30, 1, 600),
  presign: numberFlag('presign', 0, 0, 5_000_000),
};
const outDir = path.resolve(ROOT, flags.out ?? 'bench/e2e/report');
const latencyAtHalf = flags['latency-at-half'] === true;

// ---- cleanup: whatever happens, the server and the load process die and the temp dirs go ---------------------

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function cleanupNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
process.on('exit', cleanupNow);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: stopping the server and the load, removing the temp dir\n`);
    cleanupNow();
    process.exit(code);
  });
}

// ---- small helpers -------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mean(xs: number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function maxOf(xs: number[]): number | null {
  return xs.length === 0 ? null : Math.max(...xs);
}

function tail(): { push(chunk: Buffer): void; text: () => string } {
  let text = '';
  return {
    push(chunk) {
      text += chunk.toString();
      if (text.length > OUTPUT_TAIL_CHARS) text = text.slice(-OUTPUT_TAIL_CHARS);
    },
    text: () => text,
  };
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', timeout: 5_000 }).trim();
  } catch {
    return undefined;
  }
}

// ---- one run -------------------------------------------------------------------------------------------------

interface SecondRow extends LoadSecond {
  serverRssMb: number | null;
  serverCores: number | null;
  /** The server's main thread (event loop) alone; the rest of serverCores is the pool's threads, GC and libuv. */
  serverMainCores: number | null;
  loadCores: number | null;
  /** The whole machine's busy cores, and what is left of them once the server and the load are taken out. */
  machineCores: number | null;
  otherCores: number | null;
  /** Cores of the machine idle while waiting for disk I/O. */
  iowaitCores: number | null;
}

interface RunResult {
  label: string;
  targetRate: number;
  serverArgs: string[];
  startup: { listeningMs: number; readyMs: number; cpuS: number | null };
  setup: { customersMs: number; sseConnectMs: number };
  rss: { idleMb: number | null; subscribedMb: number | null; maxMb: number | null; endMb: number | null };
  serverCpu: {
    medianCores: number | null;
    mainThreadMedianCores: number | null;
    maxCores: number | null;
    cpuS: number | null;
    mainThreadCpuS: number | null;
    threads: number | null;
  };
  loadCpu: { medianCores: number | null; cpuS: number; signingWallS: number; presignedTaps: number; presignS: number };
  orchestratorCpuS: number;
  /** Median busy cores of the whole machine during the steady load, and of processes other than server and load. */
  machineCpu: { medianCores: number | null; otherMedianCores: number | null; iowaitMedianCores: number | null; loadAverageBefore: number[] };
  throughput: {
    decidedSustained: number | null;
    decidedMean: number;
    decidedSteadyMean: number | null;
    notifiedSustained: number | null;
    notifiedMean: number;
    notifiedSteadyMean: number | null;
    sentMean: number;
  };
  latency: LatencySummary;
  latencySteady: LatencySummary;
  postLatency: LatencySummary;
  totals: LoadTotals;
  shutdown: { ms: number; exitCode: number | null; signal: string | null };
  seconds: SecondRow[];
}

async function startServer(dataDir: string, serverArgs: string[]) {
  const spawnedAt = performance.now();
  const nodeArgs = flags.profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', path.resolve(flags.profile)];
  const server = spawn(process.execPath, [...nodeArgs, BIN, ...serverArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(server);
  const out = tail();
  const err = tail();
  server.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const url = await withTimeout(
    new Promise<string>((resolve, reject) => {
      let seen = '';
      server.stdout.on('data', (chunk: Buffer) => {
        out.push(chunk);
        if (seen.length < 4_096) seen += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(seen);
        if (match) resolve(match[1]!);
      });
      server.once('exit', (code) => reject(new Error(`ticketd exited with ${code} before it listened: ${err.text()}`)));
    }),
    { timeoutMs: LISTEN_TIMEOUT_MS, what: 'ticketd start' },
  );
  const listeningMs = performance.now() - spawnedAt;
  const readyDeadline = performance.now() + READY_TIMEOUT_MS;
  let readyMs: number | undefined;
  while (performance.now() < readyDeadline) {
    try {
      const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) {
        readyMs = performance.now() - spawnedAt;
        break;
      }
    } catch {
      // not yet
    }
    await sleep(5);
  }
  if (readyMs === undefined) throw new Error(`/ready did not answer 200 within ${READY_TIMEOUT_MS} ms`);
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as {
    admin: string;
    signingKeys?: Record<string, string>;
  };
  return { server, url, listeningMs, readyMs, credentials, stderr: err.text };
}

async function createCustomers(url: string, admin: string, count: number): Promise<void> {
  let next = 1;
  const putOne = async (): Promise<void> => {
    while (next <= count) {
      const c = next++;
      const response = await fetch(`${url}/v1/customers/${CUSTOMER_PREFIX}${c}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `E2E ${c}`, tier: 'standard', balance: CUSTOMER_BALANCE }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (response.status !== 200 && response.status !== 201) throw new Error(`PUT customer ${c}: ${response.status} ${text}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, count) }, putOne));
}

async function stopServer(server: ChildProcess): Promise<{ ms: number; exitCode: number | null; signal: string | null }> {
  const started = performance.now();
  if (server.exitCode !== null || server.signalCode !== null) return { ms: 0, exitCode: server.exitCode, signal: server.signalCode };
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  const clean = await withTimeout(exited, { timeoutMs: STOP_TIMEOUT_MS, what: 'SIGTERM of ticketd' }).then(() => true, () => false);
  if (!clean) {
    server.kill('SIGKILL');
    await withTimeout(exited, { timeoutMs: 5_000, what: 'SIGKILL of ticketd' }).catch(() => undefined);
  }
  children.delete(server);
  return { ms: performance.now() - started, exitCode: server.exitCode, signal: server.signalCode };
}

async function runOnce(label: string, rate: number): Promise<RunResult> {
  const cpuStart = process.cpuUsage();
  const loadAverageBefore = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-e2e-'));
  tempDirs.add(dataDir);
  const serverArgs = ['serve', '--demo', '--port', '0', '--data-dir', dataDir];
  if (settings.workers !== undefined) serverArgs.push('--workers', String(settings.workers));
  log(`[${label}] starting: node bin/ticketd.js ${serverArgs.join(' ')}`);
  const { server, url, listeningMs, readyMs, credentials, stderr } = await startServer(dataDir, serverArgs);
  const pid = server.pid!;
  const atReady = readProc(pid);
  log(`[${label}] ready in ${readyMs.toFixed(0)} ms (listening after ${listeningMs.toFixed(0)} ms), RSS ${atReady?.rssMb.toFixed(1)} MB`);

  let worker: ChildProcess | undefined;
  try {
    const setupStarted = performance.now();
    await withTimeout(createCustomers(url, credentials.admin, settings.customers), { timeoutMs: SETUP_TIMEOUT_MS, what: 'creating the customers' });
    const customersMs = performance.now() - setupStarted;
    log(`[${label}] ${settings.customers} customers created in ${customersMs.toFixed(0)} ms`);

    const signingKeyPem = credentials.signingKeys?.['gate-s1'];
    if (settings.signedFraction > 0 && signingKeyPem === undefined) throw new Error('demo-credentials.json has no signing key for gate-s1');
    const config: LoadConfig = {
      url,
      adminToken: credentials.admin,
      signingKeyPem,
      customerPrefix: CUSTOMER_PREFIX,
      customers: settings.customers,
      rate,
      durationS: settings.durationS,
      batch: settings.batch,
      concurrency: settings.concurrency,
      signedFraction: settings.signedFraction,
      warmupS: settings.warmupS,
      drainTimeoutS: settings.drainTimeoutS,
      connectTimeoutS: 60,
      presign: settings.presign,
      maxTaps: rate > 0
        ? Math.ceil(rate * settings.durationS) + settings.batch
        : Math.min(100_000_000, FLAT_OUT_TAPS_PER_S_MAX * settings.durationS),
    };
    const w = spawn(process.execPath, ['--import', 'tsx', WORKER], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    worker = w;
    children.add(w);
    w.send(config);

    const seconds: LoadSecond[] = [];
    const samples = new Map<number, { server: ProcReading | undefined; load: ProcReading | undefined; machine: MachineReading | undefined }>();
    let subscribed: ProcReading | undefined;
    let sseConnectMs = 0;
    let sampling = false;
    let samplerDone: Promise<void> = Promise.resolve();
    const startSampler = () => {
      sampling = true;
      const t0 = performance.now();
      samples.set(0, { server: readProc(pid), load: readProc(w.pid!), machine: readMachine() });
      samplerDone = (async () => {
        for (let k = 1; sampling; k++) {
          await sleep(Math.max(0, t0 + k * 1000 - performance.now()));
          if (!sampling) break;
          samples.set(k, { server: readProc(pid), load: readProc(w.pid!), machine: readMachine() });
        }
      })();
    };
    // Connecting, presigning (at most ~200 µs a tap), the load, the drain, and a minute to spare.
    const totalBudgetMs = 60_000 + (settings.durationS + settings.drainTimeoutS + 60) * 1000 + settings.presign / 5;
    const totals = await withTimeout(
      new Promise<LoadTotals>((resolve, reject) => {
        w.on('message', (raw) => {
          const message = raw as WorkerMessage;
          switch (message.type) {
            case 'connected':
              sseConnectMs = message.connectMs;
              subscribed = readProc(pid);
              log(`[${label}] ${message.streams} SSE streams open in ${message.connectMs.toFixed(0)} ms, RSS ${subscribed?.rssMb.toFixed(1)} MB; load for ${settings.durationS} s at ${rate === 0 ? 'full speed' : `${rate} taps/s`}`);
              break;
            case 'started':
              startSampler();
              break;
            case 'second': {
              const s = message.data;
              seconds.push(s);
              const rss = readProc(pid)?.rssMb;
              log(`[${label}] ${String(s.second).padStart(3)} s ${s.phase === 'drain' ? 'drain' : 'load '} decided ${String(s.decided).padStart(6)}/s  notified ${String(s.notified).padStart(6)}/s  p50 ${fmtMs(s.p50Ms)}  p99 ${fmtMs(s.p99Ms)}  POST→200 ${fmtMs(s.postMeanMs)}  in flight ${s.inFlightTaps}  RSS ${rss?.toFixed(0)} MB${s.non200 + s.errors > 0 ? `  non-200 ${s.non200} errors ${s.errors}` : ''}`);
              break;
            }
            case 'done':
              resolve(message.totals);
              break;
            case 'failed':
              reject(new Error(`load process failed: ${message.message}`));
              break;
          }
        });
        w.once('exit', (code, signal) => reject(new Error(`load process exited (${code ?? signal}) before reporting`)));
      }),
      { timeoutMs: totalBudgetMs, what: 'the load' },
    );
    sampling = false;
    await samplerDone;
    const atEnd = readProc(pid);
    await withTimeout(new Promise<void>((resolve) => (w.exitCode !== null ? resolve() : w.once('exit', () => resolve()))), { timeoutMs: 10_000, what: 'load process exit' }).catch(() => w.kill('SIGKILL'));
    children.delete(w);
    const shutdown = await stopServer(server);
    log(`[${label}] server stopped in ${shutdown.ms.toFixed(0)} ms (exit ${shutdown.exitCode ?? shutdown.signal})`);
    if (shutdown.exitCode !== 0) log(`[${label}] server stderr tail:\n${stderr().slice(-2_000)}`);

    const rows: SecondRow[] = seconds.map((s) => {
      const a = samples.get(s.second - 1);
      const b = samples.get(s.second);
      const serverCores = coresBetween(a?.server, b?.server);
      const loadCores = coresBetween(a?.load, b?.load);
      const machineCores = machineCoresBetween(a?.machine, b?.machine);
      const otherCores = machineCores === null || serverCores === null || loadCores === null ? null : Math.max(0, machineCores - serverCores - loadCores);
      const serverMainCores = coresBetween(a?.server, b?.server, true);
      const am = a?.machine;
      const bm = b?.machine;
      const iowaitCores = am === undefined || bm === undefined || bm.atMs <= am.atMs ? null : (bm.iowaitS - am.iowaitS) / ((bm.atMs - am.atMs) / 1000);
      return { ...s, serverRssMb: b?.server?.rssMb ?? null, serverCores, serverMainCores, loadCores, machineCores, otherCores, iowaitCores };
    });
    const loadRows = rows.filter((r) => r.phase === 'load');
    const steadyRows = loadRows.filter((r) => r.second > settings.warmupS);
    const steady = steadyRows.length > 0 ? steadyRows : loadRows;
    const nums = (xs: Array<number | null>) => xs.filter((x): x is number => x !== null);
    const rssSeen = nums([...samples.values()].map((s) => s.server?.rssMb ?? null));
    const cpu = process.cpuUsage(cpuStart);
    return {
      label,
      targetRate: rate,
      serverArgs: serverArgs.map((a) => (a === dataDir ? '<tmp>' : a)),
      startup: { listeningMs, readyMs, cpuS: atReady?.cpuS ?? null },
      setup: { customersMs, sseConnectMs },
      rss: { idleMb: atReady?.rssMb ?? null, subscribedMb: subscribed?.rssMb ?? null, maxMb: maxOf(rssSeen), endMb: atEnd?.rssMb ?? null },
      serverCpu: {
        medianCores: median(nums(steady.map((r) => r.serverCores))),
        mainThreadMedianCores: median(nums(steady.map((r) => r.serverMainCores))),
        maxCores: maxOf(nums(rows.map((r) => r.serverCores))),
        cpuS: atEnd !== undefined && subscribed !== undefined ? atEnd.cpuS - subscribed.cpuS : null,
        mainThreadCpuS: atEnd !== undefined && subscribed !== undefined ? atEnd.mainCpuS - subscribed.mainCpuS : null,
        threads: atEnd?.threads ?? null,
      },
      loadCpu: {
        medianCores: median(nums(steady.map((r) => r.loadCores))),
        cpuS: (totals.loadCpuUserMs + totals.loadCpuSystemMs) / 1000,
        signingWallS: totals.signingMs / 1000,
        presignedTaps: totals.presignedTaps,
        presignS: totals.presignMs / 1000,
      },
      orchestratorCpuS: (cpu.user + cpu.system) / 1e6,
      machineCpu: {
        medianCores: median(nums(steady.map((r) => r.machineCores))),
        otherMedianCores: median(nums(steady.map((r) => r.otherCores))),
        iowaitMedianCores: median(nums(steady.map((r) => r.iowaitCores))),
        loadAverageBefore,
      },
      throughput: {
        decidedSustained: median(steady.map((r) => r.decided)),
        decidedMean: totals.lastDecidedMs > 0 ? totals.decidedTaps / (totals.lastDecidedMs / 1000) : 0,
        notifiedSustained: median(steady.map((r) => r.notified)),
        decidedSteadyMean: mean(steady.map((r) => r.decided)),
        notifiedSteadyMean: mean(steady.map((r) => r.notified)),
        notifiedMean: totals.lastNotificationMs > 0 ? totals.notifiedTaps / (totals.lastNotificationMs / 1000) : 0,
        sentMean: totals.sentTaps / (totals.loadMs / 1000),
      },
      latency: totals.latency,
      latencySteady: totals.latencySteady,
      postLatency: totals.postLatency,
      totals,
      shutdown,
      seconds: rows,
    };
  } finally {
    if (worker !== undefined && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    if (worker !== undefined) children.delete(worker);
    if (server.exitCode === null && server.signalCode === null) await stopServer(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
    tempDirs.delete(dataDir);
  }
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// ---- report --------------------------------------------------------------------------------------------------

function fmtMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

function fmtInt(n: number | null): string {
  return n === null ? '—' : Math.round(n).toLocaleString('en-US');
}

function fmtNum(n: number | null, digits: number): string {
  return n === null ? '—' : n.toFixed(digits);
}

function runTitle(run: RunResult, index: number): string {
  return `run ${index + 1}: ${run.label}`;
}

function markdown(runs: RunResult[], command: string, machine: Machine): string {
  const cols = runs.map(runTitle);
  const row = (name: string, cell: (r: RunResult) => string) => `| ${name} | ${runs.map(cell).join(' | ')} |`;
  const lines: string[] = [];
  lines.push('# ticketd end to end: taps over HTTP, notifications over SSE');
  lines.push('');
  lines.push(`${new Date().toISOString()} · ${machine.cpus} × ${machine.cpuModel} · ${machine.memoryGb} GB · node ${machine.node} · commit ${machine.commit ?? '?'}`);
  lines.push('');
  lines.push('```sh');
  lines.push(command);
  lines.push('```');
  lines.push('');
  lines.push(`The server is the real binary, \`node bin/ticketd.js ${runs[0]!.serverArgs.join(' ')}\`, on a fresh data dir per run. The load is a separate`);
  lines.push(`node process on the same machine over loopback: ${settings.customers} customers (each with 1,000,000.00 EUR), one SSE stream per`);
  lines.push(`customer (admin token), batches of ${settings.batch} taps (customers round-robin, rides of the demo park, \`tappedAt\` now,`);
  lines.push(`${settings.signedFraction > 0 ? `${(settings.signedFraction * 100).toFixed(0)} % signed by gate-s1 (Ed25519, signed in the load process ${settings.presign > 0 ? `before the load for the first ${settings.presign.toLocaleString('en-US')} taps, then as they are sent` : 'as they are sent'})` : 'unsigned, gates 1–4'}), at most ${settings.concurrency} POSTs in flight; a batch refused with 429 is sent again unchanged after 20 ms, doubling to at most 640 ms while refused. Latency is per tap,`);
  lines.push('from writing the POST (answered 200 with each tap\'s outcome) to receiving the tap\'s one `ticket.issued`/`ticket.rejected` frame, on the load process\'s clock;');
  lines.push(`every tap is recorded (log-linear histogram, ±1.6 %). Sustained = median of the per-second values after a ${settings.warmupS} s`);
  lines.push('warm-up; mean = all taps over the time to the last one. CPU "cores" = CPU seconds per wall second (from /proc).');
  lines.push('');
  lines.push(`| | ${cols.join(' | ')} |`);
  lines.push(`|---|${runs.map(() => '---:').join('|')}|`);
  lines.push(row('target rate', (r) => (r.targetRate === 0 ? 'flat out' : `${fmtInt(r.targetRate)} taps/s`)));
  lines.push(row('**taps/s decided** (200 with outcomes), sustained', (r) => `**${fmtInt(r.throughput.decidedSustained)}**`));
  lines.push(row('taps/s decided, mean of the seconds after warm-up / of the whole run', (r) => `${fmtInt(r.throughput.decidedSteadyMean)} / ${fmtInt(r.throughput.decidedMean)}`));
  lines.push(row('**taps/s notified** (SSE), sustained', (r) => `**${fmtInt(r.throughput.notifiedSustained)}**`));
  lines.push(row('taps/s notified, mean of the seconds after warm-up / of the whole run', (r) => `${fmtInt(r.throughput.notifiedSteadyMean)} / ${fmtInt(r.throughput.notifiedMean)}`));
  lines.push(row('**POST→SSE latency p50** (after warm-up)', (r) => `**${fmtMs(r.latencySteady.p50Ms)}**`));
  lines.push(row('**p99**', (r) => `**${fmtMs(r.latencySteady.p99Ms)}**`));
  lines.push(row('**p99.9**', (r) => `**${fmtMs(r.latencySteady.p999Ms)}**`));
  lines.push(row('max', (r) => fmtMs(r.latencySteady.maxMs)));
  lines.push(row('p50 / p99 / p99.9, all taps', (r) => `${fmtMs(r.latency.p50Ms)} / ${fmtMs(r.latency.p99Ms)} / ${fmtMs(r.latency.p999Ms)}`));
  lines.push(row('POST→200 (every tap decided) per request, p50 / p99', (r) => `${fmtMs(r.postLatency.p50Ms)} / ${fmtMs(r.postLatency.p99Ms)}`));
  lines.push(row('taps POSTed (resends included) / decided / notified', (r) => `${fmtInt(r.totals.sentTaps)} / ${fmtInt(r.totals.decidedTaps)} / ${fmtInt(r.totals.notifiedTaps)}`));
  lines.push(row('answered issued / rejected / failed / duplicate / conflict', (r) => Object.values(r.totals.answers).map(fmtInt).join(' / ')));
  lines.push(row('notified rejected / never notified / duplicate frames', (r) => `${fmtInt(r.totals.rejectedNotifications)} / ${fmtInt(r.totals.unnotifiedTaps)} / ${fmtInt(r.totals.duplicateNotifications)}`));
  lines.push(row('non-200 answers (batches resent after 429) / request errors', (r) => `${Object.entries(r.totals.statusCounts).map(([s, n]) => `${n}×${s}`).join(', ') || '0'} (${fmtInt(r.totals.retries)}) / ${r.totals.errors}`));
  lines.push(row('SSE streams / reconnects / lost', (r) => `${fmtInt(r.totals.sseStreams)} / ${r.totals.sseReconnects} / ${r.totals.sseFailedStreams}`));
  lines.push(row('drain after the load (last notification)', (r) => `${fmtInt(r.totals.drainMs)} ms`));
  lines.push(row('**start to ready** (spawn → /ready 200)', (r) => `**${fmtInt(r.startup.readyMs)} ms**`));
  lines.push(row('spawn → "listening" line', (r) => `${fmtInt(r.startup.listeningMs)} ms`));
  lines.push(row('**RSS idle** (at ready)', (r) => `**${fmtNum(r.rss.idleMb, 1)} MB**`));
  lines.push(row('RSS with customers and SSE streams open', (r) => `${fmtNum(r.rss.subscribedMb, 1)} MB`));
  lines.push(row('**RSS max** (during the load)', (r) => `**${fmtNum(r.rss.maxMb, 1)} MB**`));
  lines.push(row('**server CPU, cores** (median / max)', (r) => `**${fmtNum(r.serverCpu.medianCores, 2)}** / ${fmtNum(r.serverCpu.maxCores, 2)}`));
  lines.push(row('of it the main thread (event loop), median', (r) => fmtNum(r.serverCpu.mainThreadMedianCores, 2)));
  lines.push(row('**load process CPU, cores** (median)', (r) => `**${fmtNum(r.loadCpu.medianCores, 2)}**`));
  lines.push(row('CPU seconds: server (main thread) / load / orchestrator', (r) => `${fmtNum(r.serverCpu.cpuS, 1)} (${fmtNum(r.serverCpu.mainThreadCpuS, 1)}) / ${fmtNum(r.loadCpu.cpuS, 1)} / ${fmtNum(r.orchestratorCpuS, 1)}`));
  if (settings.signedFraction > 0) {
    lines.push(row('signing in the load process: wall s during the load / taps presigned before it (s)', (r) => `${fmtNum(r.loadCpu.signingWallS, 1)} / ${fmtInt(r.loadCpu.presignedTaps)} (${fmtNum(r.loadCpu.presignS, 1)})`));
  }
  lines.push(row('whole machine busy, cores (median) / of it other processes', (r) => `${fmtNum(r.machineCpu.medianCores, 2)} / ${fmtNum(r.machineCpu.otherMedianCores, 2)}`));
  lines.push(row('machine idle in I/O wait, cores (median)', (r) => fmtNum(r.machineCpu.iowaitMedianCores, 2)));
  lines.push(row('load average before the run (1/5/15 min)', (r) => r.machineCpu.loadAverageBefore.join(' / ')));
  lines.push(row('server threads', (r) => fmtInt(r.serverCpu.threads)));
  lines.push(row('graceful stop (SIGTERM → exit)', (r) => `${fmtInt(r.shutdown.ms)} ms, exit ${r.shutdown.exitCode ?? r.shutdown.signal}`));
  lines.push('');
  const cores = Number(machine.cpus);
  for (const [i, r] of runs.entries()) {
    const s = r.serverCpu.medianCores ?? 0;
    const l = r.loadCpu.medianCores ?? 0;
    const other = r.machineCpu.otherMedianCores ?? 0;
    const main = r.serverCpu.mainThreadMedianCores ?? 0;
    lines.push(`Run ${i + 1}: the server used ${s.toFixed(2)} cores (its main thread ${main.toFixed(2)}, the other threads ${(s - main).toFixed(2)}) and the load process ${l.toFixed(2)} of the machine's ${cores} cores (${(((s + l) / cores) * 100).toFixed(0)} % together); the load process shares the cores, so the server's figures are a floor.${other >= 0.15 ? ` **Other processes kept ${other.toFixed(2)} cores busy during this run: its figures are disturbed.**` : ''}`);
  }
  if (runs.length === 2 && runs[1]!.targetRate > 0) {
    lines.push('');
    const full = runs[0]!.throughput;
    lines.push(`**p99 POST-to-SSE latency at half the maximum sustained rate** (${fmtInt(runs[1]!.targetRate)} taps/s, half of run 1's ${fmtInt(Math.min(full.decidedSustained ?? 0, full.notifiedSustained ?? 0))}, the lower of its sustained decided and notified rates): **${fmtMs(runs[1]!.latencySteady.p99Ms)}** (p50 ${fmtMs(runs[1]!.latencySteady.p50Ms)}, p99.9 ${fmtMs(runs[1]!.latencySteady.p999Ms)}).`);
  }
  lines.push('');
  lines.push('Per-second figures are in `report.json` (`runs[].seconds`); the chart is `report.svg`.');
  lines.push('');
  return lines.join('\n');
}

function charts(runs: RunResult[]): RunChart[] {
  return runs.map((r, i) => ({
    title: runTitle(r, i),
    subtitle: `${settings.customers} SSE subscribers · batch ${settings.batch} · concurrency ${settings.concurrency} · signed ${settings.signedFraction} · sustained decided ${fmtInt(r.throughput.decidedSustained)}/s, notified ${fmtInt(r.throughput.notifiedSustained)}/s · p99 ${fmtMs(r.latencySteady.p99Ms)}`,
    loadEndS: settings.durationS,
    throughput: [
      ...(r.targetRate > 0 ? [{ name: 'sent', color: '#9e9e9e', dashed: true, points: r.seconds.map((s) => [s.second, s.sent] as [number, number]) }] : []),
      { name: 'decided (200)', color: '#1f77b4', points: r.seconds.map((s) => [s.second, s.decided] as [number, number]) },
      { name: 'notified (SSE)', color: '#ff7f0e', points: r.seconds.map((s) => [s.second, s.notified] as [number, number]) },
    ],
    latency: [
      { name: 'p50', color: '#2ca02c', points: r.seconds.map((s) => [s.second, s.p50Ms] as [number, number | null]) },
      { name: 'p99', color: '#d62728', points: r.seconds.map((s) => [s.second, s.p99Ms] as [number, number | null]) },
    ],
    cpu: [
      { name: 'server', color: '#1f77b4', points: r.seconds.map((s) => [s.second, s.serverCores] as [number, number | null]) },
      { name: 'server main thread', color: '#17becf', dashed: true, points: r.seconds.map((s) => [s.second, s.serverMainCores] as [number, number | null]) },
      { name: 'load process', color: '#9467bd', points: r.seconds.map((s) => [s.second, s.loadCores] as [number, number | null]) },
      { name: 'other processes', color: '#8c564b', dashed: true, points: r.seconds.map((s) => [s.second, s.otherCores] as [number, number | null]) },
      { name: 'I/O wait (machine)', color: '#e377c2', dashed: true, points: r.seconds.map((s) => [s.second, s.iowaitCores] as [number, number | null]) },
    ],
  }));
}

// ---- main ----------------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const command = `npm run bench:e2e${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  commit: string | undefined;
}

const machine: Machine = {
  cpus: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model.trim() ?? '?',
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  commit: gitCommit(),
};

try {
  if (!fs.existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench:e2e does)');
  const runs: RunResult[] = [];
  if (latencyAtHalf) {
    if (settings.rate !== 0) log(`--latency-at-half: the first run is flat out; --rate ${settings.rate} is ignored`);
    const full = await runOnce('flat out', 0);
    runs.push(full);
    // The sustained rate is the lower of decided and notified: the SSE fan-out may fall behind the decisions.
    const sustained = Math.min(full.throughput.decidedSustained ?? 0, full.throughput.notifiedSustained ?? 0);
    if (!(sustained > 0)) throw new Error('the flat-out run sustained no decided and notified taps; nothing to halve');
    const half = Math.max(1, Math.round(sustained / 2));
    runs.push(await runOnce(`half of run 1's sustained rate`, half));
  } else {
    runs.push(await runOnce(settings.rate === 0 ? 'flat out' : `paced to ${settings.rate} taps/s`, settings.rate));
  }
  fs.mkdirSync(outDir, { recursive: true });
  const report = { command, generatedAt: new Date().toISOString(), machine, settings, runs };
  fs.writeFileSync(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const md = markdown(runs, command, machine);
  fs.writeFileSync(path.join(outDir, 'report.md'), md);
  fs.writeFileSync(path.join(outDir, 'report.svg'), renderReportSvg(charts(runs)));
  process.stdout.write(`${md}\nwritten: ${path.relative(ROOT, outDir)}/report.{json,md,svg}\n`);
} catch (error) {
  log(`bench:e2e failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  cleanupNow();
  process.exitCode = 1;
}
