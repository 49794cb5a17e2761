/**
 * The core of `ticketd simulate`: ticket machines sending taps to `POST /v1/taps` at a target rate, in batches,
 * with at most `concurrency` requests in flight, counting what the server decided for each tap. Time, randomness
 * and HTTP come in through `deps`, so a test runs it in virtual time against a fake server.
 */

import type { KeyObject } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Clock } from '../platform/clock.ts';
import type { Random } from '../platform/random.ts';
import { sendBatch } from './batch-sender.ts';
import type { FetchLike } from './http-client.ts';
import { sleep } from './cli-clock.ts';
import { LatencyRecorder, type LatencyPercentiles } from './latency-recorder.ts';
import { SimulationStats, type HttpErrorCount } from './simulation-stats.ts';
import { TapGenerator, type GeneratedTap, type TapKind } from './tap-generator.ts';
import { splitByToken } from './token-split.ts';

export interface SimulationOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080`. */
  url: string;
  ratePerS: number;
  durationS: number;
  /** Machines in all: unsigned `gate-1` … `gate-<n-1>` and the signing `gate-s1`. At least 2. */
  machineCount: number;
  customerCount: number;
  /** Most taps in one batch (one request per machine token); a low rate sends smaller batches (see below). */
  batchSizeMax: number;
  /** A batch goes out at least this often: a low rate sends batches of rate × this many taps. */
  batchIntervalMsMax: number;
  /** Most requests in flight at once. */
  concurrency: number;
  seed: number;
  /** gate-s1's private key; without it no validly signed taps are sent. */
  signingKey?: KeyObject;
  /**
   * Each machine's token: a batch then goes out as one request per token, each with that machine's taps only
   * (what a machine token allows). Taps of a machine without one go with `token`.
   */
  machineTokens?: Readonly<Record<string, string>>;
  /** The bearer token of every request (without `machineTokens`) or of the machines without their own. */
  token?: string;
  requestTimeoutMs: number;
  /** Retries of a batch answered 429. */
  retryAttemptsMax: number;
  retryAfterMaxMs: number;
  /** Latencies kept exactly before sampling takes over. */
  latencySamplesMax: number;
  /** Taps an earlier batch sent that a duplicate may repeat. */
  duplicatePoolSize: number;
  progressIntervalMs: number;
  /** Aborting stops sending new batches; requests in flight finish, then the summary is made. */
  signal?: AbortSignal;
  onProgress?: (progress: SimulationProgress) => void;
}

export const SIMULATION_DEFAULTS = {
  url: 'http://127.0.0.1:8080',
  ratePerS: 1_000,
  durationS: 10,
  machineCount: 5,
  customerCount: 6,
  // Large batches, few requests: a batch's taps share one request and one answer, which waits for their commit.
  batchSizeMax: 500,
  batchIntervalMsMax: 1_000,
  concurrency: 4,
  requestTimeoutMs: 10_000,
  retryAttemptsMax: 5,
  retryAfterMaxMs: 5_000,
  latencySamplesMax: 100_000,
  duplicatePoolSize: 1_000,
  progressIntervalMs: 1_000,
} as const;

export interface SimulationDeps {
  fetch: FetchLike;
  clock: Clock;
  /** For the run id and latency sampling; the taps themselves come from `seed`. */
  random: Random;
  /** Offset from UTC written into `tappedAt`; defaults to the local time zone's. */
  utcOffsetMinutes?: (epochMs: number) => number;
}

export interface SimulationProgress {
  elapsedMs: number;
  sent: number;
  issued: number;
  rejected: number;
  failed: number;
  duplicates: number;
  conflicts: number;
  errors: number;
  /** Taps answered with an outcome per second since the previous progress report. */
  ratePerS: number;
}

export interface SimulationSummary {
  url: string;
  seed: number;
  /** Tap ids of this run are `sim-<runId>-<n>`. */
  runId: string;
  elapsedMs: number;
  targetRatePerS: number;
  /** Taps answered with an outcome (200: issued, rejected, failed, duplicate or conflict) per second of the run. */
  achievedRatePerS: number;
  sent: number;
  requests: number;
  issued: number;
  rejected: number;
  /** Rejected taps by reason, most frequent first. */
  rejectedByReason: Record<string, number>;
  failed: number;
  /** Taps sent before (the mix's duplicates): answered with their first outcome. */
  duplicates: number;
  /** Tap ids taken by another machine's tap or another tap. */
  conflicts: number;
  /** Taps of requests answered with an HTTP error (4xx/5xx): nothing of them decided. */
  refusedByHttp: number;
  networkErrors: number;
  /** 429 answers that were retried. */
  throttled: number;
  /** Milliseconds that batches waited before those retries, all added up (they overlap in time). */
  throttledWaitMs: number;
  /** POST to its answer (every tap decided and committed), per answered request, milliseconds; `null` if none. */
  latencyMs: LatencyPercentiles | null;
  /** Taps sent of each kind. */
  mix: Record<TapKind, number>;
  httpErrors: HttpErrorCount[];
  signedTaps: boolean;
  /** No request got an HTTP answer and at least one failed to connect. */
  unreachable: boolean;
  firstNetworkError?: string;
  interrupted: boolean;
}

/**
 * Runs the machines for `durationS` (or until `signal` aborts or the server proves unreachable) and summarises.
 *
 * @example
 * const summary = await runSimulation({ ...SIMULATION_DEFAULTS, seed: 7, durationS: 5 },
 *   { fetch, clock: cliClock, random: systemRandom });
 * summary.latencyMs?.p99; // 12.4
 */
export async function runSimulation(options: SimulationOptions, deps: SimulationDeps): Promise<SimulationSummary> {
  validateOptions(options);
  const { clock } = deps;
  const runId = deps.random.int(36 ** 6).toString(36).padStart(6, '0');
  const generator = new TapGenerator({
    seed: options.seed, runId, customerCount: options.customerCount,
    unsignedMachineCount: options.machineCount - 1, duplicatePoolSize: options.duplicatePoolSize,
    ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }),
    ...(deps.utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes: deps.utcOffsetMinutes }),
  });
  const stats = new SimulationStats();
  const latencies = new LatencyRecorder(options.latencySamplesMax, deps.random);
  const startMs = clock.now();
  const stopProgress = startProgress(options, clock, stats, startMs);
  // Every part of a batch waiting out a 429 listens for the interrupt: at most concurrency x machines at once, more
  // than EventTarget's default of 10 before it warns of a leak. Those listeners go on a signal of this run's own.
  const interrupt = new AbortController();
  setMaxListeners(options.concurrency * options.machineCount + 2, interrupt.signal);
  const forward = (): void => interrupt.abort();
  if (options.signal?.aborted === true) interrupt.abort();
  options.signal?.addEventListener('abort', forward, { once: true });
  const send = async (batch: GeneratedTap[]): Promise<void> => {
    const parts = splitByToken(batch, options.machineTokens, options.token);
    await Promise.all(parts.map(async ({ token, taps }) => {
      const outcome = await sendBatch(taps.map(({ tap }) => tap), {
        url: `${options.url}/v1/taps`, fetch: deps.fetch, clock, ...(token === undefined ? {} : { token }),
        requestTimeoutMs: options.requestTimeoutMs, retryAttemptsMax: options.retryAttemptsMax,
        retryAfterMaxMs: options.retryAfterMaxMs,
        signal: interrupt.signal,
        onRoundTrip: (ms) => latencies.record(ms),
        onThrottled: (waitMs) => {
          stats.throttled++;
          stats.throttledWaitMs += waitMs;
        },
      });
      stats.recordOutcome(outcome, taps.length);
    }));
  };
  try {
    await pace({ ...options, signal: interrupt.signal }, clock, generator, stats, send);
  } finally {
    stopProgress();
    options.signal?.removeEventListener('abort', forward);
  }
  const elapsedMs = clock.now() - startMs;
  return {
    url: options.url, seed: options.seed, runId, elapsedMs, targetRatePerS: options.ratePerS,
    achievedRatePerS: elapsedMs > 0 ? (stats.answered * 1_000) / elapsedMs : 0,
    sent: stats.sent, requests: stats.requests, issued: stats.issued, rejected: stats.rejected,
    rejectedByReason: stats.rejectedByReason, failed: stats.failed, duplicates: stats.duplicates,
    conflicts: stats.conflicts, refusedByHttp: stats.refusedByHttp, networkErrors: stats.networkErrors,
    throttled: stats.throttled, throttledWaitMs: stats.throttledWaitMs,
    latencyMs: latencies.percentiles(), mix: { ...stats.mix }, httpErrors: stats.httpErrors,
    signedTaps: generator.signs, unreachable: isUnreachable(stats),
    ...(stats.firstNetworkError === undefined ? {} : { firstNetworkError: stats.firstNetworkError }),
    interrupted: options.signal?.aborted === true,
  };
}

/**
 * Batch `k` is due at the moment its first tap is due on an even schedule; when `concurrency` requests are in
 * flight the next waits for one to finish, so a slow server is met with fewer taps rather than a growing queue.
 * Nothing new starts after the duration is over; the run ends when the duration is over and every answer is in.
 */
async function pace(
  options: SimulationOptions, clock: Clock, generator: TapGenerator, stats: SimulationStats,
  send: (batch: GeneratedTap[]) => Promise<void>,
): Promise<void> {
  const total = Math.max(1, Math.round(options.ratePerS * options.durationS));
  const perInterval = Math.ceil((options.ratePerS * options.batchIntervalMsMax) / 1_000);
  const batchSize = Math.min(options.batchSizeMax, Math.max(1, perInterval));
  const startMs = clock.now();
  const endMs = startMs + options.durationS * 1_000;
  const inFlight = new Set<Promise<void>>();
  const stopped = (): boolean => options.signal?.aborted === true || isUnreachable(stats);
  let generated = 0;
  while (generated < total && !stopped()) {
    const waitMs = startMs + (generated * 1_000) / options.ratePerS - clock.now();
    if (waitMs > 0) await sleep(clock, waitMs, options.signal);
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    if (stopped() || clock.now() > endMs) break;
    const batch = generator.nextBatch(Math.min(batchSize, total - generated), clock.now());
    generated += batch.length;
    stats.recordGenerated(batch);
    const task: Promise<void> = send(batch).finally(() => inFlight.delete(task));
    inFlight.add(task);
  }
  // The last batch carries the taps of the run's last tenth of a second or so: a run that kept up lasts the whole
  // duration, so the achieved rate compares with the target.
  const restMs = stopped() ? 0 : endMs - clock.now();
  await Promise.all([...inFlight, restMs > 0 ? sleep(clock, restMs, options.signal) : undefined]);
}

function isUnreachable(stats: SimulationStats): boolean {
  return stats.answeredRequests === 0 && stats.firstNetworkError !== undefined;
}

/** Reports progress every `progressIntervalMs` until the returned function is called. */
function startProgress(options: SimulationOptions, clock: Clock, stats: SimulationStats, startMs: number): () => void {
  const onProgress = options.onProgress;
  if (onProgress === undefined) return () => {};
  let lastMs = startMs;
  let lastAnswered = 0;
  const tick = (): void => {
    const nowMs = clock.now();
    const ratePerS = nowMs > lastMs ? ((stats.answered - lastAnswered) * 1_000) / (nowMs - lastMs) : 0;
    lastMs = nowMs;
    lastAnswered = stats.answered;
    onProgress({
      elapsedMs: nowMs - startMs, sent: stats.sent, issued: stats.issued, rejected: stats.rejected,
      failed: stats.failed, duplicates: stats.duplicates, conflicts: stats.conflicts, errors: stats.errors, ratePerS,
    });
    timer = clock.setTimer(tick, options.progressIntervalMs);
  };
  let timer = clock.setTimer(tick, options.progressIntervalMs);
  return () => clock.clearTimer(timer);
}

const LIMITS: ReadonlyArray<readonly [keyof SimulationOptions, number, number]> = [
  ['ratePerS', 1, 1_000_000], ['machineCount', 2, 10_000], ['customerCount', 1, 1_000_000],
  ['batchSizeMax', 1, 1_000], ['batchIntervalMsMax', 1, 60_000], ['concurrency', 1, 1_024], ['retryAttemptsMax', 0, 100],
  ['requestTimeoutMs', 1, 3_600_000], ['retryAfterMaxMs', 0, 3_600_000], ['latencySamplesMax', 1, 10_000_000],
  ['duplicatePoolSize', 1, 1_000_000], ['progressIntervalMs', 1, 3_600_000], ['seed', 0, 2 ** 32 - 1],
];

function validateOptions(options: SimulationOptions): void {
  for (const [name, min, max] of LIMITS) {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${typeof value === 'number' ? value : typeof value}`);
    }
  }
  if (!(options.durationS > 0 && options.durationS <= 86_400)) {
    throw new RangeError(`durationS must be in (0, 86400], got ${options.durationS}`);
  }
}
