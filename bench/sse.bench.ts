/**
 * SSE fan-out over loopback: the real SseHub (frames coalesced, one write per stream per commit) against a bare
 * node:http server writing the same frames one `res.write` per notification, as the hub used to, to 1,000 and
 * 10,000 connections. `node --import tsx bench/sse.bench.ts [filter]`.
 */
import { fork } from 'node:child_process';
import {
  isMainModule, printTable, settingsFromEnv, withRatios, type SubjectResults,
} from './bench-fixtures.ts';
import type { BenchSettings } from './harness.ts';
import { sseCaseName, type SseSubjectKind } from './sse-server-fixtures.ts';

const CONNECTION_COUNTS = [1_000, 10_000] as const;
/**
 * Connections per side of the paired cases (both sides live in one process, whose fds are bounded at 20,000). With
 * 100, each stream gets 10 frames a commit instead of 2: where coalescing has the most to save.
 */
const PAIRED_CONNECTION_COUNTS = [100, 1_000, 5_000] as const;
/** Streams per customer of the several-streams case (a phone, a watch, a screen, a tablet). */
const STREAMS_PER_CUSTOMER = 4;

interface SseCase {
  name: string;
  /** Arguments of sse-server-fixtures.ts; absent on the hub side of a paired case, which its bare side measures. */
  args?: string[];
  baseline?: string;
}

function sseCases(): SseCase[] {
  const single = CONNECTION_COUNTS.flatMap((connections) => {
    const baseline = sseCaseName('bare', connections, 1);
    const sseCase = (kind: SseSubjectKind, streamsPerCustomer = 1): SseCase => ({
      name: sseCaseName(kind, connections, streamsPerCustomer),
      args: [kind, String(connections), String(streamsPerCustomer)],
      ...(kind !== 'bare' && { baseline }),
    });
    return [sseCase('bare'), sseCase('bare-coalesced'), sseCase('hub'), sseCase('hub', STREAMS_PER_CUSTOMER)];
  });
  const paired = PAIRED_CONNECTION_COUNTS.flatMap((connections): SseCase[] => [
    { name: `sse.paired-bare-${connections}`, args: ['paired', String(connections)] },
    { name: `sse.paired-hub-${connections}`, baseline: `sse.paired-bare-${connections}` },
  ]);
  return [...single, ...paired];
}

/** Runs one case in a fresh server process (see sse-server-fixtures.ts) and answers its results. */
function runInChild(c: SseCase, args: string[], settings: BenchSettings): Promise<SubjectResults> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./sse-server-fixtures.ts', import.meta.url), args, {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      env: { ...process.env, BENCH_TIME_MS: String(settings.timeMs), BENCH_WARMUP_MS: String(settings.warmupMs) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let results: SubjectResults | undefined;
    child.on('message', (message: SubjectResults) => {
      results = message;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && results !== undefined) resolve(results);
      else reject(new Error(`${c.name}: server process exited with ${code} before answering`));
    });
  });
}

/**
 * `sse.bare-N` (the baseline): node:http, a Map from customer to response, `res.write` of each frame, the write
 * pattern of the hub before it coalesced. `sse.bare-coalesced-N`: the same, one write per response per commit.
 * `sse.hub-N`: createApp (hono, auth middleware) + startHttpServer + SseHub over a fake engine. `sse.hub-CxS`: the
 * same N connections as C customers with S streams each. Each of these runs in its own process with N raw-socket
 * clients in another; one task call publishes 10 commits of 500 issued taps (500 / S with S streams; a
 * `ticket.issued` and a `balance.changed` each, to customers in turn) and waits until the clients have counted
 * all 10,000 frames. One op is one frame counted at a client. Also reported: the server's RSS per idle
 * connection (after N connected, minus before, / N; `…Marginal` counts only the last 90 % of connections), its V8
 * heap per connection, server and client CPU per frame, and the server's `res.write` calls per frame
 * (`writesPerOp`: 1 writing each notification, 0.5 when a customer's two frames of a commit leave together).
 * `sse.paired-bare-N` and `sse.paired-hub-N`: the same tasks with both in one process, N streams each, taking
 * turns round by round (see `runPairedCase`): the figures other load on the machine moves least;
 * `pairedRatioMedian` is the median of the per-round ratios. The target: ≥ 200,000 frames/s to 10,000
 * subscribers at ≤ 20 KB RSS each.
 *
 * @example
 * const results = await runSseBenches({ timeMs: 2_500, warmupMs: 300, filter: 'hub-10000' });
 */
export async function runSseBenches(settings: BenchSettings): Promise<SubjectResults> {
  const all = sseCases();
  const wanted = (c: SseCase): boolean => settings.filter === undefined || c.name.includes(settings.filter);
  const selected = new Set(all.filter(wanted).map((c) => c.name));
  for (const c of all) if (selected.has(c.name) && c.baseline !== undefined) selected.add(c.baseline);
  const results: SubjectResults = {};
  for (const c of all) {
    if (selected.has(c.name) && c.args !== undefined) Object.assign(results, await runInChild(c, c.args, settings));
  }
  return withRatios(results, all);
}

if (isMainModule(import.meta.url)) {
  const results = await runSseBenches(settingsFromEnv({ timeMs: 2_500, warmupMs: 300 }));
  printTable('SSE fan-out over loopback (server and clients in separate processes)', 'frames/s', results);
}
