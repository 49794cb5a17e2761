/**
 * `npm run interop:refsys1 -- --refsys1-dir DIR [flags]`: reference system 1's own Python programs (its ticket
 * machine and its customer app, chenxu2394/TicketSystem-RabbitMQ, see shared SEEDS.md section 1) run unchanged
 * against ticketd on RabbitMQ (issue 12), in place of its ticket workers.
 *
 * 1. Exports the reference's tree from DIR (a checkout, or a bare git dir such as the search tool's mirror, with
 *    `git archive HEAD`) into a temp dir: its files are imported as they are, never edited.
 * 2. Makes a RabbitMQ vhost of its own with `rabbitmqctl` when the broker is on this host (else uses --url as given)
 *    and starts ticketd on it (`bin/ticketd.js serve --demo --amqp-url …`, port 0, a temp data dir); or uses the
 *    running ticketd of --ticketd-url, with the admin token of its --credentials file, on the broker of --url.
 * 3. Tops up the customers' wallets so the taps fit, and reads their balances.
 * 4. Runs, with the python that has pika, a driver that imports the reference's `CustomerEventConsumer`
 *    (customer_app.py) for three customers, each in a thread, and its `TicketEventProducer` (ticket_machine.py),
 *    which publishes --taps TicketEvents: to those customers over rides a–e, and one to a customer neither side
 *    knows, which ticketd dead-letters. pika's connection parameters are pointed at the broker (its code says
 *    `localhost`); a dead-letter watcher of the driver's own binds to the reference's dead-letter exchange.
 * 5. Waits, bounded by --timeout, until every customer app holds its events and the dead letter came, watches one
 *    second more for events past those, reads the balances again and prints a summary.
 *
 * Exit 0 when every CustomerEvent arrived once and every balance went down by exactly its events' costs; 1 when
 * anything is missing, extra or charged twice, or something it needs is missing (DIR's files, pika, RabbitMQ);
 * 2 for a usage error. Progress goes to stderr, the summary to stdout.
 *
 * One file, longer than most: the driver below is Python that only this script runs, kept beside the code that
 * reads its messages.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brokerListening, findPythonWithPika, pikaAtBroker, PYTHON_CANDIDATES, type PikaTarget } from '../bench/refsys1/refsys1-python.ts';
import { loadCredentialTokens } from '../src/cli/credentials.ts';
import { withTimeout } from '../src/platform/with-timeout.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin/ticketd.js');
const REFSYS1_FILES = ['ticket_machine.py', 'customer_app.py', 'db_and_event_definitions.py', 'xprint.py'];
/** Known to both sides: the reference's CUSTOMERS_DATABASE and RIDES_DATABASE, and ticketd's demo park. */
const CUSTOMERS = ['customer-1', 'customer-2', 'customer-3'];
const RIDES = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e'];
/** Known to neither: its tap is dead-lettered. */
const UNKNOWN_CUSTOMER = 'customer-unknown';
/** Cents a tap may cost at most in the demo park: its dearest ride (20.00) at the afternoon peak (× 1.25). */
const TAP_CENTS_MAX = 2_500;
const BROKER_CONNECT_TIMEOUT_MS = 3_000;
const TICKETD_START_TIMEOUT_MS = 30_000;
const TICKETD_STOP_TIMEOUT_MS = 15_000;
/** The driver's own start, consumers' binding and shutdown, on top of --timeout. */
const DRIVER_OVERHEAD_MS = 60_000;
const OUTPUT_TAIL_CHARS = 4_096;

// ---- the driver: Python, written to the temp dir at run time -----------------------------------------------------

