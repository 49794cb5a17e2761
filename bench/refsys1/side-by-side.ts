/**
 * `npm run bench:refsys1 [-- flags]`: reference system 1 (the RabbitMQ + Python pika amusement-park ticketing, see
 * shared SEEDS.md section 1) and ticketd measured in one run on this machine, and the ratio of their taps/s.
 *
 *   npm run bench:refsys1 -- --refsys1-dir DIR [--taps 50000] [--workers 2] [--duration 10] [--timeout 120]
 *                            [--python PATH]
 *
 * Reference system 1 is not part of this repo: point `--refsys1-dir` (or env `REFSYS1_DIR`) at a checkout of it
 * (the folder holding its `worker.py`). It needs RabbitMQ on 127.0.0.1:5672 (guest/guest) and a python3 with pika.
 * When any of these is missing, its side is skipped with the reason and the script still exits 0.
 *
 * Reference system 1: its own `TicketWorker` classes (`--workers` processes, competing consumers) run unchanged,
 * with pika's connection parameters pointed at 127.0.0.1 (its code says `localhost`). A consumer of ours stands in
 * for its customer apps, bound the same way (an exclusive server-named queue per customer on
 * `customer_events_exchange`, routing key = customer id, auto-ack). A publisher of ours sends `--taps` valid taps in
 * its JSON (`{customer_id, ride_number, purchase_time}`, customers 1–6 and rides a–e round-robin) to
 * `ticket_events_exchange` / `ticket_event` as fast as pika publishes. taps/s = taps / (first publish → last
 * customer event received), bounded by `--timeout`. Both helpers are a Python file written to a temp dir at run time.
 *
 * ticketd: `npm run bench:e2e -- --duration D` (the real binary, `serve --demo` with its default flags, loaded over
 * HTTP with an SSE stream per customer); its report gives taps/s decided and notified. The like-for-like figure is
 * taps notified / (load start → last notification), the same end-to-end definition as for reference system 1.
 *
 * Prints one markdown table (system, durability, taps/s, ratio ticketd / reference, load average, cores) and writes
 * bench/refsys1/report.json.
 */
import { runAmqpBench, type AmqpBenchResult } from '../amqp-bridge.bench.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import { brokerListening, findPythonWithPika, pikaAtBroker, PYTHON_CANDIDATES } from './refsys1-python.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const REPORT_PATH = path.join(HERE, 'report.json');

const BROKER_HOST = '127.0.0.1';
const BROKER_PORT = 5672;
const BROKER_CONNECT_TIMEOUT_MS = 3_000;
const HELPER_READY_TIMEOUT_MS = 30_000;
/** Setup, build and drain of bench:e2e on top of its load duration. */
const TICKETD_OVERHEAD_S = 300;
const STDERR_TAIL_CHARS = 4_096;
/** Reference system 1's whole "database" (its db_and_event_definitions.py): every tap we send is valid. */
const REFSYS1_CUSTOMERS = ['customer-1', 'customer-2', 'customer-3', 'customer-4', 'customer-5', 'customer-6'];
const REFSYS1_RIDES = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e'];

// ---- the Python helper, written to a temp dir at run time -------------------------------------------------------

