/**
 * The load of `bench/booking-http.bench.ts`, in its own process so that the server and the client never share an
 * event loop: started with an IPC channel, it is sent one `LoadJob` at a time and answers each with its `LoadResult`.
 * A job is `connections` closed loops, each over one keep-alive connection (the `raw` client of
 * booking-http-raw-client.ts, or `http.request` on a keep-alive `node:http` Agent), sending the job's requests in
 * turn (`bodies[i % bodies.length]`) until `attemptsMax` were sent or `durationMs` passed, whichever comes first.
 * An answer is a decision when its status is 201 or its status and error code are listed in
 * `decisionCodes` (409 `sold_out`, 409 `seats_taken`); anything else, a network error included, is an error, counted
 * by status and code. Latency is from writing a request to the end of its answer, on this process's clock.
 *
 * Answers are read with indexOf, not JSON.parse, so reading them costs the load little.
 *
 * @example
 * const child = spawn(process.execPath, ['--import', 'tsx', 'bench/booking-http-load.ts'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
 * child.send({ type: 'job', job: { name: 'ga', url, token, method: 'POST', path: '/v1/bookings', bodies, connections: 32, client: 'raw',
 *   attemptsMax: 100_000, durationMs: 10_000, decisionCodes: ['409 sold_out'] } });
 * child.on('message', (m) => m.type === 'result' && console.log(m.result.decided));
 */
import http from 'node:http';
import { RawConnection, rawRequest, type RawAnswer } from './booking-http-raw-client.ts';
import { LatencyHistogram, type LatencySummary } from './e2e/latency-histogram.ts';

/** One measured scenario, as the orchestrator sends it. */
export interface LoadJob {
  name: string;
  url: string;
  /** Bearer token sent with every request; `null` for public routes. */
  token: string | null;
  method: 'GET' | 'POST';
  path: string;
  /** Request bodies, used in turn; empty for a GET. */
  bodies: string[];
  /** Keep-alive connections, each one request at a time. */
  connections: number;
  /** `node-http`: `http.request` on a keep-alive Agent; `raw`: booking-http-raw-client.ts (prebuilt bytes, far less CPU). */
  client: 'node-http' | 'raw';
  /** Most requests sent, over all connections. */
  attemptsMax: number;
  /** Longest the job sends for; requests in flight at the end are still awaited (each within the request timeout). */
  durationMs: number;
  /** Refusals that count as decisions, as `"<status> <code>"` (e.g. `409 sold_out`); 2xx always count. */
  decisionCodes: string[];
}

export interface LoadResult {
  name: string;
  attempts: number;
  decided: number;
  /** 2xx answers (201 held for a booking). */
  accepted: number;
  /** Decided refusals by `"<status> <code>"`. */
  refused: Record<string, number>;
  /** Everything else by `"<status> <code>"` or `network`. */
  errors: Record<string, number>;
  firstError: string | undefined;
  /** From the first request written to the last answer read. */
  elapsedMs: number;
  /** Decided attempts per second of `elapsedMs`. */
  decidedPerSec: number;
  /** Of decided attempts; of 2xx only; of refusals only. */
  latency: LatencySummary;
  acceptedLatency: LatencySummary;
  refusedLatency: LatencySummary;
  /** Decided attempts in each whole second since the first request (the last, partial second left out). */
  perSecond: number[];
  /** CPU this process spent on the job, user + system. */
  cpuMs: number;
}

export type LoadMessage =
  | { type: 'ready' }
  | { type: 'result'; result: LoadResult }
  | { type: 'failed'; message: string };

export type OrchestratorMessage = { type: 'job'; job: LoadJob } | { type: 'stop' };

/** A single answer longer than this is cut off and counted as an error (a booking answer is ~1 KB). */
const ANSWER_BYTES_MAX = 256 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;
const SECONDS_MAX = 3_600;
const CODE_MARK = '"code":"';

