/**
 * What `bench/booking-http.bench.ts` prepares around its load: the real binary on a free port and a fresh data dir,
 * the one hot show (general-admission categories and a seated block), the customers, the request bodies of each
 * scenario, and the fill that takes every place left so that the show is sold out. Everything goes over HTTP with
 * the admin token of the binary's `<data-dir>/demo-credentials.json`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORY_CAPACITY_MAX } from '../src/domain/show.ts';
import { DEFAULT_INVENTORY_LIMITS } from '../src/box-office/inventory-types.ts';
import { seededRandom } from '../src/platform/random.ts';
import { withTimeout } from '../src/platform/with-timeout.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin/ticketd.js');
const LISTEN_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 30_000;
const SETUP_CONCURRENCY = 16;
const OUTPUT_TAIL_CHARS = 16_384;
/** Bodies per scenario, used in turn: enough that customers and quantities do not line up with connections. */
export const BODIES_PER_SCENARIO = 4_096;
export const SHOW_ID = 'bench-show';
export const SEATED_ID = 'hall';
export const CUSTOMER_PREFIX = 'bench-';
/** The most places one booking may hold (the API's bound): the fill's request size. */
export const FILL_QUANTITY = DEFAULT_INVENTORY_LIMITS.seatsPerBookingMax;

export interface ShowShape {
  /** General-admission places, spread over as few categories as CATEGORY_CAPACITY_MAX allows (`ga-1`, `ga-2`, …). */
  gaPlaces: number;
  rows: number;
  seatsPerRow: number;
}

export interface RunningServer {
  url: string;
  admin: string;
  process: ChildProcess;
  stderr: () => string;
}

/**
 * Starts `bin/ticketd.js serve --demo` (with `nodeArgs` before the script, e.g. `--cpu-prof`) and waits for `/ready`.
 *
 * @example
 * const server = await startServer(dataDir, ['--hold-seconds', '900'], []);
 */