/** Roles: `reset`, `worker DIR ID` (its TicketWorker), `customers N ID...` (our consumer), `publish N ID... -- RIDE...`. */
const PYTHON_HELPER = String.raw`
import json, sys, time
from datetime import datetime
${pikaAtBroker({ host: BROKER_HOST, port: BROKER_PORT, user: 'guest', password: 'guest', vhost: '/' })}

def say(message):
    sys.stderr.write(json.dumps(message) + '\n')
    sys.stderr.flush()

def reset():
    # Taps left in the queue by an earlier, interrupted run would be counted by this one.
    connection = pika.BlockingConnection(pika.ConnectionParameters())
    channel = connection.channel()
    channel.queue_declare(queue='ticket_event')
    channel.queue_purge(queue='ticket_event')
    version = connection._impl.server_properties.get('version', '?')
    say({'reset': True, 'rabbitmq': version.decode() if isinstance(version, bytes) else str(version)})
    connection.close()

def worker(refsys1_dir, worker_id):
    sys.path.insert(0, refsys1_dir)
    from worker import TicketWorker
    ticket_worker = TicketWorker(worker_id)
    ticket_worker.initialize_rabbitmq()
    say({'ready': 'worker %s' % worker_id})
    ticket_worker.start_consuming()

def customers(expected, customer_ids):
    connection = pika.BlockingConnection(pika.ConnectionParameters())
    channel = connection.channel()
    channel.exchange_declare(exchange='customer_events_exchange', exchange_type='topic')
    state = {'received': 0, 'last_at': None}
    def on_event(ch, method, properties, body):
        json.loads(body)
        state['received'] += 1
        if state['received'] >= expected:
            state['last_at'] = time.time()
            channel.stop_consuming()
    for customer_id in customer_ids:
        queue = channel.queue_declare(queue='', exclusive=True).method.queue
        channel.queue_bind(exchange='customer_events_exchange', queue=queue, routing_key=customer_id)
        channel.basic_consume(queue=queue, on_message_callback=on_event, auto_ack=True)
    def progress():
        say({'received': state['received'], 'at': time.time()})
        connection.call_later(1, progress)
    connection.call_later(1, progress)
    say({'ready': 'customers'})
    channel.start_consuming()
    say({'done': True, 'received': state['received'], 'last_at': state['last_at']})

def publish(taps, customer_ids, rides):
    connection = pika.BlockingConnection(pika.ConnectionParameters())
    channel = connection.channel()
    channel.exchange_declare(exchange='ticket_events_exchange', exchange_type='direct')
    bodies = [json.dumps({'customer_id': customer_ids[i % len(customer_ids)], 'ride_number': rides[i % len(rides)],
                          'purchase_time': datetime.now().astimezone().isoformat(timespec='seconds')}) for i in range(taps)]
    first_at = time.time()
    for body in bodies:
        channel.basic_publish(exchange='ticket_events_exchange', routing_key='ticket_event', body=body)
    published_at = time.time()
    connection.close()
    say({'published': taps, 'first_at': first_at, 'published_at': published_at})

role, args = sys.argv[1], sys.argv[2:]
if role == 'reset':
    reset()
elif role == 'worker':
    worker(args[0], args[1])
elif role == 'customers':
    customers(int(args[0]), args[1:])
elif role == 'publish':
    split = args.index('--')
    publish(int(args[0]), args[1:split], args[split + 1:])
`;

// ---- flags ------------------------------------------------------------------------------------------------------

const USAGE = `Usage: npm run bench:refsys1 -- [flags]
  --refsys1-dir DIR   checkout of reference system 1 (the folder with worker.py); default env REFSYS1_DIR
  --taps N            taps sent to reference system 1, 1..1000000 (default 50000)
  --workers N         its ticket worker processes, 1..16 (default 2)
  --timeout S         longest wait for reference system 1's run, publish to last event, 1..3600 (default 120)
  --duration S        seconds of ticketd load, passed to bench:e2e, 1..600 (default 10)
  --amqp-nodes LIST    ticketd node counts to run through RabbitMQ with the reference's messages, e.g. 1,2,3
                      (default 1; more than one: sharded nodes)
  --python PATH       python3 with pika (default: env REFSYS1_PYTHON, else the first of python3, /usr/bin/python3
                      that imports pika)
`;