/** argv[1]: the plan's JSON file. Messages to stderr, one JSON object a line; the reference's prints go to stdout. */
function driverSource(target: PikaTarget): string {
  return String.raw`
import json, sys, threading, time
from datetime import datetime, timedelta
${pikaAtBroker(target)}

def say(message):
    sys.stderr.write(json.dumps(message) + '\n')
    sys.stderr.flush()

with open(sys.argv[1]) as plan_file:
    plan = json.load(plan_file)
sys.path.insert(0, plan['refsys1_dir'])
from customer_app import CustomerEventConsumer
from db_and_event_definitions import RIDES_DATABASE, TicketEvent
from ticket_machine import TicketEventProducer

errors = []

def customer_app(consumer, ready):
    try:
        consumer.initialize_rabbitmq()
    except Exception as error:
        errors.append('%s: initialize_rabbitmq: %r' % (consumer.customer_id, error))
        ready.set()
        return
    ready.set()
    try:
        consumer.start_consuming()  # until stop_consuming; CustomerEvent(**body) raises on a key it does not know
    except Exception as error:
        errors.append('%s: %r' % (consumer.customer_id, error))
    consumer.close()

def watch_dead_letters():
    connection = pika.BlockingConnection(pika.ConnectionParameters())
    channel = connection.channel()
    channel.exchange_declare(exchange='ticket_events_dead_letter_exchange', exchange_type='direct')
    queue = channel.queue_declare(queue='', exclusive=True).method.queue
    channel.queue_bind(exchange='ticket_events_dead_letter_exchange', queue=queue, routing_key='ticket_events_dead_letter_routing_key')
    dead = []
    def on_dead(ch, method, properties, body):
        dead.append({'body': body.decode('utf-8', 'replace'), 'reason': (properties.headers or {}).get('x-ticketd-reason')})
    channel.basic_consume(queue=queue, on_message_callback=on_dead, auto_ack=True)
    version = connection._impl.server_properties.get('version', b'?')
    return connection, dead, version.decode() if isinstance(version, bytes) else str(version)

consumers = [CustomerEventConsumer(customer_id) for customer_id in plan['customers']]
threads = []
for consumer in consumers:
    ready = threading.Event()
    thread = threading.Thread(target=customer_app, args=(consumer, ready), daemon=True)
    thread.start()
    ready.wait(30)
    threads.append(thread)
watcher, dead, rabbitmq = watch_dead_letters()
say({'ready': True, 'rabbitmq': rabbitmq, 'pika': pika.__version__})

producer = TicketEventProducer()
producer.initialize_rabbitmq()
now = datetime.now().astimezone()
for i, (customer_id, ride_number) in enumerate(plan['taps']):
    # A millisecond apart: ticketd knows a message without message-id by its body, so no two bodies are alike.
    purchase_time = (now - timedelta(milliseconds=i)).isoformat(timespec='milliseconds')
    producer.publish_ticket_event(TicketEvent(customer_id, ride_number, purchase_time))
producer.close()
say({'published': len(plan['taps'])})

def received():
    return {consumer.customer_id: len(consumer.customer_events) for consumer in consumers}

deadline = time.time() + plan['timeout_s']
said_at = 0
while time.time() < deadline and not errors:
    watcher.process_data_events(time_limit=0.2)
    counts = received()
    if time.time() - said_at >= 1:
        said_at = time.time()
        say({'received': sum(counts.values()), 'dead': len(dead)})
    if all(counts[c] >= n for c, n in plan['expected'].items()) and len(dead) >= plan['dead_expected']:
        break
timed_out = time.time() >= deadline
# One second more: a tap charged twice shows here as an event past the expected ones.
settle_until = time.time() + 1
while time.time() < settle_until:
    watcher.process_data_events(time_limit=0.1)
for consumer in consumers:
    if consumer.connection is not None and consumer.connection.is_open:
        consumer.connection.add_callback_threadsafe(consumer.channel.stop_consuming)
for thread in threads:
    thread.join(10)
watcher.close()
say({'result': {
    'events': {consumer.customer_id: [vars(event) for event in consumer.customer_events] for consumer in consumers},
    'dead': dead, 'errors': errors, 'timed_out': timed_out, 'rides_database': RIDES_DATABASE,
}})
`;
}

// ---- flags -------------------------------------------------------------------------------------------------------