type Answer = RawAnswer;

class Job {
  readonly job: LoadJob;
  readonly agent: http.Agent;
  /** The raw client's connections, one per loop; empty with `node-http`. */
  readonly raw: readonly RawConnection[];
  readonly headers: Record<string, string | number>[];
  readonly decisionCodes: Set<string>;
  readonly latency = new LatencyHistogram();
  readonly acceptedLatency = new LatencyHistogram();
  readonly refusedLatency = new LatencyHistogram();
  readonly perSecond = new Float64Array(SECONDS_MAX + 1);
  readonly bodies: Buffer[];
  /** The whole request of each body, for the raw client. */
  readonly rawRequests: Buffer[];
  readonly refused: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  firstError: string | undefined;
  attempts = 0;
  decided = 0;
  accepted = 0;
  t0 = 0;
  lastAnswerMs = 0;

  constructor(job: LoadJob, agent: http.Agent, raw: readonly RawConnection[]) {
    this.job = job;
    this.agent = agent;
    this.raw = raw;
    this.decisionCodes = new Set(job.decisionCodes);
    this.bodies = job.bodies.map((body) => Buffer.from(body));
    const base: Record<string, string> = { ...(job.token !== null && { authorization: `Bearer ${job.token}` }) };
    this.headers = job.method === 'GET'
      ? [base]
      : this.bodies.map((body) => ({ ...base, 'content-type': 'application/json', 'content-length': body.length }));
    const { host } = new URL(job.url);
    this.rawRequests = job.method === 'GET'
      ? [rawRequest('GET', job.path, host, base, undefined)]
      : job.bodies.map((body) => rawRequest(job.method, job.path, host, base, body));
  }

