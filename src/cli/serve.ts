/**
 * `ticketd serve`: the engine and its HTTP API in this process, until SIGTERM or SIGINT, then a graceful stop
 * bounded by `--shutdown-timeout-ms`.
 */
import { LIMIT_MAX, type RateLimitConfig, type RateLimitSetting } from '../auth/rate-limiter.ts';
import { checkMetricsToken } from '../http/metrics-route.ts';
import { jsonLogger } from '../platform/logger.ts';
import { DEFAULT_CONFIG, startTicketd, type TicketdConfig } from '../server/start-ticketd.ts';
import { intFlag, parseFlags, type ParsedFlags } from './flags.ts';
import { UsageError } from './usage-error.ts';

const LIMITS = DEFAULT_CONFIG.rateLimits;

export const SERVE_USAGE = `Usage: ticketd serve [flags]

Runs ticketd: the SQLite store, the actor pipeline with its worker pool, and the HTTP API.

Flags:
  --port N                 port to listen on (default ${DEFAULT_CONFIG.port}; 0 picks a free one)
  --host HOST              address to listen on (default ${DEFAULT_CONFIG.host})
  --data-dir DIR           where the database lives (default ${DEFAULT_CONFIG.dataDir})
  --workers N              worker threads for validation and pricing (default ${DEFAULT_CONFIG.workers}; 0 = main thread)
  --demo                   seed the demo park into an empty database and write <data-dir>/demo-credentials.json
                           (tokens for the admin, every demo machine and customer, and gate-s1's signing key;
                           owner-only; kept across restarts while its tokens still work)
  --heartbeat-ms N         SSE heartbeat interval (default ${DEFAULT_CONFIG.heartbeatMs})
  --sse-buffer-bytes N     unsent bytes an SSE client may fall behind before it is disconnected (default ${DEFAULT_CONFIG.sseBufferBytes})
  --sse-streams-per-customer N
                           open event streams one customer may have, 1-1000 (default ${DEFAULT_CONFIG.sseStreamsPerCustomerMax});
                           one more is refused with 429 too_many_streams
  --rate-limit-customer-per-minute N, --rate-limit-customer-burst N
                           requests a minute (0-1000000; 0 = no limit) and at once (1-1000000) per customer
                           token (default ${LIMITS.customer.ratePerMinute} and ${LIMITS.customer.burst}); over it: 429 rate_limited with Retry-After
  --rate-limit-machine-per-minute N, --rate-limit-machine-burst N
                           the same per machine token (default ${LIMITS.machine.ratePerMinute}: no limit; burst ${LIMITS.machine.burst})
  --rate-limit-admin-per-minute N, --rate-limit-admin-burst N
                           the same per admin token (default ${LIMITS.admin.ratePerMinute}: no limit; burst ${LIMITS.admin.burst})
  --rate-limit-per-minute N, --rate-limit-burst N
                           shorthand for all three roles at once; a role's own flag wins
  --rate-limit-unauthenticated-per-minute N, --rate-limit-unauthenticated-burst N
                           the same for requests without a valid token, per client address (default ${LIMITS.unauthenticated.ratePerMinute} and ${LIMITS.unauthenticated.burst};
                           0 = no limit); past them the address gets 429 without its token being looked up,
                           unless the server has accepted that token lately (it is in the token cache)
  --cors-origin ORIGIN     allow browser calls from ORIGIN (e.g. https://app.example); repeat it or separate
                           origins with commas; '*' allows any (default: no CORS headers)
  --metrics-token TOKEN    a bearer token that may read GET /metrics (Prometheus) and nothing else, 16-128
                           printable characters; admin tokens may always read it
  --shutdown-timeout-ms N  longest a graceful stop may take before the process exits anyway (default 10000)

Every /v1 route needs 'Authorization: Bearer <token>'; /health and /ready need none; /metrics needs an admin
token or the metrics token. Tokens are made with
'ticketd token create' (or POST /v1/tokens by an admin); --demo makes a set.
`;

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  workers: { type: 'string' },
  demo: { type: 'boolean' },
  'heartbeat-ms': { type: 'string' },
  'sse-buffer-bytes': { type: 'string' },
  'sse-streams-per-customer': { type: 'string' },
  'rate-limit-per-minute': { type: 'string' },
  'rate-limit-burst': { type: 'string' },
  'rate-limit-customer-per-minute': { type: 'string' },
  'rate-limit-customer-burst': { type: 'string' },
  'rate-limit-machine-per-minute': { type: 'string' },
  'rate-limit-machine-burst': { type: 'string' },
  'rate-limit-admin-per-minute': { type: 'string' },
  'rate-limit-admin-burst': { type: 'string' },
  'rate-limit-unauthenticated-per-minute': { type: 'string' },
  'rate-limit-unauthenticated-burst': { type: 'string' },
  'cors-origin': { type: 'string', multiple: true },
  'metrics-token': { type: 'string' },
  'shutdown-timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runServe(argv: string[]): Promise<number> {
  let config: TicketdConfig;
  let shutdownTimeoutMs: number;
  const log = jsonLogger();
  try {
    const { values } = parseFlags(argv, FLAGS, 0);
    if (values.help === true) {
      process.stdout.write(SERVE_USAGE);
      return 0;
    }
    config = {
      ...DEFAULT_CONFIG,
      host: typeof values.host === 'string' ? values.host : DEFAULT_CONFIG.host,
      port: intFlag(values, 'port', DEFAULT_CONFIG.port, 0, 65_535),
      dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : DEFAULT_CONFIG.dataDir,
      workers: intFlag(values, 'workers', DEFAULT_CONFIG.workers, 0, 64),
      demo: values.demo === true,
      heartbeatMs: intFlag(values, 'heartbeat-ms', DEFAULT_CONFIG.heartbeatMs, 100, 3_600_000),
      sseBufferBytes: intFlag(values, 'sse-buffer-bytes', DEFAULT_CONFIG.sseBufferBytes, 32_768, 1 << 30),
      sseStreamsPerCustomerMax: intFlag(
        values, 'sse-streams-per-customer', DEFAULT_CONFIG.sseStreamsPerCustomerMax, 1, 1_000,
      ),
      rateLimits: rateLimitFlags(values),
      corsOrigins: corsOrigins(values['cors-origin']),
      ...metricsTokenFlag(values['metrics-token']),
      log,
    };
    shutdownTimeoutMs = intFlag(values, 'shutdown-timeout-ms', 10_000, 100, 600_000);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`ticketd serve: ${error.message}\n\n${SERVE_USAGE}`);
    return 2;
  }

  const running = await startTicketd(config);
  log.info('ticketd ready', { url: running.url, dataDir: config.dataDir, workers: config.workers, demo: config.demo });
  process.stdout.write(`ticketd listening on ${running.url}\n`);
  if (running.demoCredentialsFile !== undefined) {
    process.stdout.write(
      `demo credentials (admin, machine and customer tokens; gate-s1's signing key) in ${running.demoCredentialsFile}\n`,
    );
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping', { signal });
  const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), shutdownTimeoutMs).unref());
  const outcome = await Promise.race([running.close().then(() => 'closed' as const), deadline]);
  if (outcome === 'timeout') {
    log.error('graceful stop took too long; exiting anyway', { shutdownTimeoutMs });
    return 1;
  }
  log.info('stopped');
  return 0;
}