const USAGE = `Usage: npm run interop:refsys1 -- --refsys1-dir DIR [flags]
  --refsys1-dir DIR    reference system 1: a checkout, or a bare git dir (its HEAD is exported); default env REFSYS1_DIR
  --url URL            RabbitMQ (default amqp://guest:guest@127.0.0.1:5672); on this host the run makes a vhost of
                       its own with rabbitmqctl, else it uses the URL's vhost
  --taps N             TicketEvents its ticket machine publishes, 2..10000 (default 24; one to an unknown customer)
  --timeout S          longest wait for the customer events, 1..3600 (default 60)
  --python PATH        python3 with pika (default: env REFSYS1_PYTHON, else the first of ${PYTHON_CANDIDATES.join(', ')} that has it)
  --ticketd-url URL    a running ticketd on --url's broker, instead of starting one (needs --credentials)
  --credentials FILE   its demo-credentials.json (the admin token reads and tops up balances)
`;

const FLAGS = {
  'refsys1-dir': { type: 'string' },
  url: { type: 'string' },
  taps: { type: 'string' },
  timeout: { type: 'string' },
  python: { type: 'string' },
  'ticketd-url': { type: 'string' },
  credentials: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Settings {
  refsys1Dir: string;
  url: URL;
  taps: number;
  timeoutS: number;
  python: string | undefined;
  ticketd: { url: string; credentials: string } | undefined;
}

class UsageError extends Error {
  readonly code = 'ERR_USAGE';
}

/** A run that cannot go on: what is missing or what went wrong, for stderr, and exit 1. */
class InteropFailure extends Error {
  readonly code = 'ERR_INTEROP';
}

function readSettings(argv: string[]): Settings | 'help' {
  let values: ReturnType<typeof parseArgs<{ options: typeof FLAGS }>>['values'];
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return 'help';
  const integer = (name: 'taps' | 'timeout', fallback: number, min: number, max: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got '${raw}'`);
    return value;
  };
  const refsys1Dir = values['refsys1-dir'] ?? process.env.REFSYS1_DIR;
  if (refsys1Dir === undefined) throw new UsageError('--refsys1-dir DIR is required (or env REFSYS1_DIR): a checkout of chenxu2394/TicketSystem-RabbitMQ, or its bare git dir');
  if (!fs.existsSync(refsys1Dir)) throw new UsageError(`--refsys1-dir ${refsys1Dir}: no such directory`);
  let url: URL;
  try {
    url = new URL(values.url ?? 'amqp://guest:guest@127.0.0.1:5672');
  } catch {
    throw new UsageError(`--url must be a URL such as amqp://guest:guest@127.0.0.1:5672, got '${values.url}'`);
  }
  if (url.protocol !== 'amqp:') throw new UsageError(`--url must start with amqp://, got '${url.protocol}'`);
  const ticketdUrl = values['ticketd-url'];
  if ((ticketdUrl === undefined) !== (values.credentials === undefined)) throw new UsageError('--ticketd-url and --credentials go together');
  return {
    refsys1Dir: path.resolve(refsys1Dir),
    url,
    taps: integer('taps', 24, 2, 10_000),
    timeoutS: integer('timeout', 60, 1, 3_600),
    python: values.python ?? process.env.REFSYS1_PYTHON,
    ticketd: ticketdUrl === undefined ? undefined : { url: ticketdUrl.replace(/\/$/, ''), credentials: values.credentials! },
  };
}

// ---- what it starts, and takes down again whatever happens -------------------------------------------------------

const cleanups: Array<() => void> = [];

function cleanupNow(): void {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
}

function log(line: string): void {
  process.stderr.write(`[interop] ${line}\n`);
}

function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ticketd-interop-${label}-`));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function killOnCleanup(child: ChildProcess): void {
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

// ---- reference system 1's tree, python, broker, vhost ------------------------------------------------------------

/** DIR's tree in a temp dir: a checkout's files copied (without .git), a bare git dir's HEAD archived. */
function exportRefsys1(dir: string): { dir: string; revision: string } {
  const target = tempDir('refsys1');
  let revision = 'a checkout';
  if (fs.existsSync(path.join(dir, 'ticket_machine.py'))) {
    fs.cpSync(dir, target, { recursive: true, filter: (source) => !/[/\\](\.git|__pycache__)$/.test(source) });
  } else {
    try {
      revision = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const archive = execFileSync('git', ['-C', dir, 'archive', '--format=tar', 'HEAD'], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
      execFileSync('tar', ['-x', '-C', target], { input: archive });
    } catch {
      throw new InteropFailure(`${dir} has no ticket_machine.py and is no git dir whose HEAD can be exported: not reference system 1`);
    }
  }
  const missing = REFSYS1_FILES.filter((file) => !fs.existsSync(path.join(target, file)));
  if (missing.length > 0) throw new InteropFailure(`${dir} has no ${missing.join(', ')}: not reference system 1`);
  return { dir: target, revision };
}

/** A vhost of this run's on a broker of this host, or undefined (rabbitmqctl missing, not allowed, a remote broker). */
function makeVhost(url: URL): string | undefined {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined;
  const name = `ticketd-interop-${process.pid}-${Date.now().toString(36)}`;
  const ctl = (...args: string[]) => execFileSync('rabbitmqctl', args, { stdio: 'ignore', timeout: 60_000 });
  try {
    ctl('add_vhost', name);
  } catch {
    return undefined;
  }
  cleanups.push(() => {
    try {
      ctl('delete_vhost', name);
    } catch {
      // A vhost left behind holds nothing another run reads.
    }
  });
  ctl('set_permissions', '-p', name, decodeURIComponent(url.username || 'guest'), '.*', '.*', '.*');
  return name;
}

/** An AMQP URL without its password, for the log. */
function shown(url: URL): string {
  return `amqp://${url.username === '' ? '' : `${url.username}@`}${url.host}${url.pathname === '' ? '/' : url.pathname}`;
}