  async run(): Promise<LoadResult> {
    const cpu0 = process.cpuUsage();
    this.t0 = performance.now();
    await Promise.all(Array.from({ length: this.job.connections }, (_, c) => this.loop(this.raw[c])));
    const cpu = process.cpuUsage(cpu0);
    const elapsedMs = Math.max(this.lastAnswerMs, 1e-3);
    const wholeSeconds = Math.min(SECONDS_MAX, Math.floor(elapsedMs / 1000));
    return {
      name: this.job.name,
      attempts: this.attempts,
      decided: this.decided,
      accepted: this.accepted,
      refused: this.refused,
      errors: this.errors,
      firstError: this.firstError,
      elapsedMs,
      decidedPerSec: (this.decided * 1000) / elapsedMs,
      latency: this.latency.summary(),
      acceptedLatency: this.acceptedLatency.summary(),
      refusedLatency: this.refusedLatency.summary(),
      perSecond: Array.from(this.perSecond.subarray(0, wholeSeconds)),
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  }

  /** One connection's closed loop: the next request once the previous one is answered. */
  async loop(connection: RawConnection | undefined): Promise<void> {
    const { attemptsMax, durationMs } = this.job;
    while (this.attempts < attemptsMax && performance.now() - this.t0 < durationMs) {
      const i = this.attempts++;
      const sentAt = performance.now();
      const answer = connection === undefined ? await this.send(i) : await connection.send(this.rawRequests[i % this.rawRequests.length]!);
      const at = performance.now();
      this.lastAnswerMs = at - this.t0;
      this.count(answer, (at - sentAt) * 1000, this.lastAnswerMs);
    }
  }

  count(answer: Answer, us: number, atMs: number): void {
    if (answer.status === 'network') {
      this.noteError('network', answer.error ?? 'network error');
      return;
    }
    if (answer.status >= 200 && answer.status < 300) {
      this.accepted++;
      this.acceptedLatency.recordUs(us);
      this.decide(us, atMs);
      return;
    }
    const key = `${answer.status} ${errorCode(answer.body)}`;
    if (this.decisionCodes.has(key)) {
      this.refused[key] = (this.refused[key] ?? 0) + 1;
      this.refusedLatency.recordUs(us);
      this.decide(us, atMs);
      return;
    }
    this.noteError(key, `${key}: ${answer.body.slice(0, 300)}`);
  }

  decide(us: number, atMs: number): void {
    this.decided++;
    this.latency.recordUs(us);
    const second = Math.floor(atMs / 1000);
    if (second <= SECONDS_MAX) this.perSecond[second]! += 1;
  }

  noteError(key: string, text: string): void {
    this.errors[key] = (this.errors[key] ?? 0) + 1;
    this.firstError ??= text;
  }

  send(i: number): Promise<Answer> {
    const { job } = this;
    const body = job.method === 'GET' ? undefined : this.bodies[i % this.bodies.length]!;
    const headers = this.headers[job.method === 'GET' ? 0 : i % this.headers.length]!;
    return new Promise<Answer>((resolve) => {
      let done = false;
      const finish = (answer: Answer): void => {
        if (done) return;
        done = true;
        resolve(answer);
      };
      const request = http.request(`${job.url}${job.path}`, { method: job.method, agent: this.agent, headers });
      request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      request.on('error', (error) => finish({ status: 'network', body: '', error: error.message }));
      request.on('response', (response) => {
        let text = '';
        response.setEncoding('latin1');
        response.on('data', (chunk: string) => {
          if (text.length + chunk.length > ANSWER_BYTES_MAX) response.destroy(new Error(`answer over ${ANSWER_BYTES_MAX} bytes`));
          else text += chunk;
        });
        response.on('end', () => finish({ status: response.statusCode ?? 0, body: text }));
        response.on('error', (error) => finish({ status: 'network', body: '', error: error.message }));
      });
      request.end(body);
    });
  }
}

/** The `code` of an error answer `{ "error": { "code": "…" } }` (the first `"code":"` in it), or `-`. */
function errorCode(body: string): string {
  const at = body.indexOf(CODE_MARK);
  if (at < 0) return '-';
  const end = body.indexOf('"', at + CODE_MARK.length);
  return end < 0 ? '-' : body.slice(at + CODE_MARK.length, end);
}

function emit(message: LoadMessage, then?: () => void): void {
  if (process.send === undefined) throw new Error('booking-http-load.ts runs as a child with an IPC channel');
  process.send(message, () => then?.());
}

/** One agent (and one set of raw connections) per process, so that later jobs reuse the warm connections. */
let agent: http.Agent | undefined;
let raw: RawConnection[] = [];
let busy = false;

function closeAll(): void {
  agent?.destroy();
  for (const connection of raw) connection.close();
}

/** The connections for `job`, made anew when the count or the server changed. */
function connectionsFor(job: LoadJob): { agent: http.Agent; raw: RawConnection[] } {
  const { hostname, port } = new URL(job.url);
  if (agent === undefined || agent.maxSockets !== job.connections || raw[0]?.port !== Number(port)) {
    closeAll();
    agent = new http.Agent({ keepAlive: true, maxSockets: job.connections, maxFreeSockets: job.connections });
    raw = Array.from({ length: job.connections }, () => new RawConnection(hostname, Number(port), REQUEST_TIMEOUT_MS));
  }
  return { agent, raw: job.client === 'raw' ? raw : [] };
}

process.on('message', (raw) => {
  const message = raw as OrchestratorMessage;
  if (message.type === 'stop') {
    closeAll();
    process.disconnect();
    return;
  }
  if (busy) {
    emit({ type: 'failed', message: 'a job arrived while another was running' });
    return;
  }
  busy = true;
  const { job } = message;
  const connections = connectionsFor(job);
  new Job(job, connections.agent, connections.raw).run().then(
    (result) => {
      busy = false;
      emit({ type: 'result', result });
    },
    (error: unknown) => {
      busy = false;
      emit({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    },
  );
});
process.on('disconnect', () => {
  closeAll();
  process.exit(0);
});
emit({ type: 'ready' });
