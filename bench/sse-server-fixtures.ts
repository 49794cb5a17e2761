/**
 * One case of bench/sse.bench.ts, in a fresh process so its RSS says what its connections cost:
 *
 *   node --expose-gc --import tsx bench/sse-server-fixtures.ts <hub|bare|bare-coalesced|paired> <connections> [streams]
 *
 * `hub`: the real SseHub behind createApp (hono routing, the auth middleware with an allow-all authenticator) and
 * startHttpServer, over an EngineApi whose notifications this file publishes; with `streams` > 1 the connections
 * are that many streams each of connections / streams customers. `bare`: the baseline, a node:http server that
 * writes the same frames to the same number of responses with one `res.write` per notification, as the hub did
 * before it coalesced (it measured 0.97–1.03 × this). `bare-coalesced`: the same server joining each response's
 * frames of a commit into one write. `paired`: `bare` and `hub` side by side in this process, taking turns (see
 * `runPairedCase`). Clients come from sse-client-fixtures.ts in a child process. Sends its `SubjectResults` to the
 * parent over IPC (or prints them when run by hand).
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { CreatedToken, Principal, TokenInfo } from '../src/domain/principal.ts';
import type { Customer, Ride, TapState, Ticket } from '../src/domain/types.ts';
import { createApp, type AppAuth } from '../src/http/app.ts';
import { startHttpServer } from '../src/http/server.ts';
import type { EngineApi, NotificationListener, ReadyState } from '../src/pipeline/engine-api.ts';
import { systemClock } from '../src/platform/clock.ts';
import { emptyBoxOffice, emptyFeed, emptyInbox } from '../src/testkit/empty-box-office.ts';
import type { DeadLetterPage, Notification, TapResult, TicketPage, TopUpResult } from '../src/store/store-types.ts';
import {
  isMainModule, printTable, runSubjectCases, settingsFromEnv, type SubjectResult, type SubjectResults,
} from './bench-fixtures.ts';
import type { ClientCommand, ClientReply } from './sse-client-fixtures.ts';

export type SseSubjectKind = 'hub' | 'bare' | 'bare-coalesced';
const KINDS: readonly string[] = ['hub', 'bare', 'bare-coalesced'] satisfies SseSubjectKind[];

/**
 * Frames one task call delivers: 10 commits of 500 issued taps, each tap a `ticket.issued` and a `balance.changed`
 * (with S streams per customer, 10 commits of 500 / S taps, each frame going to S streams).
 */
export const FRAMES_PER_TASK = 10_000;
const TAPS_PER_COMMIT = 500;
const COMMITS_PER_TASK = FRAMES_PER_TASK / (2 * TAPS_PER_COMMIT);
const STREAMS_MAX = 8;
/** The first share of connections opened before the marginal RSS is measured: one-time costs land there. */
const WARM_SHARE = 0.1;
const PATH_PREFIX = '/v1/customers/c-';
const HEARTBEAT_MS = 3_600_000;
const BUFFER_BYTES = 1 << 20;

class BenchEngineError extends Error {
  readonly code = 'ERR_BENCH_UNUSED';
}

function unused(method: string): never {
  throw new BenchEngineError(`the SSE bench engine has no ${method}`);
}

/** Knows every customer, replays nothing, and publishes what the bench hands it, as a committed batch. */
class BenchEngine implements EngineApi {
  readonly boxOffice = emptyBoxOffice();
  readonly inbox = emptyInbox();
  /** An empty feed: the bench follows customers' streams only. */
  readonly feed = emptyFeed();
  readonly #listeners = new Set<NotificationListener>();

