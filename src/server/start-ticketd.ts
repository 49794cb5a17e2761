import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { RATE_LIMIT_DEFAULTS, rateLimiters, type RateLimitConfig } from '../auth/rate-limiter.ts';
import { TokenAuthenticator } from '../auth/token-authenticator.ts';
import { demoPark } from '../domain/demo-park.ts';
import { demoVenue } from '../domain/demo-venue.ts';
import { createApp } from '../http/app.ts';
import { STREAMS_PER_CUSTOMER_MAX_DEFAULT } from '../http/sse-hub.ts';
import { SERVER_LIMITS_DEFAULT, startHttpServer, type ServerLimits } from '../http/server.ts';
import { Metrics } from '../metrics/metrics.ts';
import { Engine } from '../pipeline/engine.ts';
import { CardTopUps } from '../payments/card-top-ups.ts';
import { SimulatedCardProvider, type WebhookSink } from '../payments/simulated-provider.ts';
import { SIGNATURE_HEADER, WebhookVerifier } from '../payments/webhook-signature.ts';
import type { PipelineOptions } from '../pipeline/pipeline-options.ts';
import { systemContext, type RuntimeContext } from '../platform/context.ts';
import type { Logger } from '../platform/logger.ts';
import { TicketStore } from '../store/index.ts';
import { InlineEvaluator } from '../workers/inline-evaluator.ts';
import { PoolEvaluator } from '../workers/pool-evaluator.ts';
import { SplitEvaluator } from '../workers/split-evaluator.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { Accounts } from '../accounts/accounts.ts';
import { AmqpBridge } from '../amqp/amqp-bridge.ts';
import type { Tap } from '../domain/types.ts';
import { LoginLimiter } from '../auth/login-limiter.ts';
import { PoolPasswordHasher } from '../workers/password-pool.ts';
import { cryptoSecrets } from '../platform/secrets.ts';
import { loadOrCreateDemoCredentials } from './demo-credentials.ts';

export interface TicketdConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Worker threads for validation and pricing; 0 evaluates on the main thread. */
  workers: number;
  demo: boolean;
  heartbeatMs: number;
  sseBufferBytes: number;
  /** Open SSE streams one customer may have (a phone, a watch, …); one more gets 429 `too_many_streams`. */
  sseStreamsPerCustomerMax: number;
  /**
   * Per token of each role, and per client address for failed authentications: requests a minute (sustained; 0
   * turns that limit off) and at once after a quiet spell.
   */
  rateLimits: RateLimitConfig;
  /** Origins allowed to call from a browser; empty: no CORS headers. */
  corsOrigins: readonly string[];
  /** Header, request and keep-alive timeouts, requests per connection and open connections (see server.ts). */
  serverLimits: ServerLimits;
  pipeline?: Partial<PipelineOptions>;
  /** A bearer token that may read `GET /metrics` and nothing else (admin tokens may too); absent: admins only. */
  metricsToken?: string;
  /** RabbitMQ (src/amqp/amqp-bridge.ts): the broker's URL and the machine its taps are recorded under. */
  amqp?: { url: string; machineId: string; nodeId?: string };
  /** Whether anyone may create a `user` account for themselves (`POST /v1/users` without a token). */
  allowSignup: boolean;
  /** How long a login's session lasts. */
  sessionHours: number;
  /** How long a booking holds its seats before it must be paid. */
  holdSeconds: number;
  /** The simulated card provider: delay from charge to webhook, and the share of charges it declines. */
  card: { delayMs: number; failureRate: number };
  /** The webhook signing secret shared with the payment provider; absent: a random one each start. */
  webhookSecret?: string;
  log: Logger;
  runtime?: RuntimeContext;
}