function pikaTarget(url: URL): PikaTarget {
  const vhost = url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : '/';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 5672 : Number(url.port),
    user: decodeURIComponent(url.username || 'guest'),
    password: decodeURIComponent(url.password || 'guest'),
    vhost,
  };
}

// ---- ticketd -------------------------------------------------------------------------------------------------------

interface Ticketd {
  url: string;
  adminToken: string;
  started: boolean;
}

/** The ticketd started here, stopped with SIGTERM (it drains) before the cleanups' SIGKILL. */
let startedTicketd: ChildProcess | undefined;

async function startTicketd(amqpUrl: string): Promise<Ticketd> {
  if (!fs.existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new InteropFailure('dist/ is not built: run npm run build first');
  const dataDir = tempDir('data');
  const child = spawn(process.execPath, [BIN, 'serve', '--demo', '--port', '0', '--data-dir', dataDir, '--workers', '1', '--amqp-url', amqpUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnCleanup(child);
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output = `${output}${chunk.toString()}`.slice(-OUTPUT_TAIL_CHARS)));
  const listening = new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match !== null) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new InteropFailure(`ticketd exited with ${code} before it listened: ${output.trim()}`)));
  });
  const url = await withTimeout(listening, { timeoutMs: TICKETD_START_TIMEOUT_MS, what: 'ticketd listening' });
  startedTicketd = child;
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as { admin: string };
  return { url, adminToken: credentials.admin, started: true };
}

async function runningTicketd(settings: NonNullable<Settings['ticketd']>): Promise<Ticketd> {
  const tokens = await loadCredentialTokens(settings.credentials);
  if (!tokens.ok) throw new InteropFailure(tokens.problem);
  if (tokens.tokens.admin === undefined) throw new InteropFailure(`${settings.credentials} has no admin token`);
  return { url: settings.url, adminToken: tokens.tokens.admin, started: false };
}

async function call<T>(ticketd: Ticketd, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${ticketd.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${ticketd.adminToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new InteropFailure(`${method} ${route} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Polls /ready until ticketd says its RabbitMQ side is connected. */
async function amqpConnected(ticketd: Ticketd): Promise<void> {
  const deadline = Date.now() + TICKETD_START_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const response = await fetch(`${ticketd.url}/ready`).catch(() => undefined);
    last = (await response?.text().catch(() => undefined)) ?? 'no answer';
    if (amqpComponentOf(last) === 'connected') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new InteropFailure(`ticketd's /ready did not show RabbitMQ connected within ${TICKETD_START_TIMEOUT_MS} ms: ${last}`);
}

/** `components.amqp` of a /ready answer, if it is JSON that has one. */
function amqpComponentOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { components?: { amqp?: unknown } }).components?.amqp;
  } catch {
    return undefined;
  }
}

