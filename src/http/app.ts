/**
 * The HTTP API of ticketd as a hono app: JSON in and out, every error `{ "error": { "code", "message" } }`, and
 * the customers' live notifications over SSE (the hub, returned alongside so shutdown can end the streams). Every
 * route is declared once (src/http/api/): the declarations validate the requests and make `GET /openapi.json`.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Clock } from '../platform/clock.ts';
import type { EngineApi } from '../pipeline/engine-api.ts';
import { accessLog, requestIdOf, type AccessLogOptions } from './access-log.ts';
import { validationHook } from './api/inputs.ts';
import { addApiDocs } from './api-docs.ts';
import { engineReads, type AppEnv, type CustomerReads, type RouteDeps, type TicketdApp } from './app-env.ts';
import { authMiddleware, type AppAuth } from './auth-middleware.ts';
import { corsMiddleware } from './cors-policy.ts';
import { addCatalogRoutes } from './catalog-routes.ts';
import { addCustomerRoutes } from './customer-routes.ts';
import { addDeadLetterRoutes } from './dead-letter-routes.ts';
import { errorAnswer } from './error-response.ts';
import { addEventsRoute } from './events-route.ts';
import { FeedHub } from './feed-hub.ts';
import { ShardStreams, type ShardStreamSource } from './shard-streams.ts';
import { addFeedRoutes } from './feed-routes.ts';
import { addHealthRoutes } from './health-routes.ts';
import { addMetrics, type MetricsEndpoint } from './metrics-route.ts';
import { errorBody } from './http-error.ts';
import { SseHub } from './sse-hub.ts';
import { addShowRoutes } from './show-routes.ts';
import { addBookingRoutes } from './booking-routes.ts';
import { addMeRoutes } from './me-routes.ts';
import type { CardTopUps } from '../payments/card-top-ups.ts';
import type { WebhookVerifier } from '../payments/webhook-signature.ts';
import { addTapRoutes } from './tap-routes.ts';
import { addTokenRoutes } from './token-routes.ts';
import { addUserRoutes } from './user-routes.ts';
import { addWebRoutes } from './web-routes.ts';
import type { Accounts } from '../accounts/accounts.ts';

export type { TicketdApp } from './app-env.ts';
export type { AppAuth } from './auth-middleware.ts';

/** Largest request body: 1 MiB (1000 signed taps take about 300 KB). */
export const BODY_BYTES_MAX = 1_048_576;
/** Default bound on a request's wait for the engine; above the engine's own waits, so it only catches a stuck one. */
export const WAIT_TIMEOUT_MS_DEFAULT = 30_000;

export interface CreateAppOptions {
  engine: EngineApi;
  clock: Clock;
  /** Who may call: bearer tokens and their roles, and the per-token rate limit. */
  auth: AppAuth;
  /** Origins allowed to call from a browser (CORS); empty or absent: no CORS headers at all. */
  corsOrigins?: readonly string[];
  /** Interval of the `: heartbeat` comment on every SSE stream. */
  heartbeatMs: number;
  /** Unsent bytes an SSE stream may hold before its client counts as not reading and is disconnected. */
  sseBufferBytes: number;
  /** Longest a request waits for an engine promise before 503 `engine_timeout` (default 30 000). */
  waitTimeoutMs?: number;
  /** Live notifications held back per SSE stream while it replays (default 1000). */
  sseLiveBufferMax?: number;
  /** Open SSE streams one customer may have; one more is refused with 429 `too_many_streams` (default 8). */
  sseStreamsPerCustomerMax?: number;
  /** Errors answered with 500 `internal` (and failed SSE replays), for the log; the client never sees them. */
  onInternalError?: (error: unknown, requestId?: string) => void;
  /** Request ids (`X-Request-Id`) and one access line per request (see access-log.ts); absent: neither. */
  accessLog?: AccessLogOptions;
  /** Prometheus metrics: every request counted, and `GET /metrics` for an admin or the metrics token. */
  metrics?: MetricsEndpoint;
  /**
   * The payment provider's webhook signatures (`POST /v1/payments/webhook`; absent, every webhook is refused), and
   * customers' own top-ups by card (`POST /v1/me/top-ups`; absent, those answer 503 `payments_unavailable`).
   */
  payments?: { webhooks: WebhookVerifier; cardTopUps?: CardTopUps };
  /** User accounts and sessions (`/v1/users`, `/v1/sessions`); absent, those routes answer 503. */
  accounts?: Accounts;
  /** `--allow-signup`: anyone may create a `user` account for themselves (default false). */
  allowSignup?: boolean;
  /** The optional parts beside the engine and their state, for `/ready`. */
  components?: () => Record<string, 'connected' | 'connecting' | 'down'>;
  /** On a node of several: where customers' streams come from (the AMQP bridge; see shard-streams.ts). */
  shardStreamSource?: ShardStreamSource;
  /** On a node of several: where a customer and its tickets are read (their owner); absent, the engine's. */
  customerReads?: CustomerReads;
}

export interface CreatedApp {
  app: TicketdApp;
  hub: SseHub;
  /** The event feed's live streams: closed at shutdown beside `hub`. */
  feed: FeedHub;
  /** On a node of several: the customers' streams served from their owners; closed at shutdown too. */
  shardStreams?: ShardStreams;
}