  publish(batch: readonly Notification[]): void {
    for (const listener of this.#listeners) listener(batch);
  }

  onNotifications(listener: NotificationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  getCustomer(id: string): Customer {
    return { id, name: id, tier: 'standard', balance: 100_000_000, currency: 'EUR' };
  }

  notificationsAfter(): Notification[] {
    return [];
  }

  readiness(): ReadyState {
    return { ready: true };
  }

  submitTaps(): Promise<TapResult[]> {
    return Promise.reject(new BenchEngineError('the SSE bench engine takes no taps'));
  }

  tapState(): TapState | undefined {
    return undefined;
  }

  tapCustomer(): string | undefined {
    return undefined;
  }

  putCustomer(): Promise<{ customer: Customer; created: boolean }> {
    return Promise.reject(new BenchEngineError('the SSE bench engine has no putCustomer'));
  }

  topUp(): Promise<TopUpResult> {
    return Promise.reject(new BenchEngineError('the SSE bench engine has no topUp'));
  }

  listTickets(): TicketPage {
    return unused('listTickets');
  }

  listRides(): Ride[] {
    return [];
  }

  putRide(): never {
    return unused('putRide');
  }

  listMachines(): never {
    return unused('listMachines');
  }

  putMachine(): never {
    return unused('putMachine');
  }

  putShow(): never {
    return unused('putShow');
  }

  getShow(): never {
    return unused('getShow');
  }

  searchShows(): never {
    return unused('searchShows');
  }

  showAvailability(): never {
    return unused('showAvailability');
  }

  patchCustomer(): Promise<never> {
    return Promise.reject(new BenchEngineError('the SSE bench engine has no patchCustomer'));
  }

  listDeadLetters(): DeadLetterPage {
    return unused('listDeadLetters');
  }

  getDeadLetter(): undefined {
    return undefined;
  }

  replayDeadLetter(): Promise<TapState> {
    return Promise.reject(new BenchEngineError('the SSE bench engine has no replayDeadLetter'));
  }
}

/** Every request is an admin's: the bench is about the stream, not about who asks. */
function allowAll(): AppAuth {
  const admin: Principal = { tokenId: 'tok-bench-admin', role: 'admin' };
  return {
    authenticator: {
      authenticate: () => admin,
      authenticateKnown: () => admin,
      create: (): CreatedToken => unused('create'),
      revoke: () => unused('revoke'),
      list: (): TokenInfo[] => [],
      isActive: () => true,
      forget: () => {},
    },
  };
}

interface Subject {
  port: number;
  publish(batch: readonly Notification[]): void;
  close(): Promise<void>;
}

async function hubSubject(): Promise<Subject> {
  const engine = new BenchEngine();
  const { app, hub } = createApp({
    engine, clock: systemClock, auth: allowAll(), heartbeatMs: HEARTBEAT_MS, sseBufferBytes: BUFFER_BYTES,
  });
  const server = await startHttpServer({ app, host: '127.0.0.1', port: 0 });
  return {
    port: server.port,
    publish: (batch) => engine.publish(batch),
    close: async () => {
      hub.close();
      await server.close();
    },
  };
}

function frame(n: Notification): string {
  return `id: ${n.id}\nevent: ${n.type}\ndata: ${JSON.stringify(n.data)}\n\n`;
}

/**
 * Routing by hand, no auth, a Map of responses, the same headers and frame format as the hub. `coalesced`: a commit's
 * frames are joined per response and written once; otherwise each is its own `res.write`, as the hub used to.
 */
async function bareSubject(coalesced: boolean): Promise<Subject> {
  const streams = new Map<string, http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const id = url.slice(PATH_PREFIX.length - 2, url.length - '/events'.length);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    streams.set(id, res);
    res.on('close', () => streams.delete(id));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    publish(batch) {
      if (!coalesced) {
        for (let i = 0; i < batch.length; i++) {
          const n = batch[i] as Notification;
          streams.get(n.customerId)?.write(frame(n));
        }
        return;
      }
      const pending = new Map<http.ServerResponse, string>();
      for (let i = 0; i < batch.length; i++) {
        const n = batch[i] as Notification;
        const res = streams.get(n.customerId);
        if (res !== undefined) pending.set(res, (pending.get(res) ?? '') + frame(n));
      }
      for (const [res, text] of pending) res.write(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams.values()) res.destroy();
        server.close(() => resolve());
      }),
  };
}

/** What a commit of issued taps notifies: per tap, the ticket then the balance, to customers in turn. */
class CommitSource {
  readonly #customerIds: string[];
  readonly #tapsPerCommit: number;
  #nextId = 1;
  #nextCustomer = 0;

  constructor(customers: number, tapsPerCommit: number) {
    this.#customerIds = Array.from({ length: customers }, (_, i) => `c-${i}`);
    this.#tapsPerCommit = tapsPerCommit;
  }