async function balances(ticketd: Ticketd): Promise<Record<string, number>> {
  const entries = await Promise.all(CUSTOMERS.map(async (id) => [id, (await call<{ balance: number }>(ticketd, 'GET', `/v1/customers/${id}`)).balance] as const));
  return Object.fromEntries(entries);
}

/** Enough in each wallet for its taps at the dearest price, so that no tap is refused for funds. */
async function topUp(ticketd: Ticketd, plan: Plan, before: Record<string, number>): Promise<void> {
  for (const customerId of CUSTOMERS) {
    const shortfall = plan.expected[customerId]! * TAP_CENTS_MAX - before[customerId]!;
    if (shortfall <= 0) continue;
    await call(ticketd, 'POST', `/v1/customers/${customerId}/top-ups`, { topUpId: `interop-${process.pid}-${Date.now().toString(36)}-${customerId}`, amount: shortfall });
  }
}

// ---- the run -------------------------------------------------------------------------------------------------------

interface Plan {
  refsys1_dir: string;
  customers: string[];
  taps: Array<[string, string]>;
  expected: Record<string, number>;
  dead_expected: number;
  timeout_s: number;
}

/** `taps - 1` taps round-robin over the customers and rides, and one, in the middle, to the unknown customer. */
function planOf(refsys1Dir: string, settings: Settings): Plan {
  const taps: Array<[string, string]> = Array.from({ length: settings.taps - 1 }, (_, i) => [CUSTOMERS[i % CUSTOMERS.length]!, RIDES[i % RIDES.length]!]);
  taps.splice(Math.floor(taps.length / 2), 0, [UNKNOWN_CUSTOMER, RIDES[2]!]);
  const expected = Object.fromEntries(CUSTOMERS.map((id) => [id, taps.filter(([customer]) => customer === id).length]));
  return { refsys1_dir: refsys1Dir, customers: CUSTOMERS, taps, expected, dead_expected: 1, timeout_s: settings.timeoutS };
}

interface CustomerEvent {
  customer_id: string;
  ride_number: string;
  cost: number;
  purchase_time: string;
}

interface DriverResult {
  events: Record<string, CustomerEvent[]>;
  dead: Array<{ body: string; reason: string | null }>;
  errors: string[];
  timed_out: boolean;
  rides_database: Record<string, number>;
}

/** Runs the driver; its progress to stderr, its result back. */
async function runDriver(python: string, script: string, plan: Plan): Promise<{ result: DriverResult; rabbitmq: string; pika: string }> {
  const planFile = path.join(path.dirname(script), 'plan.json');
  fs.writeFileSync(planFile, JSON.stringify(plan));
  const child = spawn(python, [script, planFile], { cwd: plan.refsys1_dir, stdio: ['ignore', 'pipe', 'pipe'] });
  killOnCleanup(child);
  let tail = '';
  const keep = (line: string) => (tail = `${tail}${line}\n`.slice(-OUTPUT_TAIL_CHARS));
  readline.createInterface({ input: child.stdout }).on('line', keep);
  const expected = Object.values(plan.expected).reduce((a, b) => a + b, 0);
  let ready = { rabbitmq: '?', pika: '?' };
  const done = new Promise<DriverResult>((resolve, reject) => {
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return keep(line);
      }
      if (message.ready === true) {
        ready = { rabbitmq: String(message.rabbitmq), pika: String(message.pika) };
        log(`RabbitMQ ${ready.rabbitmq}, pika ${ready.pika}: ${plan.customers.length} CustomerEventConsumers bound; TicketEventProducer publishing ${plan.taps.length} TicketEvents`);
      } else if (typeof message.published === 'number') {
        log(`published ${message.published} TicketEvents`);
      } else if (typeof message.received === 'number') {
        log(`received ${message.received}/${expected} CustomerEvents, ${String(message.dead)}/${plan.dead_expected} dead letters`);
      } else if (typeof message.result === 'object' && message.result !== null) {
        resolve(message.result as DriverResult);
      }
    });
    child.once('exit', (code, signal) => reject(new InteropFailure(`the python driver exited (${code ?? signal}) without a result:\n${tail.trim() || 'no output'}`)));
  });
  const result = await withTimeout(done, { timeoutMs: plan.timeout_s * 1000 + DRIVER_OVERHEAD_MS, what: 'the python driver' });
  return { result, ...ready };
}