export async function startServer(dataDir: string, serverArgs: string[], nodeArgs: string[]): Promise<RunningServer> {
  const args = ['serve', '--demo', '--port', '0', '--data-dir', dataDir, '--rate-limit-per-minute', '0', ...serverArgs];
  // The log (an access line per request at the default level) goes to a file, as it would in production: read from
  // a pipe, it cost this process 0.1-0.2 of a core under load, taken from the server on this 2-core machine.
  const logFile = path.join(dataDir, 'server-stderr.log');
  const logFd = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', logFd] });
  fs.closeSync(logFd);
  const stderr = (): string => tailOf(logFile);
  const stdout = child.stdout!;
  stdout.resume();
  const url = await withTimeout(new Promise<string>((resolve, reject) => {
    let seen = '';
    stdout.on('data', (chunk: Buffer) => {
      if (seen.length < 4_096) seen += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`ticketd exited with ${code} before it listened: ${stderr()}`)));
  }), { timeoutMs: LISTEN_TIMEOUT_MS, what: 'ticketd listening' });
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    const ready = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1_000) }).then(async (r) => (await r.arrayBuffer(), r.status === 200), () => false);
    if (ready) break;
    if (performance.now() > deadline) throw new Error(`/ready did not answer 200 within ${READY_TIMEOUT_MS} ms: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as { admin: string };
  return { url, admin: credentials.admin, process: child, stderr };
}

/** The last OUTPUT_TAIL_CHARS of a file ('' when it is gone). */
function tailOf(file: string): string {
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    try {
      const length = Math.min(size, OUTPUT_TAIL_CHARS);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return buffer.toString();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; answers how it ended (a profile is written only on a clean exit). */
export async function stopProcess(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) return `already ended (${child.exitCode ?? child.signalCode})`;
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`exit ${code ?? signal}`)));
  child.kill('SIGTERM');
  try {
    return await withTimeout(exited, { timeoutMs: STOP_TIMEOUT_MS, what: 'the process to stop on SIGTERM' });
  } catch {
    child.kill('SIGKILL');
    return `killed after ${STOP_TIMEOUT_MS} ms: ${await exited}`;
  }
}

/** A JSON request with the admin token; answers the status and the parsed body. */
export async function call<T>(url: string, admin: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** The ids of the general-admission categories of a show of this shape. */
export function gaCategoryIds(shape: ShowShape): string[] {
  return Array.from({ length: Math.ceil(shape.gaPlaces / CATEGORY_CAPACITY_MAX) }, (_, i) => `ga-${i + 1}`);
}

/**
 * `PUT /v1/shows/bench-show`, on sale: the general-admission categories and one seated block (rows R1…).
 *
 * @example
 * await putShow(server.url, server.admin, { gaPlaces: 400_000, rows: 40, seatsPerRow: 50 });
 */
export async function putShow(url: string, admin: string, shape: ShowShape): Promise<void> {
  const ga = gaCategoryIds(shape).map((id, i) => ({
    id, name: `Standing ${i + 1}`, price: 2_500,
    capacity: Math.min(CATEGORY_CAPACITY_MAX, shape.gaPlaces - i * CATEGORY_CAPACITY_MAX),
  }));
  const rows = Array.from({ length: shape.rows }, (_, r) => ({ row: `R${r + 1}`, seats: shape.seatsPerRow }));
  const show = {
    name: 'Bench Night', venue: 'Bench Hall', location: 'Amsterdam', startsAt: '2099-06-01T20:00:00+02:00', status: 'on_sale',
    categories: [...ga, { id: SEATED_ID, name: 'Hall', price: 4_500, capacity: shape.rows * shape.seatsPerRow, rows }],
  };
  const answer = await call(url, admin, 'PUT', `/v1/shows/${SHOW_ID}`, show);
  if (answer.status !== 201 && answer.status !== 200) throw new Error(`PUT show: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** `PUT /v1/customers/bench-<i>` for i in 1..count, SETUP_CONCURRENCY at a time. */
export async function putCustomers(url: string, admin: string, count: number): Promise<void> {
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= count) {
      const i = next++;
      const answer = await call(url, admin, 'PUT', `/v1/customers/${CUSTOMER_PREFIX}${i}`, { name: `Bench ${i}`, tier: 'standard', balance: 100_000 });
      if (answer.status !== 201 && answer.status !== 200) throw new Error(`PUT customer ${i}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, count) }, worker));
}

type Item = { categoryId: string; quantity: number; together?: true };

function bookingBodies(customers: number, seed: number, item: (i: number, random: () => number) => Item): string[] {
  // Seeded, so every run sends the same bodies.
  const rng = seededRandom(seed);
  const random = (): number => rng.next();
  return Array.from({ length: BODIES_PER_SCENARIO }, (_, i) => JSON.stringify({
    customerId: `${CUSTOMER_PREFIX}${1 + (i % customers)}`, showId: SHOW_ID, items: [item(i, random)],
  }));
}

/** Holds of 1-4 general-admission places, the categories in turn. */
export function gaBodies(shape: ShowShape, customers: number, seed: number): string[] {
  const ids = gaCategoryIds(shape);
  return bookingBodies(customers, seed, (i, random) => ({ categoryId: ids[i % ids.length]!, quantity: 1 + Math.floor(random() * 4) }));
}

/** Best-available pairs, side by side, on the seated block. */
export function togetherBodies(customers: number, seed: number): string[] {
  return bookingBodies(customers, seed, () => ({ categoryId: SEATED_ID, quantity: 2, together: true }));
}

/** Once all is taken: the two kinds of request above, alternating. */
export function soldOutBodies(shape: ShowShape, customers: number, seed: number): string[] {
  const ga = gaBodies(shape, customers, seed);
  const pairs = togetherBodies(customers, seed);
  return ga.map((body, i) => (i % 2 === 0 ? body : pairs[i]!));
}

interface ShowAnswer { categories: Array<{ id: string; available: number }> }

/** `available` of each category, from `GET /v1/shows/bench-show`. */
export async function availability(url: string, admin: string): Promise<Record<string, number>> {
  const answer = await call<ShowAnswer>(url, admin, 'GET', `/v1/shows/${SHOW_ID}`);
  if (answer.status !== 200) throw new Error(`GET show: ${answer.status} ${JSON.stringify(answer.body)}`);
  return Object.fromEntries(answer.body.categories.map((c) => [c.id, c.available]));
}

/**
 * Holds every place left in every category (seats by best available, not side by side), FILL_QUANTITY a booking,
 * SETUP_CONCURRENCY at a time, and answers the holds made and what the show has left afterwards (all zeros when it is
 * sold out). A refusal stops it with an error.
 *
 * @example
 * const { holds, left } = await fillPlaces(server.url, server.admin); // left: { 'ga-1': 0, …, hall: 0 }
 */
export async function fillPlaces(url: string, admin: string): Promise<{ holds: number; left: Record<string, number> }> {
  const before = await availability(url, admin);
  const requests: Item[] = [];
  for (const [id, available] of Object.entries(before)) {
    for (let left = available; left > 0; left -= FILL_QUANTITY) requests.push({ categoryId: id, quantity: Math.min(FILL_QUANTITY, left) });
  }
  let next = 0;
  let holds = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const i = next++;
      const body = { customerId: `${CUSTOMER_PREFIX}1`, showId: SHOW_ID, items: [requests[i]!] };
      const answer = await call(url, admin, 'POST', '/v1/bookings', body);
      if (answer.status === 201) holds++;
      else throw new Error(`fill: POST /v1/bookings ${JSON.stringify(body.items)}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
  return { holds, left: await availability(url, admin) };
}