const FLAGS = {
  'refsys1-dir': { type: 'string' },
  taps: { type: 'string' },
  workers: { type: 'string' },
  timeout: { type: 'string' },
  duration: { type: 'string' },
  python: { type: 'string' },
  'amqp-nodes': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Settings {
  refsys1Dir: string | undefined;
  taps: number;
  workers: number;
  timeoutS: number;
  durationS: number;
  python: string | undefined;
  amqpNodes: number[];
}

function parseFlags() {
  try {
    return parseArgs({ options: FLAGS, strict: true }).values;
  } catch (error) {
    return usageExit(error instanceof Error ? error.message : String(error));
  }
}

function readSettings(): Settings {
  const values = parseFlags();
  if (values.help === true) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const integer = (name: keyof typeof FLAGS, fallback: number, min: number, max: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (typeof raw !== 'string' || !Number.isInteger(value) || value < min || value > max) {
      return usageExit(`--${name} must be an integer in ${min}..${max}, got '${String(raw)}'`);
    }
    return value;
  };
  return {
    refsys1Dir: values['refsys1-dir'] ?? process.env.REFSYS1_DIR,
    taps: integer('taps', 50_000, 1, 1_000_000),
    workers: integer('workers', 2, 1, 16),
    timeoutS: integer('timeout', 120, 1, 3_600),
    durationS: integer('duration', 10, 1, 600),
    python: values.python ?? process.env.REFSYS1_PYTHON,
    amqpNodes: amqpNodeCounts(values['amqp-nodes']),
  };
}

function amqpNodeCounts(raw: string | undefined): number[] {
  const counts = (raw ?? '1').split(',').map(Number);
  if (counts.length === 0 || counts.length > 4 || !counts.every((n) => Number.isInteger(n) && n >= 1 && n <= 4)) {
    return usageExit(`--amqp-nodes must be 1 to 4 node counts of 1..4, comma-separated, got '${raw ?? ''}'`);
  }
  return counts;
}

function usageExit(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

// ---- child processes: whatever happens, every one started here dies and the temp dirs go ------------------------

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function killTree(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    // Each child leads its own process group, so npm's shell and the benchmark under it go too.
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function cleanupNow(): void {
  for (const child of children) killTree(child);
  children.clear();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

process.on('exit', cleanupNow);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.on(signal, () => {
    log(`\n${signal}: stopping every process started here`);
    cleanupNow();
    process.exit(code);
  });
}

/** Output goes to /dev/null, to our stderr (2), or to a pipe; each child leads its own process group. */
function start(command: string, args: string[], stdout: 'ignore' | 2, stderr: 'pipe' | 2): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, detached: true, stdio: ['ignore', stdout, stderr] });
  children.add(child);
  return child;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// ---- reference system 1: is it there? ---------------------------------------------------------------------------

interface Refsys1Setup {
  dir: string;
  python: string;
  pikaVersion: string;
}

/** The reason reference system 1 cannot run here, or what it runs with. */
async function findRefsys1(settings: Settings): Promise<Refsys1Setup | string> {
  if (settings.refsys1Dir === undefined) return 'no --refsys1-dir and no REFSYS1_DIR: point either at a checkout of chenxu2394/TicketSystem-RabbitMQ';
  const dir = path.resolve(settings.refsys1Dir);
  for (const file of ['worker.py', 'db_and_event_definitions.py', 'xprint.py']) {
    if (!fs.existsSync(path.join(dir, file))) return `${dir} has no ${file}: not a checkout of reference system 1`;
  }
  const candidates = settings.python !== undefined ? [settings.python] : PYTHON_CANDIDATES;
  const found = findPythonWithPika(candidates);
  if (found === undefined) return `no python with pika among ${candidates.join(', ')} (Debian: apt-get install -y python3-pika; or --python PATH)`;
  if (!(await brokerListening(BROKER_HOST, BROKER_PORT, BROKER_CONNECT_TIMEOUT_MS))) return `no RabbitMQ on ${BROKER_HOST}:${BROKER_PORT} (start it with: rabbitmq-server -detached)`;
  return { dir, ...found };
}

// ---- reference system 1: the run ---------------------------------------------------------------------------------

type HelperMessage = Record<string, unknown>;

/** A helper process whose stderr carries one JSON object a line; anything else (a traceback) is kept for errors. */
function helper(setup: Refsys1Setup, script: string, args: string[]) {
  const child = start(setup.python, [script, ...args], 'ignore', 'pipe');
  let stderrTail = '';
  const listeners = new Set<(message: HelperMessage) => void>();
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    let message: HelperMessage | undefined;
    try {
      message = JSON.parse(line) as HelperMessage;
    } catch {
      stderrTail = `${stderrTail}${line}\n`.slice(-STDERR_TAIL_CHARS);
    }
    if (message !== undefined) for (const listener of listeners) listener(message);
  });
  /** The first message for which `pick` returns a value; rejects if the process exits first. */
  const next = <T>(pick: (message: HelperMessage) => T | undefined): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const listener = (message: HelperMessage) => {
        const value = pick(message);
        if (value === undefined) return;
        listeners.delete(listener);
        resolve(value);
      };
      listeners.add(listener);
      child.once('exit', (code, signal) => reject(new Error(`python ${args[0]} exited (${code ?? signal}): ${stderrTail.trim() || 'no output'}`)));
    });
  return { child, next, onMessage: (listener: (message: HelperMessage) => void) => listeners.add(listener) };
}

