/**
 * What the orchestrator (run-e2e.ts) and the load process (load-worker.ts) say to each other over the IPC channel:
 * the load's settings going in, and its per-second and final figures coming out.
 */
import type { LatencySummary } from './latency-histogram.ts';

export interface LoadConfig {
  url: string;
  adminToken: string;
  /** gate-s1's private key (PKCS#8 PEM) from demo-credentials.json; needed when `signedFraction` > 0. */
  signingKeyPem: string | undefined;
  /** Customers `<customerPrefix>1` … `<customerPrefix><customers>`, already created with big balances. */
  customerPrefix: string;
  customers: number;
  /** Target taps per second; 0 = as fast as the server answers. */
  rate: number;
  durationS: number;
  batch: number;
  concurrency: number;
  signedFraction: number;
  /** Seconds at the start left out of the sustained figures and the steady-state latency. */
  warmupS: number;
  /** Longest wait after the load for the last decided taps' notifications. */
  drainTimeoutS: number;
  /** Longest wait for every SSE stream to answer 200 before the load starts. */
  connectTimeoutS: number;
  /** Hard cap on the taps one run may send (bounds the per-batch bookkeeping arrays). */
  maxTaps: number;
  /**
   * Signed taps among the first `presign` taps are signed before the load starts (their `tappedAt` is then the time
   * of signing, well inside the server's 24 h staleness bound), so signing does not take the load's CPU during it.
   */
  presign: number;
}

/** What the 200 answers said of the taps, by result status (one count per tap). */
export interface AnswerCounts {
  issued: number;
  rejected: number;
  failed: number;
  duplicate: number;
  conflict: number;
}

/** Figures of one second of the run, as seen by the load process. */
export interface LoadSecond {
  /** 1-based second since the load started; seconds after `durationS` are the drain. */
  second: number;
  phase: 'load' | 'drain';
  /** Taps in 200 answers received this second: each decided and committed when its answer came. */
  decided: number;
  /** Taps sent this second (request written). */
  sent: number;
  /** ticket.issued + ticket.rejected frames of this run's taps received this second (one per issued or rejected tap). */
  notified: number;
  /** Of those, ticket.rejected. */
  rejected: number;
  /** All SSE frames with an id received this second (other events of the customers included). */
  frames: number;
  /** Requests answered with something other than 200, and requests that failed (timeout, reset). */
  non200: number;
  errors: number;
  /** Taps sent but not yet answered at the end of the second. */
  inFlightTaps: number;
  /** POST-to-SSE latency of the taps notified this second. */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Mean request latency (POST sent → 200 received, every tap decided) of requests answered this second. */
  postMeanMs: number | null;
}

export interface LoadTotals {
  sseStreams: number;
  sseConnectMs: number;
  sseReconnects: number;
  sseFailedStreams: number;
  sentTaps: number;
  /** Taps in 200 answers, and what the answers said of them. */
  decidedTaps: number;
  answers: AnswerCounts;
  /** Taps answered issued or rejected: each gets one ticket.* event (duplicates, conflicts and failures get none). */
  notifiableTaps: number;
  notifiedTaps: number;
  /** Of the notified taps, those notified with ticket.rejected. */
  rejectedNotifications: number;
  duplicateNotifications: number;
  /** Notifiable taps whose event never came. */
  unnotifiedTaps: number;
  frames: number;
  requests: number;
  /** Batches sent again after a 429 (each counted once per resend). */
  retries: number;
  statusCounts: Record<string, number>;
  errors: number;
  firstError: string | undefined;
  /** Load phase length actually run, and when the last 200 and the last notification came (all since the load started). */
  loadMs: number;
  lastDecidedMs: number;
  lastNotificationMs: number;
  drainMs: number;
  /** Every notified tap, and only those whose batch was sent after the warm-up. */
  latency: LatencySummary;
  latencySteady: LatencySummary;
  /** POST sent → 200 received (every tap decided), per request. */
  postLatency: LatencySummary;
  /** The load process's own CPU, from process.cpuUsage(), over the load and drain. */
  loadCpuUserMs: number;
  loadCpuSystemMs: number;
  /** Wall time spent signing taps (Ed25519) in the load process during the load, and before it (presigned). */
  signingMs: number;
  presignedTaps: number;
  presignMs: number;
}

export type WorkerMessage =
  | { type: 'connected'; streams: number; connectMs: number }
  | { type: 'started' }
  | { type: 'second'; data: LoadSecond }
  | { type: 'done'; totals: LoadTotals }
  | { type: 'failed'; message: string };
