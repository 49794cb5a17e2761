/**
 * ticketd's Prometheus metrics, in one object per process with its own prom-client registry (never prom-client's
 * global one, so tests can build many engines side by side). The parts that record are handed this object; where it
 * is absent they record nothing. Every metric is named `ticketd_…` with its unit last (`_seconds`, `_taps`) and
 * counters end in `_total`; prom-client's default process and Node metrics come beside them, unprefixed, as
 * dashboards expect them.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { BoxOfficeMetrics } from './box-office-metrics.ts';
import { PipelineMetrics } from './pipeline-metrics.ts';
import { registerScrapeGauges, ScrapeSources, type EngineSource, type PoolSource, type SseSource } from './scrape-gauges.ts';

export type { EngineSource, PoolSource, SseSource } from './scrape-gauges.ts';

export interface MetricsOptions {
  /**
   * Monotonic milliseconds, for durations only (never for decisions); default `performance.now`. This is the one
   * clock metrics read: durations of real work on a real disk are what they report.
   */
  nowMs?: () => number;
}

const HTTP_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * @example
 * const metrics = new Metrics();
 * const engine = await Engine.start({ store, evaluator, runtime, log, metrics });
 * const { app } = createApp({ ...options, metrics: { metrics, token: process.env.TICKETD_METRICS_TOKEN } });
 * await metrics.text(); // '# HELP ticketd_taps_total …'
 */
export class Metrics {
  readonly registry = new Registry();
  readonly nowMs: () => number;
  /** The ledger's group commits. */
  readonly pipeline: PipelineMetrics;
  /** Bookings, refusals and each live show's places. */
  readonly boxOffice: BoxOfficeMetrics;
  readonly #sources = new ScrapeSources();
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly #httpSeconds: Histogram<'method' | 'route' | 'status'>;
  readonly #logins: Counter<'outcome'>;

  constructor(options: MetricsOptions = {}) {
    this.nowMs = options.nowMs ?? (() => performance.now());
    if (typeof this.nowMs !== 'function') throw new TypeError('Metrics option nowMs must be a function');
    this.pipeline = new PipelineMetrics(this.registry, this.nowMs);
    this.boxOffice = new BoxOfficeMetrics(this.registry);
    registerScrapeGauges(this.registry, this.#sources);
    const registers = [this.registry];
    const labelNames = ['method', 'route', 'status'] as const;
    this.#httpRequests = new Counter({
      name: 'ticketd_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern (e.g. /v1/customers/:id; "unmatched" for no route) '
        + 'and status. An SSE request counts when its stream opens.',
      labelNames, registers,
    });
    this.#httpSeconds = new Histogram({
      name: 'ticketd_http_request_duration_seconds',
      help: 'Time from a request\'s arrival to its answer, by method, route pattern and status; for SSE, to the '
        + 'stream\'s opening, not its end.',
      labelNames, buckets: HTTP_SECONDS_BUCKETS, registers,
    });
    this.#logins = new Counter({
      name: 'ticketd_logins_total',
      help: 'Logins (POST /v1/sessions) by outcome: ok, invalid_credentials, login_throttled, account_disabled, '
        + 'hasher_busy. A rise of invalid_credentials and login_throttled is someone guessing passwords.',
      labelNames: ['outcome'], registers,
    });
    // Process CPU, memory, file descriptors, event loop lag, GC: read from the process at each scrape.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one login by how it ended (`ok` or the refusal's code: a fixed list). */
  login(outcome: string): void {
    this.#logins.inc({ outcome });
  }

  /** Reads in-flight taps, mailboxes and dead letters from `engine` at every scrape. */
  watchEngine(engine: EngineSource): void {
    this.#sources.engine = engine;
  }

  /** Reads open streams and frames from `hub` at every scrape. */
  watchSse(hub: SseSource): void {
    this.#sources.sse = hub;
  }

  /** Reads queue, utilization and threads from `pool` at every scrape. */
  watchPool(pool: PoolSource): void {
    this.#sources.pool = pool;
  }

  /**
   * Records one answered HTTP request. `route` must be a route pattern or `unmatched`, never a raw path, so that
   * the number of label values stays bounded.
   */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.#httpRequests.inc(labels);
    this.#httpSeconds.observe(labels, seconds);
  }

  /** The exposition's Content-Type: `text/plain; version=0.0.4; charset=utf-8`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