export const DEFAULT_CONFIG = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './data',
  workers: Math.max(1, availableParallelism()),
  heartbeatMs: 15_000,
  sseBufferBytes: 1 << 20,
  sseStreamsPerCustomerMax: STREAMS_PER_CUSTOMER_MAX_DEFAULT,
  rateLimits: RATE_LIMIT_DEFAULTS,
  corsOrigins: [],
  serverLimits: SERVER_LIMITS_DEFAULT,
  allowSignup: false,
  sessionHours: 12,
  holdSeconds: 900,
  card: { delayMs: 500, failureRate: 0.05 },
} as const;

/** Webhook signatures are accepted within 5 minutes of their timestamp, and each only once. */
const WEBHOOK_TOLERANCE_MS = 300_000;

const WRITE_WAIT_MS = 1_000;

export interface RunningTicketd {
  url: string;
  port: number;
  engine: Engine;
  /** `<data-dir>/demo-credentials.json` under `--demo`: the demo's tokens and gate-s1's signing key. */
  demoCredentialsFile?: string;
  /** Stops accepting, ends SSE streams, drains the pipeline, closes the pool and the database. */
  close(): Promise<void>;
}

/**
 * Starts everything in one process: the SQLite store in `dataDir` (schema created or migrated), the engine with its
 * worker pool, and the HTTP API. Throws DataDirInUseError when another server holds `dataDir`, and the listen
 * error (`EADDRINUSE`, …) when the port cannot be had; whatever was started by then is stopped first.
 *
 * @example
 * const running = await startTicketd({ ...DEFAULT_CONFIG, demo: true, log: createLogger({ level: 'info' }) });
 */
