/**
 * SSE fan-out over loopback: the real SseHub against a bare node:http server writing the same frames, to 1,000 and
 * 10,000 connections. `node --import tsx bench/sse.bench.ts [filter]`.
 */
import { fork } from 'node:child_process';
import {
  isMainModule, printTable, settingsFromEnv, withRatios, type SubjectResults,
} from './bench-fixtures.ts';
import type { BenchSettings } from './harness.ts';
import type { SseSubjectKind } from './sse-server-fixtures.ts';

const CONNECTION_COUNTS = [1_000, 10_000] as const;

interface SseCase {
  name: string;
  kind: SseSubjectKind;
  connections: number;
  baseline?: string;
}

function sseCases(): SseCase[] {
  return CONNECTION_COUNTS.flatMap((connections) => [
    { name: `sse.bare-${connections}`, kind: 'bare' as const, connections },
    { name: `sse.hub-${connections}`, kind: 'hub' as const, connections, baseline: `sse.bare-${connections}` },
  ]);
}

/** Runs one case in a fresh server process (see sse-server-fixtures.ts) and answers its results. */
function runInChild(c: SseCase, settings: BenchSettings): Promise<SubjectResults> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./sse-server-fixtures.ts', import.meta.url), [c.kind, String(c.connections)], {
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
 * `sse.bare-N` (the ceiling): node:http, a Map from customer to response, `res.write` of each frame. `sse.hub-N`:
 * createApp (hono, auth middleware) + startHttpServer + SseHub over a fake engine. Each case runs in its own
 * process with N raw-socket clients in another; one task call publishes 10 commits of 500 issued taps (a
 * `ticket.issued` and a `balance.changed` each, to customers in turn) and waits until the clients have counted
 * all 10,000 frames. One op is one frame counted at a client. Also reported: the server's RSS per idle
 * connection (after N connected, minus before, / N; `…Marginal` counts only the last 90 % of connections), its V8
 * heap per connection, and server and client CPU per frame. The target: ≥ 200,000 frames/s to 10,000
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
    if (selected.has(c.name)) Object.assign(results, await runInChild(c, settings));
  }
  return withRatios(results, all);
}

if (isMainModule(import.meta.url)) {
  const results = await runSseBenches(settingsFromEnv({ timeMs: 2_500, warmupMs: 300 }));
  printTable('SSE fan-out over loopback (server and clients in separate processes)', 'frames/s', results);
}