interface Refsys1Result {
  rabbitmq: string;
  pika: string;
  workers: number;
  taps: number;
  received: number;
  completed: boolean;
  publishS: number;
  endToEndS: number;
  /** taps received / (first publish → last customer event); over the elapsed time when the timeout cut it short. */
  tapsPerS: number;
  publishTapsPerS: number;
}

async function runRefsys1(setup: Refsys1Setup, settings: Settings): Promise<Refsys1Result> {
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-refsys1-'));
  tempDirs.add(tempDir);
  const script = path.join(tempDir, 'refsys1_helper.py');
  fs.writeFileSync(script, PYTHON_HELPER);
  try {
    const reset = helper(setup, script, ['reset']);
    const rabbitmq = await withTimeout(reset.next((m) => (m.reset === true ? String(m.rabbitmq) : undefined)), { timeoutMs: HELPER_READY_TIMEOUT_MS, what: 'purging the ticket_event queue' });
    const customers = helper(setup, script, ['customers', String(settings.taps), ...REFSYS1_CUSTOMERS]);
    await withTimeout(customers.next((m) => m.ready), { timeoutMs: HELPER_READY_TIMEOUT_MS, what: 'binding the customer queues' });
    const workers = Array.from({ length: settings.workers }, (_, i) => helper(setup, script, ['worker', setup.dir, String(i + 1)]));
    await withTimeout(Promise.all(workers.map((w) => w.next((m) => m.ready))), { timeoutMs: HELPER_READY_TIMEOUT_MS, what: 'starting the ticket workers' });
    log(`[refsys1] RabbitMQ ${rabbitmq}, pika ${setup.pikaVersion}, ${settings.workers} workers and the customer consumer ready; publishing ${settings.taps.toLocaleString('en-US')} taps`);
    let lastProgress = { received: 0, at: Date.now() / 1000 };
    customers.onMessage((m) => {
      if (typeof m.received !== 'number' || typeof m.at !== 'number') return;
      lastProgress = { received: m.received, at: m.at };
      log(`[refsys1] ${m.received.toLocaleString('en-US')} customer events received`);
    });
    const publisher = helper(setup, script, ['publish', String(settings.taps), ...REFSYS1_CUSTOMERS, '--', ...REFSYS1_RIDES]);
    const done = customers.next((m) => (m.done === true ? { received: Number(m.received), lastAt: Number(m.last_at) } : undefined));
    // Rejects when the consumer is killed after a failed publish; that error is the publisher's to report.
    done.catch(() => undefined);
    const published = await withTimeout(publisher.next((m) => (typeof m.published === 'number' ? { firstAt: Number(m.first_at), publishedAt: Number(m.published_at) } : undefined)), { timeoutMs: settings.timeoutS * 1000, what: 'publishing the taps' });
    const remainingMs = Math.max(1, published.firstAt * 1000 + settings.timeoutS * 1000 - Date.now());
    const end = await withTimeout(done, { timeoutMs: remainingMs, what: 'the run' }).catch(() => ({ received: lastProgress.received, lastAt: lastProgress.at }));
    const completed = end.received >= settings.taps;
    if (!completed) log(`[refsys1] timed out after ${settings.timeoutS} s with ${end.received} of ${settings.taps} customer events`);
    const endToEndS = end.lastAt - published.firstAt;
    const publishS = published.publishedAt - published.firstAt;
    return { rabbitmq, pika: setup.pikaVersion, workers: settings.workers, taps: settings.taps, received: end.received, completed, publishS, endToEndS, tapsPerS: end.received / endToEndS, publishTapsPerS: settings.taps / publishS };
  } finally {
    // Its workers consume forever: everything of this side stops here, before ticketd is measured.
    cleanupNow();
  }
}

// ---- ticketd -----------------------------------------------------------------------------------------------------

interface TicketdResult {
  command: string;
  customers: number | null;
  serverArgs: string[];
  /** taps notified / (load start → last notification): the end-to-end figure, like reference system 1's. */
  tapsPerS: number;
  notifiedSustained: number | null;
  decidedMean: number | null;
  decidedSustained: number | null;
  notifiedTaps: number | null;
}