export async function startTicketd(config: TicketdConfig): Promise<RunningTicketd> {
  const runtime = config.runtime ?? systemContext;
  const dataDir = path.resolve(config.dataDir);
  // Before the database is touched: a second server on this data dir stops here (see data-dir-lock.ts).
  const lock = lockDataDir(dataDir);
  let store: TicketStore | undefined;
  let engine: Engine | undefined;
  let demoCredentialsFile: string | undefined;
  let passwords: PoolPasswordHasher | undefined;
  let bridge: AmqpBridge | undefined;
  const metrics = new Metrics();
  try {
    // Another connection may write beside this one (`ticketd token` on the same data dir): a write waits up to a
    // second for its transaction rather than failing at once.
    store = TicketStore.open({ dataDir, ids: runtime.ids, busyTimeoutMs: WRITE_WAIT_MS });
    if (config.demo) {
      const ids = demoPark('');
      const demo = loadOrCreateDemoCredentials({
        dataDir, tokens: store, nowMs: runtime.clock.now(),
        machineIds: ids.machines.map((m) => m.id), customerIds: ids.customers.map((c) => c.id),
      });
      demoCredentialsFile = demo.file;
      // The file's path and a count only: the tokens themselves never go to the log.
      if (demo.minted > 0) config.log.info('minted demo tokens', { file: demo.file, tokens: demo.minted });
      if (store.seedIfEmpty(demoPark(demo.publicKeyPem), runtime.clock.now())) config.log.info('seeded the demo park');
      const shows = store.shows.seedIfAbsent(demoVenue(runtime.clock.now()), runtime.clock.now());
      if (shows > 0) config.log.info('seeded the demo venue', { shows });
    }
    // The simulated card provider answers through ticketd's own webhook route, in-process (payments/simulated-provider.ts).
    const webhookSecret = config.webhookSecret ?? randomBytes(32).toString('base64url');
    let deliverWebhook: WebhookSink = () => Promise.reject(new Error('the HTTP app is not up yet'));
    const provider = new SimulatedCardProvider({
      clock: runtime.clock, random: runtime.random, ids: runtime.ids, secret: webhookSecret, sink: (delivery) => deliverWebhook(delivery),
      delayMs: config.card.delayMs, failureRate: config.card.failureRate, pendingMax: 100_000, rememberedMax: 1_000_000, deliveryAttemptsMax: 5,
    });
    engine = await Engine.start({
      store,
      runtime,
      log: config.log,
      payments: provider,
      holdMs: config.holdSeconds * 1_000,
      evaluator: (options) => {
        const inline = new InlineEvaluator(options);
        if (config.workers === 0) return inline;
        const pool = new PoolEvaluator({ ...options, threads: config.workers, maxQueue: 256, maxOldGenerationSizeMb: 256 });
        metrics.watchPool(pool);
        // Only signed taps carry CPU work worth a thread hand-off; the rest are cheaper evaluated here.
        return new SplitEvaluator(pool, inline, (tap) => typeof options.catalog().machines[tap.machineId]?.publicKey === 'string');
      },
      ...(config.pipeline !== undefined && { pipeline: config.pipeline }),
      metrics,
    });
    // Passwords are hashed on a thread of their own: a burst of logins queues there (bounded), not on the event loop
    // nor in front of the taps' pool.
    const hasher = new PoolPasswordHasher({ secrets: cryptoSecrets, threads: 1, maxQueue: 256 });
    passwords = hasher;
    const accounts = new Accounts({
      users: store.users, openCustomer: (id, input) => running.putCustomer(id, input), hasher,
      limiter: new LoginLimiter({ clock: runtime.clock }), clock: runtime.clock, ids: runtime.ids,
      sessionTtlMs: config.sessionHours * 3_600_000, onLogin: (outcome) => metrics.login(outcome),
    });
    const running = engine;
    bridge = config.amqp === undefined ? undefined : amqpBridge(config.amqp, engine, store, config.log);
    const broker = bridge;
    // Among several nodes an HTTP tap, a top-up (at the desk or by card) and a read of a customer or its tickets
    // go to the node owning the customer, through the broker.
    const sharded = broker !== undefined && config.amqp?.nodeId !== undefined ? broker : undefined;
    const routed = sharded === undefined ? engine : ownersThroughShards(engine, sharded);
    const cardTopUps = new CardTopUps({
      store: store.cardTopUps, provider, clock: runtime.clock,
      credit: (customerId, topUpId, amount, context) => routed.topUp(customerId, topUpId, amount, context),
      currencyOf: (customerId) => running.getCustomer(customerId)?.currency,
    });
    const { app, hub, feed, shardStreams } = createApp({
      engine: routed,
      ...(sharded !== undefined && {
        customerReads: {
          customer: (id: string) => sharded.customerOnOwner(id, SHARD_ANSWER_TIMEOUT_MS),
          tickets: (customerId: string, limit: number, cursor?: string) => sharded.ticketsOnOwner(customerId, limit, cursor, SHARD_ANSWER_TIMEOUT_MS),
        },
      }),
      accounts,
      ...(broker !== undefined && { components: () => ({ amqp: broker.status().state }) }),
      ...(sharded !== undefined && { shardStreamSource: sharded }),
      allowSignup: config.allowSignup,
      clock: runtime.clock,
      auth: {
        authenticator: new TokenAuthenticator({ registry: store, clock: runtime.clock }),
        ...rateLimiters(runtime.clock, config.rateLimits),
      },
      corsOrigins: config.corsOrigins,
      heartbeatMs: config.heartbeatMs,
      sseBufferBytes: config.sseBufferBytes,
      sseStreamsPerCustomerMax: config.sseStreamsPerCustomerMax,
      accessLog: { log: config.log, newRequestId: () => runtime.ids.next('req'), nowMs: () => runtime.clock.now() },
      // With the request's id when a request failed (the access line carries it too), and always the stack.
      onInternalError: (error, requestId) => config.log.error('internal error', { requestId, err: error }),
      metrics: { metrics, token: config.metricsToken },
      payments: {
        webhooks: new WebhookVerifier({ secret: webhookSecret, clock: runtime.clock, toleranceMs: WEBHOOK_TOLERANCE_MS, replayMemoryMax: 100_000 }),
        cardTopUps,
      },
    });
    deliverWebhook = async ({ body, signature }) => {
      const answer = await app.request('/v1/payments/webhook', {
        method: 'POST', body, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
      });
      // Anything but 200 is retried by the provider (a later attempt is signed anew).
      if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}: ${await answer.text()}`);
    };
    // Top-ups a stop left waiting for the provider are asked about again, now that its webhook has a route.
    void cardTopUps.resume().then((asked) => {
      if (asked > 0) config.log.info('asked the card provider again about pending top-ups', { topUps: asked });
    }, (error: unknown) => config.log.error('pending top-ups not resumed', { err: error }));
    const server = await startHttpServer({ app, host: config.host, port: config.port, limits: config.serverLimits });
    // After HTTP is up: the broker is optional, and its absence only shows in /ready.
    await broker?.start();
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${server.port}`;
    let closing: Promise<void> | undefined;
    // Fixed from here on; the closure below would otherwise see the `let`s as possibly unset.
    const opened = store;
    return {
      url,
      port: server.port,
      engine,
      ...(demoCredentialsFile !== undefined && { demoCredentialsFile }),
      close: () =>
        (closing ??= (async () => {
          // The broker first: no new taps from it, and what it delivered but not acknowledged is delivered again.
          await broker?.stop();
          // Taps get 503 from here on; SSE clients are told to come back in 2 s and resume with Last-Event-ID.
          const drained = running.stop();
          hub.close(2_000);
          feed.close(2_000);
          shardStreams?.close(2_000);
          await Promise.all([server.close(), drained, hasher.close()]);
          opened.close();
          lock.release();
        })()),
    };
  } catch (error) {
    await bridge?.stop();
    await engine?.stop();
    await passwords?.close();
    store?.close();
    lock.release();
    throw error;
  }
}