/**
 * The origins of `--cors-origin`, each flag holding one or more separated by commas: `*` or an http(s) origin
 * (scheme, host and port, nothing after).
 */
function corsOrigins(raw: unknown): string[] {
  const flags = Array.isArray(raw) ? raw.map(String) : [];
  const origins = flags.flatMap((flag) => flag.split(',')).map((origin) => origin.trim()).filter((o) => o !== '');
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new UsageError(`--cors-origin must be '*' or an origin like https://app.example:8443, got '${origin}'`);
    }
  }
  return [...new Set(origins)];
}

/** `--metrics-token`, checked (see checkMetricsToken). */
function metricsTokenFlag(raw: unknown): { metricsToken?: string } {
  if (typeof raw !== 'string') return {};
  try {
    return { metricsToken: checkMetricsToken(raw) };
  } catch (error) {
    throw new UsageError(`--metrics-token: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The rate limits of the `--rate-limit-*` flags: a role's own flag, else the `--rate-limit-per-minute` and
 * `--rate-limit-burst` shorthand, else the default; the shorthand leaves the unauthenticated limit alone.
 *
 * @example
 * rateLimitFlags({ 'rate-limit-per-minute': '600', 'rate-limit-machine-per-minute': '0' });
 * // customer and admin: 600 a minute; machine: none; unauthenticated: the default
 */
export function rateLimitFlags(values: ParsedFlags['values']): RateLimitConfig {
  const shorthand = (role: 'customer' | 'machine' | 'admin'): RateLimitSetting => ({
    ratePerMinute: intFlag(values, 'rate-limit-per-minute', LIMITS[role].ratePerMinute, 0, LIMIT_MAX),
    burst: intFlag(values, 'rate-limit-burst', LIMITS[role].burst, 1, LIMIT_MAX),
  });
  const limit = (name: string, fallback: RateLimitSetting): RateLimitSetting => ({
    ratePerMinute: intFlag(values, `rate-limit-${name}-per-minute`, fallback.ratePerMinute, 0, LIMIT_MAX),
    burst: intFlag(values, `rate-limit-${name}-burst`, fallback.burst, 1, LIMIT_MAX),
  });
  return {
    customer: limit('customer', shorthand('customer')),
    machine: limit('machine', shorthand('machine')),
    admin: limit('admin', shorthand('admin')),
    unauthenticated: limit('unauthenticated', LIMITS.unauthenticated),
  };
}
