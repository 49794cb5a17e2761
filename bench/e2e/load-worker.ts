/**
 * The load of the end-to-end benchmark, in its own process (started by run-e2e.ts with an IPC channel, which sends
 * it a LoadConfig): one SSE stream per customer, then batches of taps POSTed for `durationS` seconds (paced to
 * `rate` taps/s, or as fast as the server answers), with bounded concurrency. A tap is decided when its batch's 200
 * arrives (the answer names each tap's outcome), and notified when its one ticket.issued / ticket.rejected frame
 * arrives; its latency is the time from writing its batch's POST to that frame, on this process's clock. Every
 * second it reports that second's figures; at the end, the totals and percentiles.
 *
 * Bookkeeping is per batch, not per tap: tap `e2e-<n>` belongs to batch floor(n / batch), whose send time is in a
 * preallocated array, and a bitset marks the taps already notified; all are sized by `maxTaps`. Answers and frames
 * are read with indexOf, not JSON.parse, so that reading them costs the load little.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { demoPark } from '../../src/domain/demo-park.ts';
import { signTap } from '../../src/domain/signing.ts';
import type { Tap } from '../../src/domain/types.ts';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import type { AnswerCounts, LoadConfig, LoadSecond, LoadTotals, WorkerMessage } from './e2e-protocol.ts';
import { LatencyHistogram } from './latency-histogram.ts';

const TAP_PREFIX = 'e2e-';
const TAP_MARK = `"tapId":"${TAP_PREFIX}`;
/** In a 200 answer, each tap's result has one `"status":"…"`; the letter after the mark tells which. */
const STATUS_MARK = '"status":"';
const STATUS_BY_LETTER: Readonly<Record<string, keyof AnswerCounts>> = {
  i: 'issued', r: 'rejected', f: 'failed', d: 'duplicate', c: 'conflict',
};
/** Longest answer body read (1,000 taps at ~130 bytes each, with room). */
const ANSWER_BYTES_MAX = 1 << 20;
const REQUEST_TIMEOUT_MS = 30_000;
const SSE_BUFFER_MAX = 4 << 20;
const SSE_RECONNECTS_MAX = 5;
const SSE_RECONNECT_DELAY_MS = 200;
const CONNECTS_AT_ONCE = 64;
const CONFIG_TIMEOUT_MS = 30_000;
/**
 * A batch refused with 429 (the server's in-flight bound) is sent again, unchanged, after a pause that starts here and
 * doubles with each refusal of the same batch up to RETRY_PAUSE_MAX_MS (refused batches cost the server a parse)...
 */
const RETRY_PAUSE_MS = 20;
const RETRY_PAUSE_MAX_MS = 640;
/** ...at most this many times. */
const RETRIES_MAX = 500;

const PARK = demoPark('');
const RIDES = PARK.rides.map((ride) => ride.id);
const UNSIGNED_GATES = PARK.machines.filter((m) => m.publicKey === undefined).map((m) => m.id);
const SIGNING_GATE = PARK.machines.find((m) => m.publicKey !== undefined)?.id ?? 'gate-s1';