/**
 * The RabbitMQ bridge of `--amqp-url`, with its machine in the catalogue (made when missing; an existing one, and
 * its public key, is left as it is) and its outbox cursor in the store.
 */
function amqpBridge(amqpConfig: { url: string; machineId: string; nodeId?: string }, engine: Engine, store: TicketStore, log: Logger): AmqpBridge {
  if (!engine.listMachines().some((machine) => machine.id === amqpConfig.machineId)) engine.putMachine(amqpConfig.machineId, {});
  return new AmqpBridge({
    url: amqpConfig.url, engine, machineId: amqpConfig.machineId, log,
    ...(amqpConfig.nodeId !== undefined && { shard: { nodeId: amqpConfig.nodeId }, streamHead: (customerId: string) => store.streamHead(customerId) }),
    cursor: { read: () => store.cursor('amqp'), write: (id) => store.setCursor('amqp', id), head: () => store.lastEventId() },
  });
}

/**
 * How long an HTTP tap or top-up sent to another node's shard waits for its outcome (below the HTTP wait bound, 30 s,
 * so the client hears the owner's silence as 503 `not_ready` rather than the route's own timeout).
 */
const SHARD_ANSWER_TIMEOUT_MS = 25_000;

/**
 * The engine as the routes see it on a node of several: taps are decided, and top-ups credited, by the nodes owning
 * their customers (AmqpBridge), so a wallet is charged and credited in one place. The routes read a customer and its
 * tickets through `customerReads` (app-env.ts), which start() points at the owner too; the engine's own synchronous
 * reads, left here as they are, serve what only needs to know a customer exists (customers are made on every node).
 */
function ownersThroughShards(engine: Engine, bridge: AmqpBridge): Engine {
  const topUp: Engine['topUp'] = (customerId, topUpId, amount, context) =>
    bridge.topUpOnOwner(customerId, topUpId, amount, context, SHARD_ANSWER_TIMEOUT_MS);
  return new Proxy(engine, {
    get(target, property) {
      if (property === 'submitTaps') return (taps: Tap[]) => bridge.submitToShards(taps, SHARD_ANSWER_TIMEOUT_MS);
      if (property === 'topUp') return topUp;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