/**
 * @example
 * const auth = { authenticator: new TokenAuthenticator({ registry: store, clock }), ...rateLimiters(clock, RATE_LIMIT_DEFAULTS) };
 * const { app, hub } = createApp({ engine, clock, auth, heartbeatMs: 15_000, sseBufferBytes: 1 << 20 });
 * const server = await startHttpServer({ app, host: '127.0.0.1', port: 8080 });
 * // shutdown: hub.close(); feed.close(); await server.close();
 */
export function createApp(options: CreateAppOptions): CreatedApp {
  const waitTimeoutMs = options.waitTimeoutMs ?? WAIT_TIMEOUT_MS_DEFAULT;
  if (!Number.isSafeInteger(waitTimeoutMs) || waitTimeoutMs < 1) {
    throw new RangeError(`createApp option waitTimeoutMs must be a positive integer, got ${waitTimeoutMs}`);
  }
  const onInternalError = options.onInternalError ?? (() => undefined);
  // What every kind of event stream shares: the clock, its beat, its bound on unsent bytes, where failures go, and
  // the check that ends a revoked token's streams.
  const streams = {
    clock: options.clock, heartbeatMs: options.heartbeatMs, bufferBytes: options.sseBufferBytes, onError: onInternalError,
    tokenActive: (tokenId: string) => options.auth.authenticator.isActive(tokenId),
  };
  const hub = new SseHub({
    engine: options.engine, ...streams,
    ...(options.sseLiveBufferMax !== undefined && { liveBufferMax: options.sseLiveBufferMax }),
    ...(options.sseStreamsPerCustomerMax !== undefined && { streamsPerCustomerMax: options.sseStreamsPerCustomerMax }),
  });
  const feed = new FeedHub({ engine: options.engine, ...streams });
  const shardStreams = options.shardStreamSource === undefined ? undefined : new ShardStreams({ source: options.shardStreamSource, ...streams });
  const corsOrigins = [...(options.corsOrigins ?? [])];
  const deps: RouteDeps = {
    engine: options.engine, clock: options.clock, waitTimeoutMs, hub, feed, tokens: options.auth.authenticator, corsOrigins,
    ...(options.accounts !== undefined && { accounts: options.accounts }), allowSignup: options.allowSignup ?? false,
    ...(options.components !== undefined && { components: options.components }),
    ...(shardStreams !== undefined && { shardStreams }),
    ...(options.payments?.cardTopUps !== undefined && { cardTopUps: options.payments.cardTopUps }),
    customerReads: options.customerReads ?? engineReads(options.engine),
  };

  // Not strict: `/v1/rides/` is `/v1/rides`. A request that fails its route's schema is a 400 (api/inputs.ts).
  const app: TicketdApp = new OpenAPIHono<AppEnv>({ strict: false, defaultHook: validationHook });
  // The request id and access line before all else, so every request, however it ends, has both.
  if (options.accessLog !== undefined) app.use(accessLog(options.accessLog));
  // Metrics before all else, so that refused requests are counted too; /metrics checks its own token.
  if (options.metrics !== undefined) addMetrics(app, options.metrics, { hub, auth: options.auth });
  // CORS first, so a browser's preflight (which carries no token) is answered and errors carry the headers too;
  // then who is calling, before the body is read.
  if (corsOrigins.length > 0) app.use(corsMiddleware(corsOrigins));
  app.use(authMiddleware(options.auth));
  const limitBody = bodyLimit({
    maxSize: BODY_BYTES_MAX,
    onError: (c) => c.json(errorBody('body_too_large', `request body is larger than ${BODY_BYTES_MAX} bytes`), 413),
  });
  // Only requests that carry a body go through the limit. A declared Content-Length is judged from the header alone
  // (hono's own rule), so the body is left for the route to read: the Node adapter then reads it straight from the
  // socket, where hono's middleware, reading `c.req.raw.body`, would first make it build a web Request and a stream
  // (a fifth of a booking's cost, bench/booking-http.bench.ts). A chunked body is counted as it is read, by hono's.
  app.use(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return limitBody(c, next);
    if (parseInt(length, 10) > BODY_BYTES_MAX) return c.json(errorBody('body_too_large', `request body is larger than ${BODY_BYTES_MAX} bytes`), 413);
    await next();
  });
  addHealthRoutes(app, deps);
  addTapRoutes(app, deps);
  addCustomerRoutes(app, deps);
  addEventsRoute(app, deps);
  addCatalogRoutes(app, deps);
  addShowRoutes(app, deps);
  addBookingRoutes(app, deps, options.payments?.webhooks);
  addFeedRoutes(app, deps);
  addMeRoutes(app, deps);
  addDeadLetterRoutes(app, deps);
  addTokenRoutes(app, deps);
  addUserRoutes(app, deps);
  addApiDocs(app);
  addWebRoutes(app);

  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    const answer = errorAnswer(error);
    if (answer.internal) onInternalError(error, requestIdOf(c));
    for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
    return c.json(errorBody(answer.code, answer.message, answer.details), answer.status);
  });
  return { app, hub, feed, ...(shardStreams !== undefined && { shardStreams }) };
}
