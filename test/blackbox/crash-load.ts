/**
 * The load for the crash test, run as its own process so that killing the server cannot take the record with it:
 *
 *   node --import tsx test/blackbox/crash-load.ts '<LoadConfig as JSON>'
 *
 * Several loops POST requests of taps and top-ups until SIGTERM. A request's taps are mostly fresh (mostly valid,
 * some invalid), some sent again (answered before, this round or an earlier one), some repeated later in the same
 * request, and rarely another machine's tap (or other content) under an answered tap's id (crash-common.ts,
 * `SendKind`); top-ups are fresh or sent again. What is about to be sent is recorded before it goes, and every
 * answer the moment it arrives, one JSON line each, synchronously. Prints `crash-load started` when the loops
 * start and a JSON summary when they have stopped.
 */
import {
  appendLoadLines, prng, readLoadLines, rfc3339, subSeed, type LoadConfig, type LoadLine, type LoadTap, type SentTap,
  type TapAnswer, type TapIntent,
} from './crash-common.ts';

const REQUEST_TIMEOUT_MS = 5_000;
const RIDES = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e'];
const MACHINES = ['gate-1', 'gate-2', 'gate-3', 'gate-4'];
/** Taps a request carries, at least and at most. */
const BATCH_MIN = 5;
const BATCH_MAX = 44;
/** Requests one loop sends at most in a round (the kill comes long before, but the load has a bound of its own). */
const REQUESTS_PER_LOOP_MAX = 10_000;

const config = JSON.parse(process.argv[2] ?? '') as LoadConfig;
const { url, out, round, seed, customers } = config;

let stopping = false;
process.on('SIGTERM', () => (stopping = true));
process.on('SIGINT', () => (stopping = true));

type Known = { tap: LoadTap; intent: TapIntent };

// What earlier rounds (the load's and the test's own requests) had answered: some of it is sent again.
const earlierTaps = new Map<string, Known>();
const earlierTopUps = new Map<string, { customerId: string; amount: number }>();
for (const line of readLoadLines(out)) {
  if (line.kind === 'taps-answered') for (const t of line.taps) if (t.send === 'fresh') earlierTaps.set(t.tap.tapId, t);
  if (line.kind === 'top-up') earlierTopUps.set(line.topUpId, { customerId: line.customerId, amount: line.amount });
}
const earlierTapList = [...earlierTaps.values()];
const earlierTopUpList = [...earlierTopUps.entries()];
const answeredTaps: Known[] = [];
const ackedTopUps: Array<[string, { customerId: string; amount: number }]> = [];

const stats = {
  batches: 0, tapsAnswered: 0, duplicates: 0, conflicts: 0, topUps: 0, topUpDuplicates: 0, malformed: 0, refused: 0, failures: 0,
  unexpected: [] as string[],
};

function record(lines: LoadLine[]): void {
  appendLoadLines(out, lines);
}

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { ...config.headers, 'content-type': 'application/json' },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed };
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function freshTap(rng: () => number, tapId: string): Known {
  const tap: LoadTap = { tapId, customerId: pick(rng, customers), rideId: pick(rng, RIDES), machineId: pick(rng, MACHINES), tappedAt: rfc3339(Date.now()) };
  const r = rng();
  if (r < 0.86) return { tap, intent: 'valid' };
  if (r < 0.9) return { tap: { ...tap, rideId: 'ride-nope' }, intent: 'unknown_ride' };
  if (r < 0.93) return { tap: { ...tap, machineId: 'gate-nope' }, intent: 'unknown_machine' };
  if (r < 0.96) return { tap: { ...tap, machineId: 'gate-s1' }, intent: 'invalid_signature' }; // gate-s1 must sign
  // No stale taps: one older than the tap window is refused at the door and not recorded (ticketd.test.ts), so the
  // read-back checks here, which hold for every recorded tap, do not apply to it.
  return { tap: { ...tap, customerId: 'crash-ghost' }, intent: 'unknown_customer' };
}

/**
 * The tap id of `original` on another machine's tap (for whichever customer), or, one time in three, on the same
 * machine's tap with another ride: a conflict either way.
 */
function foreignCopy(rng: () => number, { tap, intent }: Known): SentTap {
  if (rng() < 1 / 3) return { tap: { ...tap, rideId: pick(rng, RIDES.filter((r) => r !== tap.rideId)) }, intent, send: 'foreign' };
  const machineId = pick(rng, MACHINES.filter((m) => m !== tap.machineId));
  return { tap: { ...tap, machineId, customerId: pick(rng, customers) }, intent, send: 'foreign' };
}