function emit(message: WorkerMessage, then?: () => void): void {
  if (process.send !== undefined) process.send(message, () => then?.());
  else {
    process.stdout.write(`${JSON.stringify(message)}\n`);
    then?.();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function receiveConfig(): Promise<LoadConfig> {
  if (process.argv[2] !== undefined) return JSON.parse(process.argv[2]) as LoadConfig;
  const message = new Promise<LoadConfig>((resolve) => process.once('message', (m) => resolve(m as LoadConfig)));
  return withTimeout(message, { timeoutMs: CONFIG_TIMEOUT_MS, what: 'the config from the orchestrator' });
}

class Load {
  readonly cfg: LoadConfig;
  readonly maxBatches: number;
  readonly batchSentAt: Float64Array;
  readonly notifiedBits: Uint8Array;
  readonly key: KeyObject | undefined;
  readonly postAgent: http.Agent;
  readonly sseAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  readonly streams: Stream[] = [];
  t0 = 0;
  stopping = false;
  nextBatch = 0;

  // Totals.
  sentTaps = 0;
  decidedTaps = 0;
  readonly answers: AnswerCounts = { issued: 0, rejected: 0, failed: 0, duplicate: 0, conflict: 0 };
  notifiedTaps = 0;
  rejectedNotifications = 0;
  duplicateNotifications = 0;
  frames = 0;
  requests = 0;
  retries = 0;
  errors = 0;
  firstError: string | undefined;
  statusCounts: Record<string, number> = {};
  inFlightTaps = 0;
  lastDecidedMs = 0;
  lastNotificationMs = 0;
  signingMs = 0;
  /** Signatures made before the load, by tap number (holes for unsigned taps), and their taps' tappedAt. */
  presigned: string[] = [];
  presignedAt = '';
  presignMs = 0;
  sseReconnects = 0;
  sseFailedStreams = 0;
  readonly latency = new LatencyHistogram();
  readonly latencySteady = new LatencyHistogram();
  readonly postLatency = new LatencyHistogram();

  // This second.
  second = 0;
  sec = { decided: 0, sent: 0, notified: 0, rejected: 0, frames: 0, non200: 0, errors: 0, postMs: 0, posts: 0 };
  readonly secLatency = new LatencyHistogram();

  constructor(cfg: LoadConfig) {
    this.cfg = cfg;
    this.maxBatches = Math.max(1, Math.floor(cfg.maxTaps / cfg.batch));
    this.batchSentAt = new Float64Array(this.maxBatches).fill(Number.NaN);
    this.notifiedBits = new Uint8Array(Math.ceil((this.maxBatches * cfg.batch) / 8));
    this.key = cfg.signedFraction > 0 && cfg.signingKeyPem !== undefined ? createPrivateKey(cfg.signingKeyPem) : undefined;
    if (cfg.signedFraction > 0 && this.key === undefined) throw new Error('signed taps asked for, but no signing key for gate-s1');
    this.postAgent = new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency });
  }

  now(): number {
    return performance.now() - this.t0;
  }

  noteError(error: unknown): void {
    this.errors++;
    this.sec.errors++;
    if (this.firstError === undefined) this.firstError = error instanceof Error ? error.message : String(error);
  }

  // ---- SSE ----------------------------------------------------------------------------------------------------

  async connectAll(): Promise<number> {
    const started = performance.now();
    for (let c = 1; c <= this.cfg.customers; c++) this.streams.push(new Stream(this, `${this.cfg.customerPrefix}${c}`));
    const deadline = started + this.cfg.connectTimeoutS * 1000;
    for (let i = 0; i < this.streams.length; i += CONNECTS_AT_ONCE) {
      const group = this.streams.slice(i, i + CONNECTS_AT_ONCE);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`SSE streams not connected within ${this.cfg.connectTimeoutS} s (${i} of ${this.streams.length})`);
      await withTimeout(Promise.all(group.map((stream) => stream.open())), { timeoutMs: left, what: `the SSE streams connecting (${this.cfg.connectTimeoutS} s for all of them)` });
    }
    return performance.now() - started;
  }

  /** One ticket.* frame of tap `e2e-<n>`, received at `at` ms since the start. */
  onNotified(n: number, rejected: boolean, at: number): void {
    if (n >= this.notifiedBits.length * 8) return;
    const byte = n >>> 3;
    const bit = 1 << (n & 7);
    if ((this.notifiedBits[byte]! & bit) !== 0) {
      this.duplicateNotifications++;
      return;
    }
    this.notifiedBits[byte]! |= bit;
    this.notifiedTaps++;
    this.sec.notified++;
    if (rejected) {
      this.rejectedNotifications++;
      this.sec.rejected++;
    }
    this.lastNotificationMs = at;
    const sentAt = this.batchSentAt[Math.floor(n / this.cfg.batch)]!;
    if (Number.isNaN(sentAt)) return;
    const us = (at - sentAt) * 1000;
    this.latency.recordUs(us);
    this.secLatency.recordUs(us);
    if (sentAt >= this.cfg.warmupS * 1000) this.latencySteady.recordUs(us);
  }

  // ---- taps ---------------------------------------------------------------------------------------------------

  /** Tap n is signed when floor((n+1)·f) steps past floor(n·f): signed taps spread evenly at fraction f. */
  isSigned(n: number): boolean {
    const f = this.cfg.signedFraction;
    return f > 0 && Math.floor((n + 1) * f) > Math.floor(n * f);
  }

  tapOf(n: number, tappedAt: string): Tap {
    const { customers, customerPrefix } = this.cfg;
    return {
      tapId: `${TAP_PREFIX}${n}`,
      customerId: `${customerPrefix}${1 + (n % customers)}`,
      rideId: RIDES[n % RIDES.length]!,
      machineId: this.isSigned(n) ? SIGNING_GATE : UNSIGNED_GATES[n % UNSIGNED_GATES.length]!,
      tappedAt,
    };
  }

  presign(): void {
    const count = Math.min(this.cfg.presign, this.maxBatches * this.cfg.batch);
    if (count === 0 || this.key === undefined) return;
    const started = performance.now();
    this.presignedAt = new Date().toISOString();
    this.presigned = new Array<string>(count);
    for (let n = 0; n < count; n++) {
      if (this.isSigned(n)) this.presigned[n] = signTap(this.tapOf(n, this.presignedAt), this.key);
    }
    this.presignMs = performance.now() - started;
  }

  makeBatch(k: number): Tap[] {
    const { batch } = this.cfg;
    const now = new Date().toISOString();
    const taps: Tap[] = new Array<Tap>(batch);
    for (let i = 0; i < batch; i++) {
      const n = k * batch + i;
      const presigned = this.presigned[n];
      if (presigned !== undefined) {
        taps[i] = { ...this.tapOf(n, this.presignedAt), signature: presigned };
        continue;
      }
      const tap = this.tapOf(n, now);
      if (this.isSigned(n)) {
        const t = performance.now();
        tap.signature = signTap(tap, this.key!);
        this.signingMs += performance.now() - t;
      }
      taps[i] = tap;
    }
    return taps;
  }

  /** Taps answered issued or rejected: the ones a ticket.* frame is due for. */
  get notifiableTaps(): number {
    return this.answers.issued + this.answers.rejected;
  }

  /**
   * Counts a 200 answer's results by status; answers whether there was one per tap. A duplicate's `outcome` is not
   * a `status`, so it is not counted twice.
   */
  countAnswer(body: string, size: number): boolean {
    let results = 0;
    for (let at = body.indexOf(STATUS_MARK); at >= 0; at = body.indexOf(STATUS_MARK, at + STATUS_MARK.length)) {
      const status = STATUS_BY_LETTER[body[at + STATUS_MARK.length]!];
      if (status === undefined) return false;
      this.answers[status]++;
      results++;
    }
    return results === size;
  }

  /** Sends batch k's body once; answers the status (or 'error'). Its taps are timed from this send. */
  post(k: number, body: string): Promise<number | 'error'> {
    const size = this.cfg.batch;
    return new Promise<number | 'error'>((resolve) => {
      const request = http.request(`${this.cfg.url}/v1/taps`, {
        method: 'POST',
        agent: this.postAgent,
        headers: {
          authorization: `Bearer ${this.cfg.adminToken}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      });
      let done = false;
      const finish = (status: number | 'error', answer: string, error?: unknown) => {
        if (done) return;
        done = true;
        const at = this.now();
        this.inFlightTaps -= size;
        this.requests++;
        if (status === 200) {
          if (!this.countAnswer(answer, size)) this.noteError(new Error(`a 200 without one known result per tap: ${answer.slice(0, 200)}`));
          this.decidedTaps += size;
          this.sec.decided += size;
          this.lastDecidedMs = at;
          const ms = at - sentAt;
          this.postLatency.recordUs(ms * 1000);
          this.sec.postMs += ms;
          this.sec.posts++;
        } else {
          // Nothing of this batch is expected on the streams; its taps are not timed.
          this.batchSentAt[k] = Number.NaN;
          if (status === 'error') this.noteError(error);
          else {
            this.sec.non200++;
            this.statusCounts[String(status)] = (this.statusCounts[String(status)] ?? 0) + 1;
            if (this.firstError === undefined) this.firstError = `HTTP ${status}: ${answer.slice(0, 200)}`;
          }
        }
        resolve(status);
      };
      request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error(`POST /v1/taps took over ${REQUEST_TIMEOUT_MS} ms`)));
      request.on('error', (error) => finish('error', '', error));
      request.on('response', (response) => {
        let answer = '';
        response.setEncoding('latin1');
        response.on('data', (chunk: string) => {
          if (answer.length + chunk.length > ANSWER_BYTES_MAX) response.destroy(new Error(`answer over ${ANSWER_BYTES_MAX} bytes`));
          else answer += chunk;
        });
        response.on('end', () => finish(response.statusCode ?? 0, answer));
        response.on('error', (error) => finish('error', '', error));
      });
      const sentAt = this.now();
      this.batchSentAt[k] = sentAt;
      this.sentTaps += size;
      this.sec.sent += size;
      this.inFlightTaps += size;
      request.end(body);
    });
  }

  async sender(): Promise<void> {
    const { rate, batch, durationS } = this.cfg;
    const durationMs = durationS * 1000;
    while (!this.stopping) {
      const k = this.nextBatch;
      if (k >= this.maxBatches) break;
      if (rate > 0) {
        const due = ((k * batch) / rate) * 1000;
        if (due >= durationMs) break;
        this.nextBatch++;
        const wait = due - this.now();
        if (wait > 1) await sleep(wait);
      } else {
        if (this.now() >= durationMs) break;
        this.nextBatch++;
      }
      if (this.stopping) break;
      // A machine whose batch is refused as overloaded sends the same taps again (tap ids make that safe).
      const body = JSON.stringify(this.makeBatch(k));
      for (let attempt = 0; ; attempt++) {
        const status = await this.post(k, body);
        if (status !== 429 || attempt >= RETRIES_MAX || this.stopping || this.now() >= durationMs) break;
        this.retries++;
        await sleep(Math.min(RETRY_PAUSE_MAX_MS, RETRY_PAUSE_MS * 2 ** attempt));
      }
    }
  }

  // ---- reporting ----------------------------------------------------------------------------------------------

  tick(): void {
    this.second++;
    const s = this.sec;
    const data: LoadSecond = {
      second: this.second,
      phase: this.second <= this.cfg.durationS ? 'load' : 'drain',
      decided: s.decided,
      sent: s.sent,
      notified: s.notified,
      rejected: s.rejected,
      frames: s.frames,
      non200: s.non200,
      errors: s.errors,
      inFlightTaps: this.inFlightTaps,
      p50Ms: this.secLatency.quantileMs(0.5),
      p99Ms: this.secLatency.quantileMs(0.99),
      maxMs: this.secLatency.count === 0 ? null : this.secLatency.maxUs / 1000,
      postMeanMs: s.posts === 0 ? null : s.postMs / s.posts,
    };
    emit({ type: 'second', data });
    this.sec = { decided: 0, sent: 0, notified: 0, rejected: 0, frames: 0, non200: 0, errors: 0, postMs: 0, posts: 0 };
    this.secLatency.reset();
  }

  async run(): Promise<LoadTotals> {
    this.presign();
    const connectMs = await this.connectAll();
    emit({ type: 'connected', streams: this.streams.length, connectMs });
    const cpu0 = process.cpuUsage();
    this.t0 = performance.now();
    emit({ type: 'started' });
    // Ticks on whole seconds of the load's own clock, whatever the event loop's lateness.
    let ticking = true;
    const ticker = (async () => {
      while (ticking) {
        const next = (this.second + 1) * 1000;
        await sleep(Math.max(0, next - this.now()));
        if (ticking) this.tick();
      }
    })();
    await Promise.all(Array.from({ length: this.cfg.concurrency }, () => this.sender()));
    // A paced run's last batch leaves just before the end: wait for it, so the load has all its seconds.
    const rest = this.cfg.durationS * 1000 - this.now();
    if (rest > 0) await sleep(rest + 5);
    const loadMs = this.now();
    const drainDeadline = loadMs + this.cfg.drainTimeoutS * 1000;
    while (this.notifiedTaps < this.notifiableTaps && this.now() < drainDeadline && this.sseFailedStreams === 0) await sleep(20);
    const drainMs = this.now() - loadMs;
    ticking = false;
    await ticker;
    const cpu = process.cpuUsage(cpu0);
    return {
      sseStreams: this.streams.length,
      sseConnectMs: connectMs,
      sseReconnects: this.sseReconnects,
      sseFailedStreams: this.sseFailedStreams,
      sentTaps: this.sentTaps,
      decidedTaps: this.decidedTaps,
      answers: { ...this.answers },
      notifiableTaps: this.notifiableTaps,
      notifiedTaps: this.notifiedTaps,
      rejectedNotifications: this.rejectedNotifications,
      duplicateNotifications: this.duplicateNotifications,
      unnotifiedTaps: Math.max(0, this.notifiableTaps - this.notifiedTaps),
      frames: this.frames,
      requests: this.requests,
      retries: this.retries,
      statusCounts: this.statusCounts,
      errors: this.errors,
      firstError: this.firstError,
      loadMs,
      lastDecidedMs: this.lastDecidedMs,
      lastNotificationMs: this.lastNotificationMs,
      drainMs,
      latency: this.latency.summary(),
      latencySteady: this.latencySteady.summary(),
      postLatency: this.postLatency.summary(),
      loadCpuUserMs: cpu.user / 1000,
      loadCpuSystemMs: cpu.system / 1000,
      signingMs: this.signingMs,
      presignedTaps: this.presigned.filter((x) => x !== undefined).length,
      presignMs: this.presignMs,
    };
  }

  close(): void {
    this.stopping = true;
    for (const stream of this.streams) stream.close();
    this.postAgent.destroy();
    this.sseAgent.destroy();
  }
}

/** One customer's event stream: frames parsed with indexOf only (no JSON), resumed with Last-Event-ID if dropped. */
class Stream {
  readonly load: Load;
  readonly customerId: string;
  buffer = '';
  lastId: string | undefined;
  reconnects = 0;
  request: http.ClientRequest | undefined;

  constructor(load: Load, customerId: string) {
    this.load = load;
    this.customerId = customerId;
  }

  open(): Promise<void> {
    const { cfg } = this.load;
    return new Promise<void>((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${cfg.adminToken}`, accept: 'text/event-stream' };
      if (this.lastId !== undefined) headers['last-event-id'] = this.lastId;
      this.buffer = '';
      const request = http.get(`${cfg.url}/v1/customers/${encodeURIComponent(this.customerId)}/events`, { agent: this.load.sseAgent, headers });
      this.request = request;
      let settled = false;
      request.on('response', (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          settled = true;
          reject(new Error(`SSE for ${this.customerId} answered ${response.statusCode}`));
          return;
        }
        settled = true;
        resolve();
        response.setEncoding('latin1');
        response.on('data', (chunk: string) => this.onChunk(chunk));
        response.on('close', () => this.onDropped('closed'));
        response.on('error', () => undefined);
      });
      request.on('error', (error) => {
        if (!settled) {
          settled = true;
          reject(error);
        } else this.onDropped(String(error));
      });
    });
  }

  onDropped(reason: string): void {
    if (this.load.stopping) return;
    if (this.reconnects >= SSE_RECONNECTS_MAX) {
      this.load.sseFailedStreams++;
      this.load.noteError(new Error(`SSE stream of ${this.customerId} dropped ${this.reconnects + 1} times (${reason})`));
      return;
    }
    this.reconnects++;
    this.load.sseReconnects++;
    this.request = undefined;
    setTimeout(() => {
      if (this.load.stopping) return;
      this.open().catch((error: unknown) => this.onDropped(String(error)));
    }, SSE_RECONNECT_DELAY_MS);
  }

  onChunk(chunk: string): void {
    const at = this.load.now();
    const buf = this.buffer.length === 0 ? chunk : this.buffer + chunk;
    let start = 0;
    let end: number;
    while ((end = buf.indexOf('\n\n', start)) >= 0) {
      this.onFrame(buf, start, end, at);
      start = end + 2;
    }
    this.buffer = start === 0 ? buf : buf.slice(start);
    if (this.buffer.length > SSE_BUFFER_MAX) {
      this.load.noteError(new Error(`SSE frame over ${SSE_BUFFER_MAX} bytes on ${this.customerId}`));
      this.request?.destroy();
    }
  }

  /** A frame is `id: N\nevent: TYPE\ndata: JSON` (see src/http/sse-frames.ts); retry and heartbeat frames carry no id. */
  onFrame(buf: string, start: number, end: number, at: number): void {
    if (!buf.startsWith('id: ', start)) return;
    const eol = buf.indexOf('\n', start);
    if (eol < 0 || eol > end) return;
    this.lastId = buf.slice(start + 4, eol);
    const load = this.load;
    load.frames++;
    load.sec.frames++;
    if (!buf.startsWith('event: ticket.', eol + 1)) return;
    const rejected = buf.charCodeAt(eol + 15) === 114; // 'r' of ticket.rejected
    const mark = buf.indexOf(TAP_MARK, eol);
    if (mark < 0 || mark > end) return;
    let n = 0;
    let digits = 0;
    for (let i = mark + TAP_MARK.length; i < end; i++) {
      const c = buf.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      digits++;
    }
    if (digits > 0) load.onNotified(n, rejected, at);
  }

  close(): void {
    this.request?.destroy();
  }
}

let load: Load | undefined;
process.on('disconnect', () => {
  load?.close();
  process.exit(1);
});
try {
  const cfg = await receiveConfig();
  load = new Load(cfg);
  const totals = await load.run();
  load.close();
  emit({ type: 'done', totals }, () => process.exit(0));
} catch (error) {
  load?.close();
  emit({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1));
}