async function runTicketd(settings: Settings): Promise<TicketdResult> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-refsys1-e2e-'));
  tempDirs.add(outDir);
  const args = ['run', 'bench:e2e', '--', '--duration', String(settings.durationS), '--out', outDir];
  log(`[ticketd] npm ${args.join(' ')}`);
  // bench:e2e's own progress and report go to our stderr, so stdout holds only the table.
  const child = start('npm', args, 2, 2);
  try {
    const exitCode = await withTimeout(
      new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
      { timeoutMs: (settings.durationS + TICKETD_OVERHEAD_S) * 1000, what: 'npm run bench:e2e' },
    );
    if (exitCode !== 0) throw new Error(`npm run bench:e2e exited with ${exitCode}`);
    return readE2eReport(path.join(outDir, 'report.json'), `npm run bench:e2e -- --duration ${settings.durationS}`);
  } finally {
    killTree(child);
    children.delete(child);
    fs.rmSync(outDir, { recursive: true, force: true });
    tempDirs.delete(outDir);
  }
}

function readE2eReport(file: string, command: string): TicketdResult {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    settings?: { customers?: number };
    runs?: Array<{ serverArgs?: string[]; throughput?: Record<string, number | null>; totals?: { notifiedTaps?: number } }>;
  };
  const run = report.runs?.[0];
  const throughput = run?.throughput ?? {};
  const figure = (name: string): number | null => (typeof throughput[name] === 'number' ? throughput[name] : null);
  const notifiedMean = figure('notifiedMean');
  if (notifiedMean === null) throw new Error(`${file} has no runs[0].throughput.notifiedMean`);
  return {
    command,
    customers: report.settings?.customers ?? null,
    serverArgs: run?.serverArgs ?? [],
    tapsPerS: notifiedMean,
    notifiedSustained: figure('notifiedSustained'),
    decidedMean: figure('decidedMean'),
    decidedSustained: figure('decidedSustained'),
    notifiedTaps: run?.totals?.notifiedTaps ?? null,
  };
}

// ---- report ------------------------------------------------------------------------------------------------------

type Side<T> = { status: 'measured'; result: T; loadAverage: number[] } | { status: 'skipped' | 'failed'; reason: string; loadAverage: number[] };

const REFSYS1_DURABILITY = 'nothing durable: non-durable queues, transient messages, no publisher confirms';
const TICKETD_DURABILITY = 'SQLite, synchronous=FULL (every decision on disk before its answer)';

async function measure<T>(name: string, run: () => Promise<T>): Promise<Side<T>> {
  const loadAverage = os.loadavg().map((x) => Math.round(x * 100) / 100);
  try {
    return { status: 'measured', result: await run(), loadAverage };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`[${name}] failed: ${reason}`);
    return { status: 'failed', reason, loadAverage };
  }
}

function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US');
}

function table(refsys1: Side<Refsys1Result>, ticketd: Side<TicketdResult>, settings: Settings, amqpSides: ReadonlyArray<Side<AmqpBenchResult>>): string {
  const ref = refsys1.status === 'measured' ? refsys1.result : undefined;
  const td = ticketd.status === 'measured' ? ticketd.result : undefined;
  const ratio = ref !== undefined && td !== undefined && ref.completed ? (td.tapsPerS / ref.tapsPerS).toFixed(2) : '—';
  const notMeasured = (side: Side<unknown>) => (side.status === 'measured' ? '' : ` (${side.status}: ${side.reason})`);
  const refName = ref !== undefined
    ? `reference system 1: Python pika ${ref.pika}, RabbitMQ ${ref.rabbitmq}, ${ref.workers} workers, ${ref.taps.toLocaleString('en-US')} taps${ref.completed ? '' : `, only ${fmtInt(ref.received)} received in ${settings.timeoutS} s`}`
    : `reference system 1${notMeasured(refsys1)}`;
  const tdName = td !== undefined
    ? `ticketd: one process, \`serve --demo\`, ${fmtInt(td.customers)} SSE customers, ${settings.durationS} s of load`
    : `ticketd${notMeasured(ticketd)}`;
  const refTaps = ref !== undefined ? `**${fmtInt(ref.tapsPerS)}** (published at ${fmtInt(ref.publishTapsPerS)})` : '—';
  const tdTaps = td !== undefined ? `**${fmtInt(td.tapsPerS)}** (sustained ${fmtInt(td.notifiedSustained)}; decided ${fmtInt(td.decidedMean)}, sustained ${fmtInt(td.decidedSustained)})` : '—';
  return [
    '| system | durability | taps/s end to end | ticketd / reference | load average before (1/5/15 min) |',
    '|---|---|---:|---:|---|',
    `| ${refName} | ${REFSYS1_DURABILITY} | ${refTaps} | ${ref !== undefined && ref.completed ? '1.00' : '—'} | ${refsys1.loadAverage.join(' / ')} |`,
    `| ${tdName} | ${TICKETD_DURABILITY} | ${tdTaps} | **${ratio}** | ${ticketd.loadAverage.join(' / ')} |`,
    ...amqpSides.map((side) => amqpRow(side, ref)),
    '',
    `${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? '?'}), node ${process.version}; one run each, reference system 1 first.`,
    'End to end: reference system 1 from its first publish to the last customer event received; ticketd from the start of',
    'the load to the last SSE notification (the figures in brackets: sustained = median per second after warm-up, decided = in the 200 answers).',
  ].join('\n');
}