// ---- the verdict ---------------------------------------------------------------------------------------------------

interface Row {
  customerId: string;
  published: number;
  received: number;
  costs: number[];
  listPrice: number;
  before: number;
  after: number;
}

/** Everything that is wrong: missing or extra events, a charge that is not its events' costs, a dead letter astray. */
function problemsOf(rows: Row[], result: DriverResult): string[] {
  const problems = [...result.errors.map((error) => `a customer app failed: ${error}`)];
  if (result.timed_out) problems.push('timed out waiting for the events');
  for (const row of rows) {
    if (row.received < row.published) problems.push(`${row.customerId}: ${row.published - row.received} CustomerEvents missing`);
    if (row.received > row.published) problems.push(`${row.customerId}: ${row.received - row.published} CustomerEvents more than taps (delivered twice)`);
    const costCents = Math.round(row.costs.reduce((a, b) => a + b, 0) * 100);
    const charged = row.before - row.after;
    if (charged > costCents) problems.push(`${row.customerId}: charged ${cents(charged)}, its events cost ${cents(costCents)} (charged twice)`);
    if (charged < costCents) problems.push(`${row.customerId}: charged ${cents(charged)}, its events cost ${cents(costCents)}`);
  }
  const unknown = result.dead.filter((d) => d.body.includes(`"${UNKNOWN_CUSTOMER}"`));
  if (unknown.length !== 1) problems.push(`${unknown.length} dead letters for ${UNKNOWN_CUSTOMER}, expected 1`);
  if (result.dead.length !== unknown.length) problems.push(`${result.dead.length - unknown.length} dead letters for taps that should have been charged`);
  return problems;
}

function cents(value: number): string {
  return (value / 100).toFixed(2);
}

/** The costs added up; past eight of them, the first six and a count. */
function costsShown(costs: number[]): string {
  const terms = costs.length <= 8 ? costs.join(' + ') : `${costs.slice(0, 6).join(' + ')} + … (${costs.length} events)`;
  return `${terms} = ${Number(costs.reduce((x, y) => x + y, 0).toFixed(2))}`;
}

function summary(rows: Row[], result: DriverResult, context: { header: string; published: number }): string {
  const lines = [
    context.header,
    '',
    `published: ${context.published} TicketEvents by its TicketEventProducer (ticket_machine.py), one of them for ${UNKNOWN_CUSTOMER}`,
    '',
    '| customer | taps | CustomerEvents received (customer_app.py) | costs in them | its RIDES_DATABASE price | charged by ticketd (balance before → after) |',
    '|---|---:|---:|---|---:|---|',
    ...rows.map((r) => `| ${r.customerId} | ${r.published} | ${r.received} | ${costsShown(r.costs)} | ${r.listPrice} | ${cents(r.before - r.after)} (${cents(r.before)} → ${cents(r.after)}) |`),
    '',
    `dead letters on ticket_events_dead_letter_exchange: ${result.dead.length}${result.dead.map((d) => `\n  ${d.body}  reason: ${d.reason ?? '(none)'}`).join('')}`,
  ];
  return lines.join('\n');
}