/** One request's taps, drawn from `rng`. */
function drawBatch(rng: () => number, sender: number, n: number): SentTap[] {
  const size = BATCH_MIN + Math.floor(rng() * (BATCH_MAX - BATCH_MIN + 1));
  const batch: SentTap[] = [];
  const freshHere: Known[] = [];
  for (let i = 0; i < size; i++) {
    const r = rng();
    if (r < 0.03 && answeredTaps.length > 0) batch.push({ ...pick(rng, answeredTaps), send: 'resend' });
    else if (r < 0.06 && earlierTapList.length > 0) batch.push({ ...pick(rng, earlierTapList), send: 'resend' });
    else if (r < 0.08 && freshHere.length > 0) batch.push({ ...pick(rng, freshHere), send: 'repeat' });
    else if (r < 0.085 && answeredTaps.length + earlierTapList.length > 0) {
      batch.push(foreignCopy(rng, rng() < 0.5 && answeredTaps.length > 0 ? pick(rng, answeredTaps) : pick(rng, earlierTapList.length > 0 ? earlierTapList : answeredTaps)));
    } else if (r < 0.088 && freshHere.length > 0) batch.push(foreignCopy(rng, pick(rng, freshHere)));
    else {
      const fresh = freshTap(rng, `r${round}-s${sender}-${n}-${i}`);
      freshHere.push(fresh);
      batch.push({ ...fresh, send: 'fresh' });
    }
  }
  return batch;
}

async function sendBatch(rng: () => number, sender: number, n: number): Promise<void> {
  const batch = drawBatch(rng, sender, n);
  const wait = rng() < 0.1 ? '?wait=true' : ''; // accepted, and the same answer
  record([{ kind: 'taps-sent', round, by: 'load', taps: batch }]);
  const answer = await post(`/v1/taps${wait}`, batch.map((b) => b.tap));
  if (answer.status === 429 || answer.status === 503) {
    stats.refused++; // no answer for these taps: the test sends them again after the restart
    await sleep(20);
    return;
  }
  const results = (answer.body as { taps?: unknown } | undefined)?.taps;
  if (answer.status !== 200 || !Array.isArray(results) || results.length !== batch.length) {
    stats.unexpected.push(`taps: ${answer.status} for ${batch.length} taps: ${JSON.stringify(answer.body).slice(0, 200)}`);
    return;
  }
  record([{ kind: 'taps-answered', round, by: 'load', taps: batch.map((b, i) => ({ ...b, answer: results[i] as TapAnswer })) }]);
  for (let i = 0; i < batch.length; i++) {
    const { tap, intent, send } = batch[i]!;
    const status = (results[i] as TapAnswer).status;
    if (status === 'duplicate') stats.duplicates++;
    if (status === 'conflict') stats.conflicts++;
    if (send === 'fresh') answeredTaps.push({ tap, intent });
  }
  stats.tapsAnswered += batch.length;
  stats.batches++;
}

async function sendTopUp(rng: () => number, sender: number, n: number, resend: [string, { customerId: string; amount: number }] | undefined): Promise<void> {
  const [topUpId, { customerId, amount }] = resend ?? [`tu-r${round}-s${sender}-${n}`, { customerId: pick(rng, customers), amount: 500 + Math.floor(rng() * 3_000) }];
  if (resend === undefined) record([{ kind: 'top-up-sent', round, topUpId, customerId, amount }]);
  const answer = await post(`/v1/customers/${customerId}/top-ups`, { topUpId, amount });
  if (answer.status === 429 || answer.status === 503) {
    stats.refused++;
    await sleep(20);
    return;
  }
  if (answer.status !== 200 && answer.status !== 201) {
    stats.unexpected.push(`top-up: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    return;
  }
  const status = (answer.body as { status: string }).status;
  record([{ kind: 'top-up', round, by: 'load', topUpId, customerId, amount, status, resend: resend !== undefined }]);
  if (resend === undefined) ackedTopUps.push([topUpId, { customerId, amount }]);
  if (status === 'duplicate') stats.topUpDuplicates++;
  stats.topUps++;
}

async function sendMalformed(rng: () => number): Promise<void> {
  const bodies = ['[]', '{"tapId":"x"}', '[{"tapId":"m-1","customerId":"c","rideId":"r","machineId":"g","tappedAt":"yesterday"}]', '{not json'];
  const answer = await post('/v1/taps', pick(rng, bodies));
  record([{ kind: 'malformed', round, status: answer.status }]);
  stats.malformed++;
}

/** Loop `senders` (one past the tap loops) only tops up, so that a kill often finds a top-up in flight. */
async function loop(sender: number): Promise<void> {
  const rng = prng(subSeed(seed, round, sender));
  const topUpsOnly = sender === config.senders;
  let consecutiveFailures = 0;
  for (let n = 0; !stopping && n < REQUESTS_PER_LOOP_MAX; n++) {
    const r = topUpsOnly ? 0 : rng();
    try {
      if (r < 0.06) await sendTopUp(rng, sender, n, undefined);
      else if (r < 0.08) {
        const candidates = rng() < 0.5 ? ackedTopUps : earlierTopUpList;
        if (candidates.length > 0) await sendTopUp(rng, sender, n, pick(rng, candidates));
      } else if (r < 0.09) await sendMalformed(rng);
      else await sendBatch(rng, sender, n);
      consecutiveFailures = 0;
    } catch {
      // The server is gone (killed) or did not answer in time: nothing was answered.
      stats.failures++;
      consecutiveFailures++;
      await sleep(Math.min(200, 10 * consecutiveFailures));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

process.stdout.write('crash-load started\n');
await Promise.all(Array.from({ length: config.senders + 1 }, (_, k) => loop(k)));
process.stdout.write(`${JSON.stringify(stats)}\n`);