/** The row of ticketd through RabbitMQ: the reference's JSON in and out, one node (bench/amqp-bridge.bench.ts). */
function amqpRow(side: Side<AmqpBenchResult>, ref: Refsys1Result | undefined): string {
  if (side.status !== 'measured') return `| ticketd through RabbitMQ (${side.status}: ${side.reason}) | ${TICKETD_DURABILITY} | — | — | ${side.loadAverage.join(' / ')} |`;
  const r = side.result;
  const ratio = ref !== undefined && ref.completed ? (r.tapsPerSecond / ref.tapsPerS).toFixed(2) : '—';
  const nodes = r.nodes === 1 ? 'one node' : `${r.nodes} sharded nodes`;
  return `| ticketd through RabbitMQ: ${nodes}, the reference's JSON in and out, ${r.taps.toLocaleString('en-US')} taps | ${TICKETD_DURABILITY}; durable quorum queue, acknowledged after the commit, publisher confirms | **${fmtInt(r.tapsPerSecond)}** (published at ${fmtInt(r.publishedPerSecond)}; CPU per tap: ticketd ${r.serverCpuUsPerTap.toFixed(1)} µs, RabbitMQ ${r.brokerCpuUsPerTap.toFixed(1)} µs) | **${ratio}** | ${side.loadAverage.join(' / ')} |`;
}

// ---- main --------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings();
  const setup = await findRefsys1(settings);
  let refsys1: Side<Refsys1Result>;
  if (typeof setup === 'string') {
    log(`[refsys1] SKIPPED: ${setup}`);
    refsys1 = { status: 'skipped', reason: setup, loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100) };
  } else {
    refsys1 = await measure('refsys1', () => runRefsys1(setup, settings));
  }
  const ticketd = await measure('ticketd', () => runTicketd(settings));
  // The same taps through RabbitMQ into ticketd, when the broker is here (it is: the reference needs it).
  const amqpSides: Array<Side<AmqpBenchResult>> = [];
  if (typeof setup !== 'string') {
    for (const nodes of settings.amqpNodes) {
      amqpSides.push(await measure(`ticketd-amqp-${nodes}`, () => runAmqpBench(
        { taps: settings.taps, nodes, workers: 1, timeoutMs: settings.timeoutS * 1_000 }, (line) => log(`[ticketd-amqp ${nodes}] ${line}`),
      )));
    }
  }
  const printed = table(refsys1, ticketd, settings, amqpSides);
  process.stdout.write(`\n${printed}\n`);
  const report = {
    command: `npm run bench:refsys1${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    generatedAt: new Date().toISOString(),
    machine: { cores: os.availableParallelism(), cpuModel: os.cpus()[0]?.model.trim() ?? '?', node: process.version },
    settings,
    refsys1: { durability: REFSYS1_DURABILITY, ...refsys1 },
    ticketd: { durability: TICKETD_DURABILITY, ...ticketd },
    ...(amqpSides.length > 0 && { ticketdAmqp: amqpSides }),
    ratio: refsys1.status === 'measured' && ticketd.status === 'measured' && refsys1.result.completed ? ticketd.result.tapsPerS / refsys1.result.tapsPerS : null,
    table: printed,
  };
  fs.writeFileSync(REPORT_PATH, `${JSON.stringify(report, null, 2)}\n`);
  log(`written: ${path.relative(ROOT, REPORT_PATH)}`);
  // A missing reference system is a skip; ticketd failing to run is a failure of this repo.
  if (ticketd.status !== 'measured') process.exitCode = 1;
}

await main();