function rowsOf(plan: Plan, result: DriverResult, before: Record<string, number>, after: Record<string, number>): Row[] {
  return CUSTOMERS.map((customerId) => {
    const events = result.events[customerId] ?? [];
    const taps = plan.taps.filter(([customer]) => customer === customerId);
    return {
      customerId,
      published: taps.length,
      received: events.length,
      costs: events.map((e) => e.cost),
      listPrice: taps.reduce((sum, [, ride]) => sum + (result.rides_database[ride] ?? 0), 0),
      before: before[customerId]!,
      after: after[customerId]!,
    };
  });
}

// ---- main ----------------------------------------------------------------------------------------------------------

async function preflight(settings: Settings) {
  const candidates = settings.python !== undefined ? [settings.python] : PYTHON_CANDIDATES;
  const python = findPythonWithPika(candidates);
  if (python === undefined) throw new InteropFailure(`no python with pika among ${candidates.join(', ')} (Debian: apt-get install -y python3-pika; or --python PATH)`);
  const target = pikaTarget(settings.url);
  if (!(await brokerListening(target.host, target.port, BROKER_CONNECT_TIMEOUT_MS))) {
    throw new InteropFailure(`no RabbitMQ on ${target.host}:${target.port} (start it with: rabbitmq-server -detached)`);
  }
  return { python, target };
}

async function run(settings: Settings): Promise<number> {
  const refsys1 = exportRefsys1(settings.refsys1Dir);
  const { python, target } = await preflight(settings);
  const vhost = settings.ticketd === undefined ? makeVhost(settings.url) : undefined;
  const amqpUrl = new URL(settings.url);
  if (vhost !== undefined) amqpUrl.pathname = `/${encodeURIComponent(vhost)}`;
  log(vhost !== undefined ? `vhost ${vhost} made with rabbitmqctl` : `on ${shown(settings.url)} (no vhost of its own)`);
  const ticketd = settings.ticketd === undefined ? await startTicketd(amqpUrl.toString()) : await runningTicketd(settings.ticketd);
  await amqpConnected(ticketd);
  log(`ticketd at ${ticketd.url}${ticketd.started ? ` (started: serve --demo --amqp-url ${shown(amqpUrl)})` : ''}, RabbitMQ connected`);
  const plan = planOf(refsys1.dir, settings);
  await topUp(ticketd, plan, await balances(ticketd));
  const before = await balances(ticketd);
  const script = path.join(tempDir('driver'), 'refsys1_interop_driver.py');
  fs.writeFileSync(script, driverSource({ ...target, vhost: vhost ?? target.vhost }));
  const driven = await runDriver(python.python, script, plan);
  const after = await balances(ticketd);
  const rows = rowsOf(plan, driven.result, before, after);
  const header = `reference system 1 (${settings.refsys1Dir}, ${refsys1.revision}; its files unchanged) against ticketd ${ticketd.url} on RabbitMQ ${driven.rabbitmq}, vhost ${vhost ?? target.vhost}, python pika ${driven.pika}`;
  process.stdout.write(`${summary(rows, driven.result, { header, published: plan.taps.length })}\n`);
  const problems = problemsOf(rows, driven.result);
  process.stdout.write(problems.length === 0
    ? '\nOK: every CustomerEvent arrived once, every balance went down by exactly its events\' costs, the unknown customer was dead-lettered\n'
    : `\nFAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  return problems.length === 0 ? 0 : 1;
}

async function main(): Promise<void> {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      log(`${signal}: stopping everything started here`);
      cleanupNow();
      process.exit(code);
    });
  }
  try {
    const settings = readSettings(process.argv.slice(2));
    if (settings === 'help') {
      process.stdout.write(USAGE);
      return;
    }
    process.exitCode = await run(settings);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`interop:refsys1 failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  } finally {
    await stopGracefully();
  }
}

/** A ticketd started here gets SIGTERM and a bounded wait; then the cleanups (SIGKILL for what still runs). */
async function stopGracefully(): Promise<void> {
  const child = startedTicketd;
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await withTimeout(exited, { timeoutMs: TICKETD_STOP_TIMEOUT_MS, what: 'ticketd to stop' }).catch(() => log('ticketd did not stop on SIGTERM: killed'));
  }
  cleanupNow();
}

await main();
