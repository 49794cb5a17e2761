/**
 * The load for the crash test, run as its own process so that killing the server cannot take the record with it:
 *
 *   node --import tsx test/blackbox/crash-load.ts '<LoadConfig as JSON>'
 *
 * Several loops POST batches of taps (mostly valid, some invalid, some re-sent tap ids) and top-ups (some re-sent)
 * until SIGTERM. Everything acknowledged is appended to the record file, one JSON line each, synchronously, the
 * moment its answer arrives; what is about to be sent is recorded before it goes. Prints `crash-load started` when
 * the loops start and a JSON summary when they have stopped.
 */
import fs from 'node:fs';
import { prng, readLoadLines, rfc3339, subSeed, type LoadConfig, type LoadLine, type LoadTap, type TapIntent } from './crash-common.ts';

const REQUEST_TIMEOUT_MS = 5_000;
const RIDES = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e'];
const MACHINES = ['gate-1', 'gate-2', 'gate-3', 'gate-4'];

const config = JSON.parse(process.argv[2] ?? '') as LoadConfig;
const { url, out, round, seed, customers } = config;

let stopping = false;
process.on('SIGTERM', () => (stopping = true));
process.on('SIGINT', () => (stopping = true));

// What earlier rounds had acknowledged: some of it is sent again and must come back as a duplicate.
const earlier = readLoadLines(out);
const earlierTaps = new Map<string, { tap: LoadTap; intent: TapIntent }>();
const earlierTopUps = new Map<string, { customerId: string; amount: number }>();
for (const line of earlier) {
  if (line.kind === 'tap') earlierTaps.set(line.tap.tapId, { tap: line.tap, intent: line.intent });
  if (line.kind === 'top-up') earlierTopUps.set(line.topUpId, { customerId: line.customerId, amount: line.amount });
}
const earlierTapList = [...earlierTaps.values()];
const earlierTopUpList = [...earlierTopUps.entries()];
const ackedTaps: Array<{ tap: LoadTap; intent: TapIntent }> = [];
const ackedTopUps: Array<[string, { customerId: string; amount: number }]> = [];

const stats = { batches: 0, tapsAcked: 0, duplicates: 0, topUps: 0, topUpDuplicates: 0, malformed: 0, refused: 0, failures: 0, unexpected: [] as string[] };

function record(lines: LoadLine[]): void {
  if (lines.length > 0) fs.appendFileSync(out, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
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

function freshTap(rng: () => number, tapId: string): { tap: LoadTap; intent: TapIntent } {
  const now = Date.now();
  const tap: LoadTap = { tapId, customerId: pick(rng, customers), rideId: pick(rng, RIDES), machineId: pick(rng, MACHINES), tappedAt: rfc3339(now) };
  const r = rng();
  if (r < 0.86) return { tap, intent: 'valid' };
  if (r < 0.9) return { tap: { ...tap, rideId: 'ride-nope' }, intent: 'unknown_ride' };
  if (r < 0.93) return { tap: { ...tap, machineId: 'gate-nope' }, intent: 'unknown_machine' };
  if (r < 0.96) return { tap: { ...tap, machineId: 'gate-s1' }, intent: 'invalid_signature' }; // gate-s1 must sign
  if (r < 0.98) return { tap: { ...tap, customerId: 'crash-ghost' }, intent: 'unknown_customer' };
  return { tap: { ...tap, tappedAt: rfc3339(now - 2 * 86_400_000) }, intent: 'stale_tap' };
}

async function sendBatch(rng: () => number, sender: number, n: number): Promise<void> {
  const size = 5 + Math.floor(rng() * 40);
  const batch: Array<{ tap: LoadTap; intent: TapIntent; resend: 'same-round' | 'earlier-round' | null }> = [];
  const ids = new Set<string>();
  for (let i = 0; i < size; i++) {
    const r = rng();
    let entry: (typeof batch)[number];
    if (r < 0.03 && ackedTaps.length > 0) entry = { ...pick(rng, ackedTaps), resend: 'same-round' };
    else if (r < 0.06 && earlierTapList.length > 0) entry = { ...pick(rng, earlierTapList), resend: 'earlier-round' };
    else entry = { ...freshTap(rng, `r${round}-s${sender}-${n}-${i}`), resend: null };
    if (ids.has(entry.tap.tapId)) continue; // a repeat inside one request is a 400, not a duplicate
    ids.add(entry.tap.tapId);
    batch.push(entry);
  }
  record([{ kind: 'taps-sent', round, taps: batch.map(({ tap, intent }) => ({ tap, intent })) }]);
  const answer = await post('/v1/taps', batch.map((b) => b.tap));
  if (answer.status === 429 || answer.status === 503) {
    stats.refused++;
    await sleep(20);
    return;
  }
  if (answer.status !== 202) {
    stats.unexpected.push(`taps: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    return;
  }
  const results = (answer.body as { taps: Array<{ tapId: string; status: string }> }).taps;
  const lines: LoadLine[] = [];
  for (let i = 0; i < batch.length; i++) {
    const { tap, intent, resend } = batch[i]!;
    const result = results[i];
    if (result === undefined || result.tapId !== tap.tapId) {
      stats.unexpected.push(`taps: answer ${i} is ${JSON.stringify(result)}, expected ${tap.tapId}`);
      continue;
    }
    lines.push({ kind: 'tap', round, tap, intent, status: result.status, resend });
    if (result.status === 'duplicate') stats.duplicates++;
    stats.tapsAcked++;
    if (resend === null) ackedTaps.push({ tap, intent });
  }
  record(lines);
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
  if (answer.status !== 200) {
    stats.unexpected.push(`top-up: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    return;
  }
  const status = (answer.body as { status: string }).status;
  record([{ kind: 'top-up', round, topUpId, customerId, amount, status, resend: resend !== undefined }]);
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
  for (let n = 0; !stopping; n++) {
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
      // The server is gone (killed) or did not answer in time: nothing was acknowledged.
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