  commit(): Notification[] {
    const batch = new Array<Notification>(2 * this.#tapsPerCommit);
    for (let t = 0; t < this.#tapsPerCommit; t++) {
      const customerId = this.#customerIds[this.#nextCustomer] as string;
      this.#nextCustomer = (this.#nextCustomer + 1) % this.#customerIds.length;
      const n = this.#nextId;
      const tapId = `tap-${n}`;
      const ticketId = `tkt-00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const balance = 100_000_000 - 625 * n;
      const ticket: Ticket = {
        ticketId, tapId, customerId, rideId: 'ride-a', basePrice: 500, price: 625, currency: 'EUR',
        rules: [{ rule: 'afternoon-peak', kind: 'peak', factorBp: 12_500, before: 500, after: 625 }],
        balanceAfter: balance, tappedAt: '2026-11-22T13:29:55+01:00', issuedAt: '2026-11-22T12:30:00.000Z',
      };
      const createdAt = '2026-11-22T12:30:00.000Z';
      batch[2 * t] = { id: n, customerId, createdAt, type: 'ticket.issued', data: ticket };
      batch[2 * t + 1] = {
        id: n + 1, customerId, createdAt, type: 'balance.changed',
        data: { customerId, balance, currency: 'EUR', change: -625, cause: { kind: 'ticket', tapId, ticketId } },
      };
      this.#nextId += 2;
    }
    return batch;
  }
}

/** The client process and its replies, one command at a time. */
class Clients {
  readonly #child: ChildProcess;
  #waiting: { resolve: (r: ClientReply) => void; reject: (e: Error) => void } | undefined;
  #closing = false;

  constructor() {
    this.#child = fork(new URL('./sse-client-fixtures.ts', import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('exit', (code) => {
      if (!this.#closing) this.#waiting?.reject(new Error(`SSE client process exited with ${code}`));
    });
    this.#child.on('message', (reply: ClientReply) => {
      if (this.#closing) return;
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (reply.kind === 'failed') waiting?.reject(new Error(`SSE client: ${reply.message}`));
      else waiting?.resolve(reply);
    });
  }

  ask(command: ClientCommand): Promise<ClientReply> {
    if (this.#waiting !== undefined) throw new Error('one client command at a time');
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#child.send(command);
    });
  }

  close(): Promise<void> {
    this.#closing = true;
    return new Promise((resolve) => {
      this.#child.once('exit', () => resolve());
      this.#child.send({ kind: 'close' } satisfies ClientCommand);
    });
  }
}

function clientCpuUs(reply: ClientReply): number {
  if (reply.kind !== 'cpu') throw new Error(`expected the client's CPU time, got ${reply.kind}`);
  return reply.userUs + reply.systemUs;
}

/**
 * Counts `res.write` calls in this process from now on: only the server's responses, since the clients are raw
 * sockets in another process. Both kinds of subject pay the same small wrapper.
 */
function countResponseWrites(): () => number {
  const prototype = http.ServerResponse.prototype;
  // Kept unbound on purpose: it is called below with each response as `this`.
  const write = Reflect.get(prototype, 'write') as (this: http.ServerResponse, ...a: unknown[]) => boolean;
  let writes = 0;
  prototype.write = function countedWrite(this: http.ServerResponse, ...args: unknown[]) {
    writes++;
    return write.apply(this, args);
  } as typeof prototype.write;
  return () => writes;
}

function collectGarbage(): void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}

async function settledMemory(): Promise<{ rss: number; heap: number }> {
  collectGarbage();
  await sleep(200);
  collectGarbage();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
}

/** The case's name: `sse.<kind>-<connections>`, or `sse.<kind>-<customers>x<streams>` with several streams each. */
export function sseCaseName(kind: SseSubjectKind, connections: number, streamsPerCustomer: number): string {
  return streamsPerCustomer === 1
    ? `sse.${kind}-${connections}`
    : `sse.${kind}-${connections / streamsPerCustomer}x${streamsPerCustomer}`;
}

/**
 * Starts the subject, opens `connections` client streams (10 % first, so the marginal cost per connection is seen
 * apart from one-time costs), measures memory, then runs the fan-out case: one task call publishes 10 commits of
 * 1,000 / `streamsPerCustomer` notifications, yielding to the event loop between commits as separate commits would,
 * and waits until the clients counted all 10,000 frames.
 */
export async function runSseCase(
  kind: SseSubjectKind, connections: number, streamsPerCustomer = 1,
): Promise<SubjectResults> {
  const customers = connections / streamsPerCustomer;
  const tapsPerCommit = TAPS_PER_COMMIT / streamsPerCustomer;
  if (!Number.isInteger(customers) || !Number.isInteger(tapsPerCommit) || streamsPerCustomer > STREAMS_MAX) {
    throw new RangeError(
      `streamsPerCustomer must divide ${connections} and ${TAPS_PER_COMMIT} and be at most ${STREAMS_MAX}`,
    );
  }
  if (kind !== 'hub' && streamsPerCustomer !== 1) throw new RangeError(`${kind} keeps one stream per customer`);
  const responseWrites = countResponseWrites();
  const subject = kind === 'hub' ? await hubSubject() : await bareSubject(kind === 'bare-coalesced');
  const clients = new Clients();
  const name = sseCaseName(kind, connections, streamsPerCustomer);
  try {
    const before = await settledMemory();
    const warm = Math.max(1, Math.round(connections * WARM_SHARE));
    const connect = {
      kind: 'connect', port: subject.port, pathPrefix: PATH_PREFIX, customers, authorization: 'Bearer bench',
      pending: 256,
    } as const;
    const first = await clients.ask({ ...connect, from: 0, to: warm });
    const atWarm = await settledMemory();
    const rest = await clients.ask({ ...connect, from: warm, to: connections });
    if (first.kind !== 'connected' || rest.kind !== 'connected') throw new Error('clients did not connect');
    const connected = await settledMemory();
    let delivered = rest.events;
    const clientCpuBefore = await clients.ask({ kind: 'cpu' });
    const writesBefore = responseWrites();
    const source = new CommitSource(customers, tapsPerCommit);
    const settings = { ...settingsFromEnv({ timeMs: 2_500, warmupMs: 300 }), filter: undefined };
    const results = await runSubjectCases(
      [
        {
          name,
          messagesPerTask: FRAMES_PER_TASK,
          async: true,
          minCalls: 8,
          async fn() {
            delivered += FRAMES_PER_TASK;
            const reached = clients.ask({ kind: 'await', total: delivered });
            for (let c = 0; c < COMMITS_PER_TASK; c++) {
              subject.publish(source.commit());
              await new Promise((resolve) => setImmediate(resolve));
            }
            await reached;
          },
        },
      ],
      settings,
    );
    const clientCpuAfter = await clients.ask({ kind: 'cpu' });
    const writes = responseWrites() - writesBefore;
    const framesTimed = delivered - rest.events;
    const afterRun = await settledMemory();
    const result = results[name];
    if (result === undefined) throw new Error(`${name} did not run`);
    Object.assign(result, {
      connections,
      streamsPerCustomer,
      rssKBPerConn: (connected.rss - before.rss) / connections / 1024,
      rssKBPerConnMarginal: (connected.rss - atWarm.rss) / (connections - warm) / 1024,
      heapKBPerConn: (connected.heap - before.heap) / connections / 1024,
      rssKBPerConnAfterRun: (afterRun.rss - before.rss) / connections / 1024,
      connectMs: first.connectMs + rest.connectMs,
      clientCpuUsPerOp: (clientCpuUs(clientCpuAfter) - clientCpuUs(clientCpuBefore)) / framesTimed,
      writesPerOp: writes / framesTimed,
    });
    return results;
  } finally {
    await clients.close();
    await subject.close();
  }
}

/** Timed rounds of the paired case, after its warmup rounds; each round runs one task on either side. */
const PAIRED_ROUNDS = 24;
const PAIRED_WARMUP_ROUNDS = 4;

interface RoundFigures {
  ms: number;
  cpuUs: number;
  writes: number;
}

/**
 * The paired case: the per-notification baseline (`bare`) and the hub in one process, `connections` client streams
 * each, one task on either side per round in alternating order, so load from elsewhere on the machine (a shared
 * 2-core box) falls on both alike. Each side's frames/s is that of its median round; the hub also reports the
 * median of the per-round ratios, `pairedRatioMedian`.
 */
export async function runPairedCase(connections: number): Promise<SubjectResults> {
  const responseWrites = countResponseWrites();
  const sides = { bare: await bareSubject(false), hub: await hubSubject() };
  const clients = new Clients();
  try {
    let delivered = 0;
    for (const side of Object.values(sides)) {
      const reply = await clients.ask({
        kind: 'connect', port: side.port, pathPrefix: PATH_PREFIX, customers: connections,
        authorization: 'Bearer bench', pending: 256, from: 0, to: connections,
      });
      if (reply.kind !== 'connected') throw new Error('clients did not connect');
      delivered = reply.events;
    }
    const source = new CommitSource(connections, TAPS_PER_COMMIT);
    const task = async (side: Subject): Promise<RoundFigures> => {
      const [writes, cpu, started] = [responseWrites(), process.cpuUsage(), performance.now()];
      delivered += FRAMES_PER_TASK;
      const reached = clients.ask({ kind: 'await', total: delivered });
      for (let c = 0; c < COMMITS_PER_TASK; c++) {
        side.publish(source.commit());
        await new Promise((resolve) => setImmediate(resolve));
      }
      await reached;
      const used = process.cpuUsage(cpu);
      return { ms: performance.now() - started, cpuUs: used.user + used.system, writes: responseWrites() - writes };
    };
    const rounds = { bare: [] as RoundFigures[], hub: [] as RoundFigures[] };
    for (let r = 0; r < PAIRED_WARMUP_ROUNDS + PAIRED_ROUNDS; r++) {
      for (const name of r % 2 === 0 ? (['bare', 'hub'] as const) : (['hub', 'bare'] as const)) {
        const figures = await task(sides[name]);
        if (r >= PAIRED_WARMUP_ROUNDS) rounds[name].push(figures);
      }
    }
    const hub = pairedSide(rounds.hub, connections);
    hub.pairedRatioMedian = median(rounds.hub.map((h, i) => (rounds.bare[i] as RoundFigures).ms / h.ms));
    const bare = pairedSide(rounds.bare, connections);
    return { [`sse.paired-bare-${connections}`]: bare, [`sse.paired-hub-${connections}`]: hub };
  } finally {
    await clients.close();
    await sides.bare.close();
    await sides.hub.close();
  }
}

function pairedSide(rounds: readonly RoundFigures[], connections: number): SubjectResult {
  const framesPerSec = rounds.map((f) => (FRAMES_PER_TASK * 1_000) / f.ms);
  const mean = framesPerSec.reduce((a, b) => a + b, 0) / framesPerSec.length;
  const variance = framesPerSec.reduce((a, b) => a + (b - mean) ** 2, 0) / (framesPerSec.length - 1);
  return {
    opsPerSec: median(framesPerSec),
    opsPerTask: FRAMES_PER_TASK,
    samples: rounds.length,
    // The 95 % margin of the mean (normal approximation), as a share of it: how tinybench states its `rme`.
    rmePercent: ((1.96 * Math.sqrt(variance / framesPerSec.length)) / mean) * 100,
    connections,
    cpuUsPerOp: median(rounds.map((f) => f.cpuUs / FRAMES_PER_TASK)),
    writesPerOp: rounds.reduce((a, f) => a + f.writes, 0) / (rounds.length * FRAMES_PER_TASK),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

if (isMainModule(import.meta.url)) {
  const kind = process.argv[2];
  const connections = Number(process.argv[3]);
  const streams = Number(process.argv[4] ?? 1);
  if (!(KINDS.includes(kind ?? '') || kind === 'paired') || !Number.isInteger(connections) || connections < 10) {
    throw new Error(
      'usage: sse-server-fixtures.ts <hub|bare|bare-coalesced|paired> <connections ≥ 10> [streams per customer]',
    );
  }
  const results = kind === 'paired'
    ? await runPairedCase(connections)
    : await runSseCase(kind as SseSubjectKind, connections, streams);
  // Exits once the results are out: the IPC channel would otherwise keep this process alive.
  if (process.send === undefined) printTable(`SSE fan-out, ${kind}`, 'frames/s', results);
  else process.send(results, () => process.exit(0));
}
