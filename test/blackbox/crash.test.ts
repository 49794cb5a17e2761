/**
 * Crash safety of the real binary: SIGKILL under load at a moment drawn from a seed, restart on the same data dir,
 * check the invariants; several rounds, each on the data the rounds before left behind.
 *
 * - every tap that got a 202 reaches exactly one final outcome (taps journaled but not processed are processed at
 *   start), and the outcome fits the tap (a valid tap is issued or short of funds, an invalid one is rejected for
 *   its reason); a tap sent without an answer is sent again right after the restart, as a ticket machine would,
 *   racing the recovery (`duplicate` says it had been journaled), and ends final too;
 * - no tap is charged twice: tap ids are unique among tickets, and every issued tap has exactly its ticket;
 * - every balance equals its opening balance plus its applied top-ups minus the prices of its tickets (a top-up
 *   that got no answer is sent again after the restart: `duplicate` says it had been applied);
 * - SSE: a client that reconnects with Last-Event-ID gets every notification exactly once: what the watched
 *   customers' streams received across every kill equals the outbox replayed from 0, which matches their tickets,
 *   rejections, top-ups and balances.
 *
 * In about a third of the rounds the restarted server is killed again within 250 ms of listening (during recovery
 * and the retries) and started once more. The load runs in its own process (crash-load.ts) and records every answer
 * in a file beside the database the moment it arrives.
 *
 * `SEED=n npx vitest run test/blackbox/crash.test.ts` replays the kill moments and the load's mix (not the
 * server's timing). `CRASH_ROUNDS=n` changes the number of rounds (3 by default); `KEEP_CRASH_DATA=1` keeps the
 * data dir (database and the load's record) for a post-mortem.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openEventStream, startBinary, type EventStream, type RunningBinary, type SseEvent } from './binary.ts';
import { prng, readLoadLines, subSeed, type LoadConfig, type LoadTap, type TapIntent } from './crash-common.ts';

const SEED = process.env.SEED !== undefined && process.env.SEED !== '' ? Number(process.env.SEED) : 20_261_122;
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const CUSTOMERS = 50;
/** Most customers can pay for everything; the last few run short, so `insufficient_funds` happens too. */
const OPENING_BALANCE = 500_000;
const POOR_OPENING_BALANCE = 3_000;
const POOR_FROM = 40;
const WATCHED = ['crash-c-00', 'crash-c-01', 'crash-c-02'];
const SENDERS = 3;
const KILL_AFTER_MS = { min: 100, max: 1_500 };
/** In about a third of the rounds the restarted server is killed again this soon after it listens (mid-recovery). */
const DOUBLE_CRASH_MAX_MS = 250;
/** Bounds: every wait in this test has one. */
const LOAD_START_MS = 15_000;
const LOAD_EXIT_MS = 5_000;
const STREAM_END_MS = 5_000;
const FINAL_WAIT_MS = 20_000;
const EVENT_WAIT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;
const GET_CONCURRENCY = 16;
const PAGE_LIMIT = 1_000;
const PAGES_MAX = 1_000;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOAD_SCRIPT = fileURLToPath(new URL('./crash-load.ts', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/ticketd.js', import.meta.url));

type TapStatus = 'pending' | 'issued' | 'rejected' | 'failed';
interface Ticket { ticketId: string; tapId: string; customerId: string; price: number; balanceAfter: number }
interface TapState { tapId: string; status: TapStatus; reason?: string; ticket?: Ticket }
interface TopUp { customerId: string; amount: number; acked: boolean; round: number }

const children = new Set<ChildProcess>();
const streams = new Set<EventStream>();
let dataDir: string | undefined;

afterAll(() => {
  for (const stream of streams) stream.close();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dataDir === undefined) return;
  if (process.env.KEEP_CRASH_DATA) console.log(`crash test: data dir kept at ${dataDir} (the load's record is crash-load.jsonl)`);
  else fs.rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Headers for every request: the admin token from `<data-dir>/demo-credentials.json` when the binary writes one
 * (servers with bearer-token auth), none otherwise. Refreshed after every start.
 */
let authHeaders: Record<string, string> = {};

function loadAuthHeaders(dir: string): void {
  authHeaders = {};
  try {
    const credentials = JSON.parse(fs.readFileSync(path.join(dir, 'demo-credentials.json'), 'utf8')) as { admin?: unknown };
    if (typeof credentials.admin === 'string') authHeaders = { authorization: `Bearer ${credentials.admin}` };
  } catch {
    // no credentials file, or one without tokens: a server without auth
  }
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
  const results: R[] = new Array(items.length);
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

/** Resolves with `value`, or rejects after `ms` saying what was awaited. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]);
}

let extraArgs: string[] | undefined;

async function start(dir: string): Promise<RunningBinary> {
  extraArgs ??= serveArgs();
  const binary = await startBinary({ dataDir: dir, args: extraArgs });
  children.add(binary.process);
  loadAuthHeaders(dir);
  return binary;
}

/** Taps the binary said it recovered from the journal at start (its `recovered journaled taps` log line). */
function recoveredAtStart(binary: RunningBinary): number {
  for (const line of binary.stderr().split('\n')) {
    if (!line.includes('recovered journaled taps')) continue;
    try {
      return (JSON.parse(line) as { taps: number }).taps;
    } catch {
      return -1;
    }
  }
  return 0;
}

function startLoad(config: LoadConfig): { child: ChildProcess; started: Promise<void>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', LOAD_SCRIPT, JSON.stringify(config)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
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
    await within(exited, ms, 'the load stopping');
  } catch {
    child.kill('SIGKILL');
    await within(exited, ms, 'the load dying');
  }
}

/** One watched customer's phone: every connection it made, in order. */
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
    await within(stream.connected, EVENT_WAIT_MS, `SSE connect for ${this.customerId}`);
    return stream;
  }

  current(): EventStream {
    return this.connections.at(-1)!.stream;
  }
}

/**
 * Sends again, as a ticket machine would, every tap of `round` that the load sent without getting an answer (up
 * to 1,000 a request). Answered ones go into `testAcks`: `duplicate` means the unanswered POST had been
 * journaled, `accepted` that it had not. Requests that fail (the server killed meanwhile) are left for later.
 */
async function retryUnanswered(
  url: string,
  record: string,
  round: number,
  testAcks: Map<string, { tap: LoadTap; intent: TapIntent; round: number }>,
  counts: { accepted: number; duplicate: number; answered: number },
): Promise<void> {
  const acked = new Set<string>(testAcks.keys());
  const unanswered = new Map<string, { tap: LoadTap; intent: TapIntent }>();
  const lines = readLoadLines(record);
  for (const line of lines) if (line.kind === 'tap') acked.add(line.tap.tapId);
  for (const line of lines) {
    if (line.kind !== 'taps-sent' || line.round !== round) continue;
    for (const t of line.taps) if (!acked.has(t.tap.tapId)) unanswered.set(t.tap.tapId, t);
  }
  const all = [...unanswered.values()];
  for (let i = 0; i < all.length; i += 1_000) {
    const batch = all.slice(i, i + 1_000);
    let answer: { status: number; body: { taps: Array<{ tapId: string; status: string }> } };
    try {
      answer = await call(`${url}/v1/taps`, 'POST', batch.map((b) => b.tap));
    } catch {
      return; // the server is gone: the rest waits for the next start
    }
    if (answer.status !== 202) throw new Error(`retrying unanswered taps: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    answer.body.taps.forEach((result, k) => {
      const { tap, intent } = batch[k]!;
      if (result.tapId !== tap.tapId) throw new Error(`retry answer ${k} is for ${result.tapId}, not ${tap.tapId}`);
      testAcks.set(tap.tapId, { tap, intent, round });
      counts.answered++;
      if (result.status === 'duplicate') counts.duplicate++;
      else counts.accepted++;
    });
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

describe('ticketd survives SIGKILL under load', () => {
  it(`keeps every acknowledged tap, charges once, balances add up, SSE resumes exactly once (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
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
    const watchers = WATCHED.map((c) => new Watcher(c));
    for (const w of watchers) await w.connect(binary.url);

    // What the test knows, across rounds.
    const states = new Map<string, TapState>(); // final outcomes seen, by tap id
    const absent = new Set<string>(); // sent, and unknown to the restarted server (only possible without an answer)
    const testAcks = new Map<string, { tap: LoadTap; intent: TapIntent; round: number }>(); // the test's retries, answered
    const testTopUps = new Map<string, TopUp>(); // top-ups the test itself sent (sentinels), and confirmations

    for (let round = 0; round < ROUNDS; round++) {
      const violations: string[] = [];
      const killAfterMs = KILL_AFTER_MS.min + Math.floor(rng() * (KILL_AFTER_MS.max - KILL_AFTER_MS.min + 1));
      const doubleCrash = rng() < 0.34 ? Math.floor(rng() * DOUBLE_CRASH_MAX_MS) : undefined;

      // Load, then SIGKILL at the drawn moment.
      const load = startLoad({ url: binary.url, out: record, round, seed: SEED, customers, senders: SENDERS, headers: authHeaders });
      await within(load.started, LOAD_START_MS, 'the load starting');
      await sleep(killAfterMs);
      const killed = await within(binary.stop('SIGKILL'), STREAM_END_MS, 'the SIGKILL');
      expect(killed, 'killed by a signal').toBeNull();
      await stopProcess(load.child, LOAD_EXIT_MS);
      for (const w of watchers) await within(w.current().ended, STREAM_END_MS, `the SSE stream of ${w.customerId} ending`);
      const loadSummary = load.output();

      // Restart; a ticket machine retries what got no answer at once, racing the recovery of the journal. When
      // drawn, the restarted server is killed again soon after it listens (during recovery and those retries).
      let recovered = 0;
      const retried = { accepted: 0, duplicate: 0, answered: 0 };
      if (doubleCrash !== undefined) {
        binary = await start(dataDir);
        recovered = recoveredAtStart(binary);
        const retrying = retryUnanswered(binary.url, record, round, testAcks, retried);
        await sleep(doubleCrash);
        await binary.stop('SIGKILL');
        await within(retrying, REQUEST_TIMEOUT_MS * 2, 'the retries ending');
      }
      binary = await start(dataDir);
      const recoveredFinal = recoveredAtStart(binary);
      if (doubleCrash === undefined) recovered = recoveredFinal;
      const url = binary.url;
      await within(retryUnanswered(url, record, round, testAcks, retried), REQUEST_TIMEOUT_MS * 2, 'the retries');
      for (const w of watchers) await w.connect(url);

      // The record of everything the load was told, and the test's own retries.
      const lines = readLoadLines(record);
      const acked = new Map<string, { tap: LoadTap; intent: TapIntent; round: number }>();
      const sent = new Set<string>();
      const topUps = new Map<string, TopUp>();
      let ackedThisRound = 0;
      let duplicatesThisRound = 0;
      for (const line of lines) {
        if (line.kind === 'taps-sent') for (const { tap } of line.taps) sent.add(tap.tapId);
        else if (line.kind === 'tap') {
          if (!acked.has(line.tap.tapId)) acked.set(line.tap.tapId, { tap: line.tap, intent: line.intent, round: line.round });
          if (line.round === round) {
            ackedThisRound++;
            if (line.status === 'duplicate') duplicatesThisRound++;
          }
          const want = line.resend === null ? 'accepted' : 'duplicate';
          if (line.status !== want) violations.push(`tap ${line.tap.tapId} (resend: ${line.resend}) got ${line.status}, expected ${want}`);
        } else if (line.kind === 'top-up-sent') {
          if (!topUps.has(line.topUpId)) topUps.set(line.topUpId, { customerId: line.customerId, amount: line.amount, acked: false, round: line.round });
        } else if (line.kind === 'top-up') {
          const t = topUps.get(line.topUpId);
          if (t === undefined) violations.push(`top-up ${line.topUpId} acknowledged but never recorded as sent`);
          else t.acked = true;
          const want = line.resend ? 'duplicate' : 'applied';
          if (line.status !== want) violations.push(`top-up ${line.topUpId} (resend: ${line.resend}) got ${line.status}, expected ${want}`);
        } else if (line.kind === 'malformed' && line.status !== 400) violations.push(`a malformed request got ${line.status}, expected 400`);
      }
      for (const [id, a] of testAcks) if (!acked.has(id)) acked.set(id, a);
      const neverAnswered = [...sent].filter((id) => !acked.has(id));
      if (neverAnswered.length > 0) violations.push(`${neverAnswered.length} taps sent without an answer were not retried, e.g. ${neverAnswered.slice(0, 5).join(', ')}`);
      for (const [id, t] of testTopUps) topUps.set(id, t);
      const unexpected = /"unexpected":\[(.+?)\]\}/.exec(loadSummary);
      if (unexpected !== null) violations.push(`the load saw unexpected answers: ${unexpected[1]!.slice(0, 500)}`);

      // 1. Every acknowledged tap (and every sent one: each was retried above) reaches a final outcome; bounded polling.
      const lastRound = round === ROUNDS - 1;
      const toCheck = [...sent].filter((id) => lastRound || (!states.has(id) && !absent.has(id)));
      const earlierStates = new Map(states);
      let waiting = toCheck;
      const deadline = Date.now() + FINAL_WAIT_MS;
      for (let poll = 0; waiting.length > 0; poll++) {
        const answers = await mapLimit(waiting, GET_CONCURRENCY, (id) => call<TapState>(`${url}/v1/taps/${id}`));
        const still: string[] = [];
        answers.forEach((answer, i) => {
          const id = waiting[i]!;
          if (answer.status === 404) {
            if (acked.has(id)) violations.push(`tap ${id} got a 202 but the restarted server does not know it`);
            else if (states.has(id)) violations.push(`tap ${id} was ${states.get(id)!.status} and is now unknown`);
            absent.add(id);
          } else if (answer.status !== 200) violations.push(`GET /v1/taps/${id} answered ${answer.status}`);
          else if (answer.body.status === 'pending') still.push(id);
          else states.set(id, answer.body);
        });
        waiting = still;
        if (waiting.length === 0 || Date.now() > deadline) break;
        await sleep(Math.min(500, 50 * (poll + 1)));
      }
      if (waiting.length > 0) violations.push(`${waiting.length} taps still pending ${FINAL_WAIT_MS} ms after the restart, e.g. ${waiting.slice(0, 5).join(', ')}`);
      for (const [id, before] of earlierStates) {
        const now = states.get(id);
        if (now !== undefined && JSON.stringify(now) !== JSON.stringify(before)) violations.push(`tap ${id} changed its outcome: ${JSON.stringify(before)} → ${JSON.stringify(now)}`);
      }
      for (const [id, { intent }] of acked) {
        const state = states.get(id);
        if (state === undefined) continue; // reported above
        const fits =
          state.status === 'failed' ||
          (intent === 'valid' ? state.status === 'issued' || (state.status === 'rejected' && state.reason === 'insufficient_funds') : state.status === 'rejected' && state.reason === intent);
        if (!fits) violations.push(`tap ${id} (${intent}) ended ${state.status} ${state.reason ?? ''}`);
      }

      // 2. Charged once: unique tap ids among tickets, each issued tap has exactly its ticket, and no phantoms.
      const tickets = new Map<string, Ticket[]>();
      for (const c of customers) tickets.set(c, await listAll<Ticket>(`${url}/v1/customers/${c}/tickets`, 'tickets'));
      const ticketByTap = new Map<string, Ticket>();
      for (const [c, list] of tickets) {
        for (const t of list) {
          if (ticketByTap.has(t.tapId)) violations.push(`tap ${t.tapId} has two tickets: ${ticketByTap.get(t.tapId)!.ticketId} and ${t.ticketId}`);
          ticketByTap.set(t.tapId, t);
          if (t.customerId !== c) violations.push(`ticket ${t.ticketId} of ${t.customerId} listed for ${c}`);
          if (!sent.has(t.tapId)) violations.push(`ticket ${t.ticketId} for tap ${t.tapId}, which nobody sent`);
          const state = states.get(t.tapId);
          if (state !== undefined && (state.status !== 'issued' || state.ticket?.ticketId !== t.ticketId || state.ticket.price !== t.price)) {
            violations.push(`ticket ${t.ticketId} (tap ${t.tapId}) does not match the tap's state ${JSON.stringify(state)}`);
          }
        }
      }
      for (const [id, state] of states) if (state.status === 'issued' && !ticketByTap.has(id)) violations.push(`tap ${id} is issued but its customer's tickets miss it`);

      // 3. Balances: opening + applied top-ups − ticket prices. Unanswered top-ups are sent again: `duplicate` means
      // they had been applied before the kill.
      const balancesBefore = new Map<string, number>();
      for (const c of customers) balancesBefore.set(c, (await call<{ balance: number }>(`${url}/v1/customers/${c}`)).body.balance);
      const unanswered = [...topUps].filter(([, t]) => !t.acked);
      const appliedBeforeKill = new Set<string>();
      for (const [topUpId, t] of unanswered) {
        const answer = await call<{ status: string }>(`${url}/v1/customers/${t.customerId}/top-ups`, 'POST', { topUpId, amount: t.amount });
        if (answer.status !== 200) violations.push(`re-sent top-up ${topUpId} answered ${answer.status}`);
        else if (answer.body.status === 'duplicate') appliedBeforeKill.add(topUpId);
        testTopUps.set(topUpId, { ...t, acked: true });
        topUps.set(topUpId, { ...t, acked: true });
      }
      const priceSum = (c: string): number => tickets.get(c)!.reduce((sum, t) => sum + t.price, 0);
      const topUpSum = (c: string, include: (id: string, t: TopUp) => boolean): number =>
        [...topUps].filter(([id, t]) => t.customerId === c && include(id, t)).reduce((sum, [, t]) => sum + t.amount, 0);
      for (const c of customers) {
        const unansweredIds = new Set(unanswered.map(([id]) => id));
        const expected = opening.get(c)! + topUpSum(c, (id) => !unansweredIds.has(id) || appliedBeforeKill.has(id)) - priceSum(c);
        const balance = balancesBefore.get(c)!;
        if (balance !== expected) violations.push(`balance of ${c} after the restart is ${balance}, expected ${expected}`);
        if (balance < 0) violations.push(`balance of ${c} is negative: ${balance}`);
      }
      const balances = new Map<string, number>();
      for (const c of customers) {
        const balance = (await call<{ balance: number }>(`${url}/v1/customers/${c}`)).body.balance;
        balances.set(c, balance);
        const expected = opening.get(c)! + topUpSum(c, () => true) - priceSum(c);
        if (balance !== expected) violations.push(`balance of ${c} after re-sending top-ups is ${balance}, expected ${expected}`);
      }

      // 4. Dead letters: one per rejected or failed tap, none for the others.
      const deadLetters = await listAll<{ tapId: string; reason: string }>(`${url}/v1/dead-letters`, 'deadLetters');
      const deadByTap = new Map<string, number>();
      for (const d of deadLetters) deadByTap.set(d.tapId, (deadByTap.get(d.tapId) ?? 0) + 1);
      for (const [id, state] of states) {
        const count = deadByTap.get(id) ?? 0;
        const want = state.status === 'rejected' || state.status === 'failed' ? 1 : 0;
        if (count !== want) violations.push(`tap ${id} (${state.status}) has ${count} dead letters, expected ${want}`);
      }

      // 5. SSE: a sentinel top-up per watched customer marks the end of its outbox; the resumed stream must get it,
      // and everything the streams received across every kill must equal the outbox replayed from 0.
      let sseEvents = 0;
      for (const w of watchers) {
        const c = w.customerId;
        const sentinel = `sentinel-r${round}-${c}`;
        const answer = await call<{ status: string; customer: { balance: number } }>(`${url}/v1/customers/${c}/top-ups`, 'POST', { topUpId: sentinel, amount: 1 });
        expect(answer.status, `sentinel top-up for ${c}`).toBe(200);
        const sentinelTopUp = { customerId: c, amount: 1, acked: true, round };
        testTopUps.set(sentinel, sentinelTopUp);
        topUps.set(sentinel, sentinelTopUp);
        balances.set(c, answer.body.customer.balance);
        const isSentinel = (e: SseEvent): boolean => (e.data.cause as { topUpId?: string } | undefined)?.topUpId === sentinel;
        await within(w.current().waitFor(isSentinel, EVENT_WAIT_MS), EVENT_WAIT_MS + 1_000, `sentinel ${sentinel} on the resumed stream`);
        w.current().close();

        const truthStream = openEventStream(`${url}/v1/customers/${c}/events`, { lastEventId: 0, headers: authHeaders });
        streams.add(truthStream);
        await within(truthStream.waitFor(isSentinel, EVENT_WAIT_MS), EVENT_WAIT_MS + 1_000, `sentinel ${sentinel} in the replay from 0`);
        truthStream.close();
        const truth = truthStream.events;
        const received = w.received();
        sseEvents += received.length;

        for (const { afterId, stream } of w.connections) {
          let previous = afterId;
          for (const e of stream.events) {
            if (!(e.id > previous)) violations.push(`${c}: a stream resumed after ${afterId} sent id ${e.id} after ${previous}`);
            previous = e.id;
          }
        }
        const receivedIds = received.map((e) => e.id);
        const truthIds = truth.map((e) => e.id);
        if (new Set(receivedIds).size !== receivedIds.length) violations.push(`${c}: some notifications arrived twice across reconnects`);
        if (JSON.stringify(receivedIds) !== JSON.stringify(truthIds)) {
          const missing = truthIds.filter((id) => !receivedIds.includes(id));
          const extra = receivedIds.filter((id) => !truthIds.includes(id));
          violations.push(`${c}: streams got ${receivedIds.length} events, the outbox has ${truthIds.length}; missing ${missing.slice(0, 10).join(',')}; extra ${extra.slice(0, 10).join(',')}`);
        } else {
          for (let i = 0; i < truth.length; i++) {
            if (JSON.stringify(received[i]) !== JSON.stringify(truth[i])) violations.push(`${c}: event ${truth[i]!.id} differs between live and replay`);
          }
        }

        // The outbox against the API: one ticket.issued per ticket, in acceptance order; one ticket.rejected per
        // rejected tap; one balance.changed per top-up; and a balance chain from the opening balance to today's.
        const issued = truth.filter((e) => e.event === 'ticket.issued').map((e) => e.data.tapId as string);
        const ticketTaps = [...tickets.get(c)!].reverse().map((t) => t.tapId); // the list is newest first
        if (JSON.stringify(issued) !== JSON.stringify(ticketTaps)) {
          violations.push(`${c}: ticket.issued events (${issued.length}) do not match the tickets in acceptance order (${ticketTaps.length})`);
        }
        const rejected = truth.filter((e) => e.event === 'ticket.rejected').map((e) => e.data.tapId as string);
        if (new Set(rejected).size !== rejected.length) violations.push(`${c}: a tap was rejected twice in the outbox`);
        for (const [id, { tap }] of acked) {
          if (tap.customerId !== c || states.get(id)?.status !== 'rejected') continue;
          if (!rejected.includes(id)) violations.push(`${c}: rejected tap ${id} has no ticket.rejected event`);
        }
        for (const id of rejected) if (states.has(id) && states.get(id)!.status !== 'rejected') violations.push(`${c}: ticket.rejected for ${id}, which is ${states.get(id)!.status}`);
        const topUpEvents = truth.filter((e) => (e.data.cause as { kind?: string } | undefined)?.kind === 'top-up').map((e) => (e.data.cause as { topUpId: string }).topUpId);
        const customerTopUps = [...topUps].filter(([, t]) => t.customerId === c).map(([id]) => id);
        if (JSON.stringify([...topUpEvents].sort()) !== JSON.stringify([...customerTopUps].sort())) {
          violations.push(`${c}: ${topUpEvents.length} top-up events for ${customerTopUps.length} top-ups, or not one each`);
        }
        let balance = opening.get(c)!;
        for (const e of truth) {
          if (e.event !== 'balance.changed') continue;
          const data = e.data as { balance: number; change: number };
          if (data.balance !== balance + data.change) violations.push(`${c}: event ${e.id} says ${data.balance} after ${data.change}, but the balance was ${balance}`);
          balance = data.balance;
        }
        if (balance !== balances.get(c)) violations.push(`${c}: the outbox's last balance is ${balance}, the customer's is ${balances.get(c)}`);
      }

      const outcomes = { issued: 0, rejected: 0, failed: 0 };
      for (const state of states.values()) outcomes[state.status as keyof typeof outcomes]++;
      console.log(
        `crash round ${round}: SIGKILL ${killAfterMs} ms into the load; ${ackedThisRound} taps acknowledged (${duplicatesThisRound} duplicates), ` +
          `${[...topUps.values()].filter((t) => t.round === round).length} top-ups (${unanswered.length} unanswered, ${appliedBeforeKill.size} of them applied), ` +
          `${recovered} pending taps recovered at restart, ${retried.answered} unanswered taps retried (${retried.duplicate} of them had been journaled)` +
          (doubleCrash !== undefined ? ` (killed again ${doubleCrash} ms after that restart; ${recoveredFinal} recovered at the next)` : '') +
          `; cumulative: ${acked.size} acknowledged tap ids, ${outcomes.issued} issued, ${outcomes.rejected} rejected, ${outcomes.failed} failed, ` +
          `${sseEvents} SSE events checked`,
      );
      expect(violations.slice(0, 30), `round ${round} (SEED=${SEED}): ${violations.length} violations`).toEqual([]);

      if (!lastRound) for (const w of watchers) await w.connect(url); // the next round's live streams
    }
    expect(await within(binary.stop('SIGTERM'), EVENT_WAIT_MS, 'the last server stopping'), 'exit code after SIGTERM').toBe(0);
  }, 150_000);
});
