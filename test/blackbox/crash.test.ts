/**
 * Crash safety of the real binary: SIGKILL under load at a moment drawn from a seed, restart on the same data dir,
 * check the invariants; several rounds, each on the data the rounds before left behind. A tap is decided and
 * committed before it is answered, so:
 *
 * - every answer fits the contract (crash-common.ts, `answersOf`): a fresh tap gets its outcome, never `duplicate`
 *   or `conflict`; a tap sent again, or repeated later in its request, is `duplicate` with exactly the outcome it
 *   was first answered with; another machine's tap (or other content) under a taken id is a bare `conflict`;
 * - every answered tap has exactly that outcome on the restarted server (`GET /v1/taps/:id`: issued with the same
 *   ticket id, price and balance after, or rejected or failed for the same reason), and the outcome fits the tap
 *   (a valid tap is issued or short of funds, an invalid one is rejected for its reason); a tap sent without an
 *   answer is sent again after the restart, as a ticket machine would: `duplicate` if it was committed before the
 *   kill, decided now otherwise, never `conflict`;
 * - no tap is charged twice: the tickets are exactly the issued answers, one per tap id; conflicting copies change
 *   nothing (no ticket, no charge, no dead letter of theirs);
 * - every balance equals its opening balance plus its applied top-ups minus the prices of its issued taps (a top-up
 *   that got no answer is sent again after the restart: `duplicate` says it had been applied);
 * - one open dead letter per rejected or failed tap, holding that tap, and none for the others;
 * - SSE: a client that reconnects with Last-Event-ID gets every event exactly once: what the watched customers'
 *   streams (two at once for one of them) received across every kill equals the log replayed from 0, which is one
 *   `ticket.issued` per ticket (the ticket itself), one `ticket.rejected` per rejected tap, one `balance.changed`
 *   per applied top-up and nothing else, and whose balances (`balanceAfter` of tickets, `balance` of top-ups) chain
 *   from the opening balance to today's.
 *
 * In about a third of the rounds the restarted server is killed again within 250 ms of listening (while the
 * unanswered taps are being sent again) and started once more. The load runs in its own process (crash-load.ts)
 * and records what it sends and every answer in a file beside the database the moment it arrives; the test
 * records its own requests there too.
 *
 * `SEED=n npx vitest run test/blackbox/crash.test.ts` replays the kill moments and the load's mix (not the
 * server's timing). `CRASH_ROUNDS=n` changes the number of rounds (3 by default); `KEEP_CRASH_DATA=1` keeps the
 * data dir (database and the record) for a post-mortem.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import { openEventStream, startBinary, type EventStream, type RunningBinary, type SseEvent } from './binary.ts';
import {
  answersOf, appendLoadLines, cutUnfinishedLine, prng, readLoadLines, subSeed, type AnsweredTap, type LoadConfig,
  type LoadLine, type SentTap, type TapAnswer,
} from './crash-common.ts';

const SEED = process.env.SEED !== undefined && process.env.SEED !== '' ? Number(process.env.SEED) : 20_261_122;
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const CUSTOMERS = 50;
/** Most customers can pay for everything; the last few run short, so `insufficient_funds` happens too. */
const OPENING_BALANCE = 500_000;
const POOR_OPENING_BALANCE = 3_000;
const POOR_FROM = 40;
/** Watched customers and how many streams (phones) each keeps open at once. */
const PHONES: ReadonlyArray<[string, number]> = [['crash-c-00', 2], ['crash-c-01', 1], ['crash-c-02', 1]];
const SENDERS = 3;
const KILL_AFTER_MS = { min: 100, max: 1_500 };
/** In about a third of the rounds the restarted server is killed again this soon after it listens. */
const DOUBLE_CRASH_MAX_MS = 250;
/** Bounds: every wait and loop in this test has one. */
const LOAD_START_MS = 15_000;
const LOAD_EXIT_MS = 5_000;
const STREAM_END_MS = 5_000;
const EVENT_WAIT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;
const RETRY_BATCH_MAX = 1_000;
const RETRY_REFUSALS_MAX = 50;
const GET_CONCURRENCY = 16;
const PAGE_LIMIT = 1_000;
const PAGES_MAX = 1_000;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOAD_SCRIPT = fileURLToPath(new URL('./crash-load.ts', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/ticketd.js', import.meta.url));

interface Ticket { ticketId: string; tapId: string; customerId: string; rideId: string; price: number; balanceAfter: number }
interface TapState { tapId: string; status: string; reason?: string; ticket?: Ticket }
interface TopUp { customerId: string; amount: number; acked: boolean; round: number }
interface DeadLetter { id: number; tapId: string; tap: unknown; reason: string; attempts: number; status: string }

const children = new Set<ChildProcess>();
const streams = new Set<EventStream>();
let dataDir: string | undefined;

afterAll(() => {
  for (const stream of streams) stream.close();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dataDir === undefined) return;
  if (process.env.KEEP_CRASH_DATA) console.log(`crash test: data dir kept at ${dataDir} (the record is crash-load.jsonl)`);
  else fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Headers for every request: the admin token from `<data-dir>/demo-credentials.json`. Refreshed after every start. */
let authHeaders: Record<string, string> = {};

function loadAuthHeaders(dir: string): void {
  const credentials = JSON.parse(fs.readFileSync(path.join(dir, 'demo-credentials.json'), 'utf8')) as { admin: string };
  authHeaders = { authorization: `Bearer ${credentials.admin}` };
}

/**
 * Extra `serve` flags: no per-token rate limit where the binary has one (this test is its own heavy client).
 * Asked of `serve --help`, so the test runs against binaries with and without the flag.
 */
function serveArgs(): string[] {
  const help = spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8', timeout: 10_000 });
  return `${help.stdout}${help.stderr}`.includes('--rate-limit-per-minute') ? ['--rate-limit-per-minute', '0'] : [];
}

async function call<T>(url: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    headers: { ...authHeaders, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** JSON with every object's keys sorted: equal for equal values, whatever order their keys were written in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

let extraArgs: string[] | undefined;

async function start(dir: string): Promise<RunningBinary> {
  extraArgs ??= serveArgs();
  const binary = await startBinary({ dataDir: dir, args: extraArgs });
  children.add(binary.process);
  loadAuthHeaders(dir);
  return binary;
}

function startLoad(config: LoadConfig): { child: ChildProcess; started: Promise<void>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', LOAD_SCRIPT, JSON.stringify(config)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('crash-load started')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the load exited with ${code} before it started: ${stderr}`)));
  });
  return { child, started, output: () => `${stdout}\n${stderr}` };
}

async function stopProcess(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  try {
    await withTimeout(exited, { timeoutMs: ms, what: 'the load stopping' });
  } catch {
    child.kill('SIGKILL');
    await withTimeout(exited, { timeoutMs: ms, what: 'the load dying' });
  }
}

/** One phone of a watched customer: every connection it made, in order. */
class Watcher {
  readonly connections: Array<{ afterId: number; stream: EventStream }> = [];
  constructor(readonly customerId: string) {}

  received(): SseEvent[] {
    return this.connections.flatMap((c) => c.stream.events);
  }

  lastId(): number {
    return this.received().at(-1)?.id ?? 0;
  }

  async connect(url: string): Promise<EventStream> {
    const afterId = this.lastId();
    const stream = openEventStream(`${url}/v1/customers/${this.customerId}/events`, { lastEventId: afterId, headers: authHeaders });
    streams.add(stream);
    this.connections.push({ afterId, stream });
    await withTimeout(stream.connected, { timeoutMs: EVENT_WAIT_MS, what: `SSE connect for ${this.customerId}` });
    return stream;
  }

  current(): EventStream {
    return this.connections.at(-1)!.stream;
  }
}

/**
 * Sends again, as a ticket machine would, every fresh tap the record shows sent and never answered (up to 1,000 a
 * request), recording the requests and answers as the load does. 429 and 503 are retried, a bounded number of
 * times; a request that fails (the server killed meanwhile) leaves the rest for the next start.
 */
async function retryUnanswered(url: string, record: string, round: number, counts: { answered: number; duplicate: number }): Promise<void> {
  const lines = readLoadLines(record);
  const answered = new Set<string>();
  for (const line of lines) if (line.kind === 'taps-answered') for (const t of line.taps) answered.add(t.tap.tapId);
  const unanswered = new Map<string, SentTap>();
  for (const line of lines) {
    if (line.kind !== 'taps-sent') continue;
    for (const t of line.taps) if (t.send === 'fresh' && !answered.has(t.tap.tapId)) unanswered.set(t.tap.tapId, t);
  }
  const all = [...unanswered.values()];
  let refusals = 0;
  for (let i = 0; i < all.length; ) {
    const batch = all.slice(i, i + RETRY_BATCH_MAX);
    appendLoadLines(record, [{ kind: 'taps-sent', round, by: 'test', taps: batch }]);
    let answer: { status: number; body: { taps?: TapAnswer[] } };
    try {
      answer = await call(`${url}/v1/taps`, 'POST', batch.map((b) => b.tap));
    } catch {
      return; // the server is gone: the rest waits for the next start
    }
    if ((answer.status === 429 || answer.status === 503) && refusals++ < RETRY_REFUSALS_MAX) {
      await sleep(100);
      continue;
    }
    const results = answer.body.taps;
    if (answer.status !== 200 || results?.length !== batch.length) {
      throw new Error(`sending unanswered taps again: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    }
    appendLoadLines(record, [{ kind: 'taps-answered', round, by: 'test', taps: batch.map((b, k) => ({ ...b, answer: results[k]! })) }]);
    counts.answered += batch.length;
    counts.duplicate += results.filter((r) => r.status === 'duplicate').length;
    i += batch.length;
  }
}

/** All pages of a paginated list. */
async function listAll<T>(url: string, key: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < PAGES_MAX; page++) {
    const sep = url.includes('?') ? '&' : '?';
    const answer: { status: number; body: Record<string, unknown> } = await call(`${url}${sep}limit=${PAGE_LIMIT}${cursor !== null ? `&cursor=${cursor}` : ''}`);
    if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    items.push(...(answer.body[key] as T[]));
    cursor = answer.body.nextCursor as string | null;
    if (cursor === null || cursor === undefined) return items;
  }
  throw new Error(`${url}: more than ${PAGES_MAX} pages`);
}

/** What the record says after a round: every answer checked, each tap id's outcome, the top-ups, and counts. */
function readRecord(lines: readonly LoadLine[], round: number, violations: string[]) {
  const { answered, violations: answerViolations } = answersOf(lines);
  violations.push(...answerViolations);
  const sent = new Set<string>();
  const topUps = new Map<string, TopUp>();
  const counts = { answered: 0, duplicate: 0, conflict: 0 };
  for (const line of lines) {
    if (line.kind === 'taps-sent') {
      for (const { tap, send } of line.taps) if (send === 'fresh') sent.add(tap.tapId);
    } else if (line.kind === 'taps-answered' && line.round === round && line.by === 'load') {
      for (const { answer } of line.taps) {
        counts.answered++;
        if (answer.status === 'duplicate') counts.duplicate++;
        if (answer.status === 'conflict') counts.conflict++;
      }
    } else if (line.kind === 'top-up-sent') {
      if (!topUps.has(line.topUpId)) topUps.set(line.topUpId, { customerId: line.customerId, amount: line.amount, acked: false, round: line.round });
    } else if (line.kind === 'top-up') {
      const t = topUps.get(line.topUpId);
      if (t === undefined) violations.push(`top-up ${line.topUpId} acknowledged but never recorded as sent`);
      else t.acked = true;
      // The test sends again top-ups that got no answer: applied then, or a duplicate of one applied before the kill.
      const want = line.by === 'test' ? ['applied', 'duplicate'] : [line.resend ? 'duplicate' : 'applied'];
      if (!want.includes(line.status)) violations.push(`top-up ${line.topUpId} (${line.by}, resend: ${line.resend}) got ${line.status}, expected ${want[0]}`);
    } else if (line.kind === 'malformed' && line.status !== 400) violations.push(`a malformed request got ${line.status}, expected 400`);
  }
  const neverAnswered = [...sent].filter((id) => !answered.has(id));
  if (neverAnswered.length > 0) {
    violations.push(`${neverAnswered.length} taps sent without an answer were not answered when sent again, e.g. ${neverAnswered.slice(0, 5).join(', ')}`);
  }
  for (const [id, { intent, decided }] of answered) {
    const fits =
      decided.status === 'failed' ||
      (intent === 'valid' ? decided.status === 'issued' || decided.reason === 'insufficient_funds' : decided.status === 'rejected' && decided.reason === intent);
    if (!fits) violations.push(`tap ${id} (${intent}) was answered ${JSON.stringify(decided)}`);
  }
  return { answered, topUps, counts };
}

/** Every answered tap has exactly its answered outcome on the server. */
async function checkTapStates(url: string, answered: Map<string, AnsweredTap>, violations: string[]): Promise<void> {
  const ids = [...answered.keys()];
  const states = await mapLimit(ids, GET_CONCURRENCY, (id) => call<TapState>(`${url}/v1/taps/${id}`));
  states.forEach(({ status, body: state }, i) => {
    const { tap, decided } = answered.get(ids[i]!)!;
    const where = `tap ${tap.tapId}, answered ${JSON.stringify(decided)}`;
    if (status !== 200) return void violations.push(`${where}: GET answered ${status} ${JSON.stringify(state)}`);
    const t = state.ticket;
    const same =
      decided.status === 'issued'
        ? state.status === 'issued' && state.reason === undefined && t !== undefined && t.ticketId === decided.ticketId &&
          t.price === decided.price && t.balanceAfter === decided.balanceAfter && t.tapId === tap.tapId &&
          t.customerId === tap.customerId && t.rideId === tap.rideId
        : state.status === decided.status && state.reason === decided.reason && t === undefined;
    if (!same || state.tapId !== tap.tapId) violations.push(`${where}: the server says ${JSON.stringify(state)}`);
  });
}

/** Charged once: the tickets are exactly the issued answers, one per tap id, each for its tap's customer. */
async function checkTickets(url: string, customers: readonly string[], answered: Map<string, AnsweredTap>, violations: string[]) {
  const tickets = new Map<string, Ticket[]>();
  for (const c of customers) tickets.set(c, await listAll<Ticket>(`${url}/v1/customers/${c}/tickets`, 'tickets'));
  const ticketByTap = new Map<string, Ticket>();
  for (const [c, list] of tickets) {
    for (const t of list) {
      if (ticketByTap.has(t.tapId)) violations.push(`tap ${t.tapId} has two tickets: ${ticketByTap.get(t.tapId)!.ticketId} and ${t.ticketId}`);
      ticketByTap.set(t.tapId, t);
      const decided = answered.get(t.tapId)?.decided;
      if (t.customerId !== c) violations.push(`ticket ${t.ticketId} of ${t.customerId} listed for ${c}`);
      if (decided === undefined) violations.push(`ticket ${t.ticketId} for tap ${t.tapId}, which nobody was answered for`);
      else if (decided.status !== 'issued' || decided.ticketId !== t.ticketId || decided.price !== t.price || decided.balanceAfter !== t.balanceAfter) {
        violations.push(`ticket ${JSON.stringify(t)} for tap ${t.tapId}, answered ${JSON.stringify(decided)}`);
      }
    }
  }
  for (const [id, { decided }] of answered) if (decided.status === 'issued' && !ticketByTap.has(id)) violations.push(`tap ${id} was answered issued but has no ticket`);
  return tickets;
}

/**
 * Balances: opening + applied top-ups − prices of the issued answers. Unanswered top-ups are sent again: `duplicate`
 * means they had been applied before the kill. Returns today's balances and what the round's top-ups did.
 */
async function checkBalances(
  url: string, record: string, round: number, opening: Map<string, number>, answered: Map<string, AnsweredTap>, topUps: Map<string, TopUp>,
  violations: string[],
) {
  const prices = new Map<string, number>();
  for (const { tap, decided } of answered.values()) if (decided.status === 'issued') prices.set(tap.customerId, (prices.get(tap.customerId) ?? 0) + decided.price);
  const unanswered = [...topUps].filter(([, t]) => !t.acked);
  const unansweredIds = new Set(unanswered.map(([id]) => id));
  const appliedBeforeKill = new Set<string>();
  const topUpSum = (c: string, include: (id: string) => boolean): number =>
    [...topUps].filter(([id, t]) => t.customerId === c && include(id)).reduce((sum, [, t]) => sum + t.amount, 0);
  const balancesBefore = new Map<string, number>();
  for (const c of opening.keys()) balancesBefore.set(c, (await call<{ balance: number }>(`${url}/v1/customers/${c}`)).body.balance);
  for (const [topUpId, t] of unanswered) {
    const answer = await call<{ status: string }>(`${url}/v1/customers/${t.customerId}/top-ups`, 'POST', { topUpId, amount: t.amount });
    if (answer.status !== 200 && answer.status !== 201) {
      violations.push(`re-sent top-up ${topUpId} answered ${answer.status}`);
      continue;
    }
    if (answer.body.status === 'duplicate') appliedBeforeKill.add(topUpId);
    appendLoadLines(record, [{ kind: 'top-up', round, by: 'test', topUpId, customerId: t.customerId, amount: t.amount, status: answer.body.status, resend: false }]);
    t.acked = true;
  }
  const balances = new Map<string, number>();
  for (const [c, openingBalance] of opening) {
    const before = balancesBefore.get(c)!;
    const expectedBefore = openingBalance + topUpSum(c, (id) => !unansweredIds.has(id) || appliedBeforeKill.has(id)) - (prices.get(c) ?? 0);
    if (before !== expectedBefore) violations.push(`balance of ${c} after the restart is ${before}, expected ${expectedBefore}`);
    const balance = (await call<{ balance: number }>(`${url}/v1/customers/${c}`)).body.balance;
    const expected = openingBalance + topUpSum(c, () => true) - (prices.get(c) ?? 0);
    if (balance !== expected) violations.push(`balance of ${c} after re-sending top-ups is ${balance}, expected ${expected}`);
    if (balance < 0) violations.push(`balance of ${c} is negative: ${balance}`);
    balances.set(c, balance);
  }
  return { balances, unanswered: unanswered.length, appliedBeforeKill: appliedBeforeKill.size };
}

/** One open dead letter per rejected or failed tap, holding that tap and its reason; none for the others. */
async function checkDeadLetters(url: string, answered: Map<string, AnsweredTap>, violations: string[]): Promise<void> {
  const letters = new Map<string, DeadLetter[]>();
  for (const d of await listAll<DeadLetter>(`${url}/v1/dead-letters`, 'deadLetters')) letters.set(d.tapId, [...(letters.get(d.tapId) ?? []), d]);
  for (const [id, list] of letters) if (!answered.has(id)) violations.push(`dead letter ${list[0]!.id} for tap ${id}, which nobody was answered for`);
  for (const [id, { tap, decided }] of answered) {
    const list = letters.get(id) ?? [];
    if (decided.status === 'issued') {
      if (list.length > 0) violations.push(`tap ${id} (issued) has ${list.length} dead letters`);
      continue;
    }
    if (list.length !== 1) {
      violations.push(`tap ${id} (${decided.status}) has ${list.length} dead letters, expected 1`);
      continue;
    }
    const d = list[0]!;
    const fits = d.reason === decided.reason && d.status === 'open' && (decided.status === 'failed' || d.attempts === 1) && canonicalJson(d.tap) === canonicalJson(tap);
    if (!fits) violations.push(`tap ${id} (${JSON.stringify(decided)}, ${JSON.stringify(tap)}) has the dead letter ${JSON.stringify(d)}`);
  }
}

/**
 * A watched customer's log, replayed from 0, against the API: one `ticket.issued` per ticket (the ticket itself,
 * in the order issued), one `ticket.rejected` per rejected tap, one `balance.changed` per applied top-up, nothing
 * else; and a balance chain from the opening balance to today's.
 */
function checkLog(
  c: string, truth: readonly SseEvent[], tickets: readonly Ticket[], answered: Map<string, AnsweredTap>, topUps: Map<string, TopUp>,
  opening: number, today: number, violations: string[],
): void {
  const issued = truth.filter((e) => e.event === 'ticket.issued').map((e) => canonicalJson(e.data));
  const listed = [...tickets].reverse().map(canonicalJson); // the list is newest first
  if (JSON.stringify(issued) !== JSON.stringify(listed)) {
    violations.push(`${c}: ${issued.length} ticket.issued events are not its ${listed.length} tickets, in order`);
  }
  const rejected = truth
    .filter((e) => e.event === 'ticket.rejected')
    .map((e) => `${e.data.tapId as string} ${e.data.reason as string}`)
    .sort();
  const wantRejected = [...answered.values()]
    .flatMap(({ tap, decided }) => (tap.customerId === c && decided.status === 'rejected' ? [`${tap.tapId} ${decided.reason}`] : []))
    .sort();
  if (JSON.stringify(rejected) !== JSON.stringify(wantRejected)) {
    violations.push(`${c}: ${rejected.length} ticket.rejected events for ${wantRejected.length} rejected taps, or not one each`);
  }
  // Each balance.changed is a top-up's, and says its amount: a ticket's debit is in its ticket.issued alone.
  const topUpEvents = truth
    .filter((e) => e.event === 'balance.changed')
    .map(({ data }) => {
      const cause = data.cause as { kind?: string; topUpId?: string } | undefined;
      const topUp = cause?.kind === 'top-up' ? topUps.get(cause.topUpId!) : undefined;
      return topUp?.customerId === c && topUp.amount === data.change ? cause!.topUpId! : `not one of its top-ups: ${JSON.stringify(data)}`;
    })
    .sort();
  const customerTopUps = [...topUps].filter(([, t]) => t.customerId === c).map(([id]) => id).sort();
  if (JSON.stringify(topUpEvents) !== JSON.stringify(customerTopUps)) {
    violations.push(`${c}: ${topUpEvents.length} balance.changed events for ${customerTopUps.length} top-ups, or not one each: ${topUpEvents.slice(0, 5).join(', ')}`);
  }
  const others = truth.filter((e) => !['ticket.issued', 'ticket.rejected', 'balance.changed'].includes(e.event));
  if (others.length > 0) violations.push(`${c}: unexpected events ${others.slice(0, 3).map((e) => e.event).join(', ')}`);
  let balance = opening;
  for (const e of truth) {
    if (e.event === 'ticket.issued') {
      const t = e.data as unknown as Ticket;
      if (t.balanceAfter !== balance - t.price) violations.push(`${c}: ticket event ${e.id} says ${t.balanceAfter} after ${t.price}, but the balance was ${balance}`);
      balance = t.balanceAfter;
    } else if (e.event === 'balance.changed') {
      const data = e.data as { balance: number; change: number };
      if (data.balance !== balance + data.change) violations.push(`${c}: event ${e.id} says ${data.balance} after ${data.change}, but the balance was ${balance}`);
      balance = data.balance;
    }
  }
  if (balance !== today) violations.push(`${c}: the log's last balance is ${balance}, the customer's is ${today}`);
}

/** What a phone received across every connection, against the log replayed from 0: the same events, each once. */
function checkReceived(w: Watcher, truth: readonly SseEvent[], violations: string[]): void {
  const c = w.customerId;
  for (const { afterId, stream } of w.connections) {
    let previous = afterId;
    for (const e of stream.events) {
      if (!(e.id > previous)) violations.push(`${c}: a stream resumed after ${afterId} sent id ${e.id} after ${previous}`);
      previous = e.id;
    }
  }
  const received = w.received();
  const receivedIds = received.map((e) => e.id);
  const truthIds = truth.map((e) => e.id);
  if (new Set(receivedIds).size !== receivedIds.length) violations.push(`${c}: some events arrived twice across reconnects`);
  if (JSON.stringify(receivedIds) !== JSON.stringify(truthIds)) {
    const missing = truthIds.filter((id) => !receivedIds.includes(id));
    const extra = receivedIds.filter((id) => !truthIds.includes(id));
    violations.push(`${c}: streams got ${receivedIds.length} events, the log has ${truthIds.length}; missing ${missing.slice(0, 10).join(',')}; extra ${extra.slice(0, 10).join(',')}`);
    return;
  }
  for (let i = 0; i < truth.length; i++) {
    if (canonicalJson(received[i]) !== canonicalJson(truth[i])) violations.push(`${c}: event ${truth[i]!.id} differs between live and replay`);
  }
}

/** What a round found out, for the SSE checks. */
interface RoundState {
  answered: Map<string, AnsweredTap>;
  topUps: Map<string, TopUp>;
  tickets: Map<string, Ticket[]>;
  balances: Map<string, number>;
  opening: Map<string, number>;
}

/**
 * SSE: a sentinel top-up per watched customer marks the end of its log; every phone's resumed stream must get it,
 * and everything it received across every kill must equal the log replayed from 0, which must match the API.
 */
async function checkStreams(
  url: string, record: string, watchers: readonly Watcher[], round: number, state: RoundState, violations: string[],
): Promise<number> {
  let checked = 0;
  for (const [c] of PHONES) {
    const sentinel = `sentinel-r${round}-${c}`;
    appendLoadLines(record, [{ kind: 'top-up-sent', round, topUpId: sentinel, customerId: c, amount: 1 }]);
    const answer = await call<{ status: string; customer: { balance: number } }>(`${url}/v1/customers/${c}/top-ups`, 'POST', { topUpId: sentinel, amount: 1 });
    expect([answer.status, answer.body.status], `sentinel top-up for ${c}`).toEqual([201, 'applied']);
    appendLoadLines(record, [{ kind: 'top-up', round, by: 'test', topUpId: sentinel, customerId: c, amount: 1, status: 'applied', resend: false }]);
    state.topUps.set(sentinel, { customerId: c, amount: 1, acked: true, round });
    state.balances.set(c, answer.body.customer.balance);
    const isSentinel = (e: SseEvent): boolean => (e.data.cause as { topUpId?: string } | undefined)?.topUpId === sentinel;
    const phones = watchers.filter((w) => w.customerId === c);
    for (const w of phones) {
      await withTimeout(w.current().waitFor(isSentinel, EVENT_WAIT_MS), { timeoutMs: EVENT_WAIT_MS + 1_000, what: `sentinel ${sentinel} on the resumed stream` });
      w.current().close();
    }
    const truthStream = openEventStream(`${url}/v1/customers/${c}/events`, { lastEventId: 0, headers: authHeaders });
    streams.add(truthStream);
    await withTimeout(truthStream.waitFor(isSentinel, EVENT_WAIT_MS), { timeoutMs: EVENT_WAIT_MS + 1_000, what: `sentinel ${sentinel} in the replay from 0` });
    truthStream.close();
    const truth = truthStream.events;
    for (const w of phones) {
      checkReceived(w, truth, violations);
      checked += w.received().length;
    }
    checkLog(c, truth, state.tickets.get(c)!, state.answered, state.topUps, state.opening.get(c)!, state.balances.get(c)!, violations);
  }
  return checked;
}

describe('ticketd survives SIGKILL under load', () => {
  it(`answers every tap with the outcome it keeps, charges once, balances add up, SSE resumes exactly once (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
    console.log(`crash test: SEED=${SEED} rounds=${ROUNDS}`);
    const rng = prng(subSeed(SEED, 0xc4a5));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-crash-'));
    const record = path.join(dataDir, 'crash-load.jsonl'); // beside the database; the server ignores it
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `crash-c-${String(i).padStart(2, '0')}`);
    const opening = new Map(customers.map((c, i) => [c, i < POOR_FROM ? OPENING_BALANCE : POOR_OPENING_BALANCE]));

    let binary = await start(dataDir);
    for (const id of customers) {
      const put = await call(`${binary.url}/v1/customers/${id}`, 'PUT', { name: `Crash ${id}`, tier: 'standard', balance: opening.get(id)! });
      expect(put.status, `PUT ${id}`).toBe(201);
    }
    const watchers = PHONES.flatMap(([c, n]) => Array.from({ length: n }, () => new Watcher(c)));
    for (const w of watchers) await w.connect(binary.url);

    for (let round = 0; round < ROUNDS; round++) {
      const violations: string[] = [];
      const killAfterMs = KILL_AFTER_MS.min + Math.floor(rng() * (KILL_AFTER_MS.max - KILL_AFTER_MS.min + 1));
      const doubleCrash = rng() < 0.34 ? Math.floor(rng() * DOUBLE_CRASH_MAX_MS) : undefined;

      // Load, then SIGKILL at the drawn moment.
      const load = startLoad({ url: binary.url, out: record, round, seed: SEED, customers, senders: SENDERS, headers: authHeaders });
      await withTimeout(load.started, { timeoutMs: LOAD_START_MS, what: 'the load starting' });
      await sleep(killAfterMs);
      const killed = await withTimeout(binary.stop('SIGKILL'), { timeoutMs: STREAM_END_MS, what: 'the SIGKILL' });
      expect(killed, 'killed by a signal').toBeNull();
      await stopProcess(load.child, LOAD_EXIT_MS);
      cutUnfinishedLine(record);
      for (const w of watchers) await withTimeout(w.current().ended, { timeoutMs: STREAM_END_MS, what: `the SSE stream of ${w.customerId} ending` });
      const unexpected = /"unexpected":\[(.+?)\]\}/.exec(load.output());
      if (unexpected !== null) violations.push(`the load saw unexpected answers: ${unexpected[1]!.slice(0, 500)}`);

      // Restart; what got no answer is sent again at once, as a ticket machine would. When drawn, the restarted
      // server is killed again soon after it listens, while those are being sent, and started once more.
      const retried = { answered: 0, duplicate: 0 };
      if (doubleCrash !== undefined) {
        binary = await start(dataDir);
        const retrying = retryUnanswered(binary.url, record, round, retried);
        await sleep(doubleCrash);
        await binary.stop('SIGKILL');
        await withTimeout(retrying, { timeoutMs: REQUEST_TIMEOUT_MS * 2, what: 'the retries ending' });
      }
      binary = await start(dataDir);
      const url = binary.url;
      await withTimeout(retryUnanswered(url, record, round, retried), { timeoutMs: REQUEST_TIMEOUT_MS * 2, what: 'the retries' });
      for (const w of watchers) await w.connect(url);

      const { answered, topUps, counts } = readRecord(readLoadLines(record), round, violations);
      await checkTapStates(url, answered, violations);
      const tickets = await checkTickets(url, customers, answered, violations);
      const { balances, unanswered, appliedBeforeKill } = await checkBalances(url, record, round, opening, answered, topUps, violations);
      await checkDeadLetters(url, answered, violations);
      const sseEvents = await checkStreams(url, record, watchers, round, { answered, topUps, tickets, balances, opening }, violations);

      const outcomes = { issued: 0, rejected: 0, failed: 0 };
      for (const { decided } of answered.values()) outcomes[decided.status]++;
      console.log(
        `crash round ${round}: SIGKILL ${killAfterMs} ms into the load; ${counts.answered} taps answered (${counts.duplicate} duplicates, ` +
          `${counts.conflict} conflicts), ${[...topUps.values()].filter((t) => t.round === round).length} top-ups (${unanswered} unanswered, ` +
          `${appliedBeforeKill} of them applied before the kill), ${retried.answered} unanswered taps sent again (${retried.duplicate} of them ` +
          `committed before the kill)` + (doubleCrash !== undefined ? ` (killed again ${doubleCrash} ms after that restart)` : '') +
          `; cumulative: ${answered.size} tap ids, ${outcomes.issued} issued, ${outcomes.rejected} rejected, ${outcomes.failed} failed, ` +
          `${sseEvents} SSE events checked`,
      );
      expect(violations.slice(0, 30), `round ${round} (SEED=${SEED}): ${violations.length} violations`).toEqual([]);

      if (round < ROUNDS - 1) for (const w of watchers) await w.connect(url); // the next round's live streams
    }
    expect(await withTimeout(binary.stop('SIGTERM'), { timeoutMs: EVENT_WAIT_MS, what: 'the last server stopping' }), 'exit code after SIGTERM').toBe(0);
  }, 150_000);
});
