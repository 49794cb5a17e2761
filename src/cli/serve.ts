/**
 * `ticketd serve`: its flags, each of which may also come from an environment variable (TICKETD_PORT for --port,
 * …; a flag wins), read into the server's configuration; serve-lifecycle.ts runs the server.
 */
import { ID_PATTERN, ID_PROBLEM_CHARS } from '../domain/field-checks.ts';
import { LIMIT_MAX, type RateLimitConfig, type RateLimitSetting } from '../auth/rate-limiter.ts';
import { checkMetricsToken } from '../http/metrics-route.ts';
import { createLogger, LOG_LEVELS, type LogLevel } from '../platform/logger.ts';
import { SERVER_LIMITS_DEFAULT, SERVER_LIMITS_MAX, type ServerLimits } from '../http/server.ts';
import { DEFAULT_CONFIG, type TicketdConfig } from '../server/start-ticketd.ts';
import { envName, flagLabel, intFlag, parseFlagsWithEnv, type ParsedFlags } from './flags.ts';
import { serveUntilSignalled } from './serve-lifecycle.ts';
import { UsageError, usageErrorText } from './usage-error.ts';

const LIMITS = DEFAULT_CONFIG.rateLimits;
const SERVER = SERVER_LIMITS_DEFAULT;
const SHUTDOWN_TIMEOUT_MS_DEFAULT = 10_000;

export const SERVE_USAGE = `Usage: ticketd serve [flags]

Runs ticketd: the SQLite store, the actor pipeline with its worker pool, and the HTTP API.

Flags:
  --port N                 port to listen on (default ${DEFAULT_CONFIG.port}; 0 picks a free one)
  --host HOST              address to listen on (default ${DEFAULT_CONFIG.host})
  --data-dir DIR           where the database lives (default ${DEFAULT_CONFIG.dataDir})
                           one server per data dir: a second one refuses to start (<data-dir>/ticketd.pid)
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
  --rate-limit-manager-per-minute N, --rate-limit-manager-burst N
                           the same per manager token (default ${LIMITS.manager.ratePerMinute}: no limit; burst ${LIMITS.manager.burst})
  --rate-limit-per-minute N, --rate-limit-burst N
                           shorthand for all four roles at once; a role's own flag wins
  --rate-limit-unauthenticated-per-minute N, --rate-limit-unauthenticated-burst N
                           the same for requests without a valid token, per client address (default ${LIMITS.unauthenticated.ratePerMinute} and ${LIMITS.unauthenticated.burst};
                           0 = no limit); past them the address gets 429 without its token being looked up,
                           unless the server has accepted that token lately (it is in the token cache)
  --cors-origin ORIGIN     allow browser calls from ORIGIN (e.g. https://app.example); repeat it or separate
                           origins with commas; '*' allows any (default: no CORS headers)
  --amqp-url URL           also run on RabbitMQ (e.g. amqp://guest:guest@127.0.0.1:5672): take reference system 1's
                           taps from its ticket_events_exchange, publish its CustomerEvents and dead letters, and
                           every event to ticketd.events; HTTP keeps working while the broker is away
  --amqp-machine-id ID     the machine the broker's taps are recorded under; made if missing (default refsys1)
  --amqp-node-id ID        run as one node of several on the broker, each owning a share of the customers by
                           consistent hashing (RabbitMQ's rabbitmq_consistent_hash_exchange plugin): the node's taps
                           come from its queue ticketd.shard.ID; every node needs its own --data-dir
  --allow-signup           anyone may create a user account (and its customer) with POST /v1/users and no token;
                           without it only admins create accounts (npm start passes it: the demo is open)
  --session-hours N        how long a login's session lasts, 1-720 (default ${DEFAULT_CONFIG.sessionHours})
  --hold-seconds N         how long a booking holds its seats before it must be paid, 1-86400 (default ${DEFAULT_CONFIG.holdSeconds})
  --card-delay-ms N        the simulated card provider's delay from charge to webhook, 0-60000 (default ${DEFAULT_CONFIG.card.delayMs})
  --card-failure-rate R    share of card charges the simulated provider declines, 0-1 (default ${DEFAULT_CONFIG.card.failureRate})
  --payment-webhook-secret SECRET
                           the provider's webhook signing secret, 16-256 characters (default: a random one each start,
                           shared with the simulated provider inside ticketd)
  --metrics-token TOKEN    a bearer token that may read GET /metrics (Prometheus) and nothing else, 16-128
                           printable characters; admin tokens may always read it
  --shutdown-timeout-ms N  longest a graceful stop may take before the process exits anyway (default ${SHUTDOWN_TIMEOUT_MS_DEFAULT})
  --log-level LEVEL        ${LOG_LEVELS.join(', ')} (default info): JSON lines on stderr, one access line per
                           request (info) with its X-Request-Id; an event stream's when it opens
  --headers-timeout-ms N   longest a client may take to send a request's headers (default ${SERVER.headersTimeoutMs}); then 408
  --request-timeout-ms N   longest a client may take to send a whole request (default ${SERVER.requestTimeoutMs}); then 408.
                           Bounds the request only: an event stream may stay open for as long as it likes
  --keep-alive-timeout-ms N
                           idle time after which a kept-alive connection is closed (default ${SERVER.keepAliveTimeoutMs})
  --max-requests-per-socket N
                           requests one connection may carry before it is closed (default ${SERVER.requestsPerSocketMax})
  --max-connections N      connections open at once, event streams included (default ${SERVER.connectionsMax}); more are
                           closed as soon as they are accepted

Every /v1 route needs 'Authorization: Bearer <token>' but the signed payment webhook; /health, /ready, /openapi.json
and /docs need none; /metrics needs an admin token or the metrics token. Tokens are made with 'ticketd token create'
(or POST /v1/tokens by an admin); --demo makes a set.
`;

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  workers: { type: 'string' },
  demo: { type: 'boolean' },
  'allow-signup': { type: 'boolean' },
  'amqp-url': { type: 'string' },
  'amqp-machine-id': { type: 'string' },
  'amqp-node-id': { type: 'string' },
  'session-hours': { type: 'string' },
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
  'rate-limit-manager-per-minute': { type: 'string' },
  'rate-limit-manager-burst': { type: 'string' },
  'rate-limit-unauthenticated-per-minute': { type: 'string' },
  'rate-limit-unauthenticated-burst': { type: 'string' },
  'cors-origin': { type: 'string', multiple: true },
  'metrics-token': { type: 'string' },
  'hold-seconds': { type: 'string' },
  'card-delay-ms': { type: 'string' },
  'card-failure-rate': { type: 'string' },
  'payment-webhook-secret': { type: 'string' },
  'shutdown-timeout-ms': { type: 'string' },
  'log-level': { type: 'string' },
  'headers-timeout-ms': { type: 'string' },
  'request-timeout-ms': { type: 'string' },
  'keep-alive-timeout-ms': { type: 'string' },
  'max-requests-per-socket': { type: 'string' },
  'max-connections': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The usage text: the flags above, then the environment variables derived from the flag table. */
export const SERVE_HELP = `${SERVE_USAGE}
Environment: every flag may come from a variable instead, TICKETD_ and the flag in upper snake case; a flag on the
command line wins. --demo's variable takes 1/true or 0/false; --cors-origin's a comma-separated list.
${Object.keys(FLAGS).filter((flag) => flag !== 'help').map((flag) => `  --${flag.padEnd(38)}${envName(flag)}`).join('\n')}
`;

/** What `ticketd serve` runs with, from its flags and environment. */
export interface ServeArgs {
  config: Omit<TicketdConfig, 'log'>;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

/**
 * Runs `ticketd serve` with `argv` (the arguments after `serve`) and `env`; answers the exit status.
 *
 * @example
 * process.exitCode = await runServe(['--port', '9000'], process.env);
 */
export async function runServe(argv: string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  let args: ServeArgs | 'help';
  try {
    args = parseServeArgs(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(usageErrorText('serve', error.message));
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const log = createLogger({ level: args.logLevel });
  return serveUntilSignalled({ ...args.config, log }, args.shutdownTimeoutMs);
}

/**
 * The configuration of `argv` and `env` (flags win over variables), or 'help'; a bad value is a UsageError
 * naming the flag or the variable it came from.
 *
 * @example
 * parseServeArgs(['--port', '9000'], { TICKETD_PORT: '7000', TICKETD_DATA_DIR: '/srv/ticketd' }).config;
 * // { …, port: 9000, dataDir: '/srv/ticketd' }
 */
export function parseServeArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ServeArgs | 'help' {
  const { values } = parseFlagsWithEnv(argv, FLAGS, 0, env);
  if (values.help === true) return 'help';
  const config: ServeArgs['config'] = {
    ...DEFAULT_CONFIG,
    host: typeof values.host === 'string' ? values.host : DEFAULT_CONFIG.host,
    port: intFlag(values, 'port', DEFAULT_CONFIG.port, 0, 65_535),
    dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : DEFAULT_CONFIG.dataDir,
    workers: intFlag(values, 'workers', DEFAULT_CONFIG.workers, 0, 64),
    demo: values.demo === true,
    allowSignup: values['allow-signup'] === true,
    ...amqpFlags(values),
    sessionHours: intFlag(values, 'session-hours', DEFAULT_CONFIG.sessionHours, 1, 720),
    heartbeatMs: intFlag(values, 'heartbeat-ms', DEFAULT_CONFIG.heartbeatMs, 100, 3_600_000),
    sseBufferBytes: intFlag(values, 'sse-buffer-bytes', DEFAULT_CONFIG.sseBufferBytes, 32_768, 1 << 30),
    sseStreamsPerCustomerMax: intFlag(
      values, 'sse-streams-per-customer', DEFAULT_CONFIG.sseStreamsPerCustomerMax, 1, 1_000,
    ),
    rateLimits: rateLimitFlags(values),
    corsOrigins: corsOrigins(values, values['cors-origin']),
    ...metricsTokenFlag(values, values['metrics-token']),
    serverLimits: serverLimitFlags(values),
    holdSeconds: intFlag(values, 'hold-seconds', DEFAULT_CONFIG.holdSeconds, 1, 86_400),
    card: {
      delayMs: intFlag(values, 'card-delay-ms', DEFAULT_CONFIG.card.delayMs, 0, 60_000),
      failureRate: shareFlag(values, 'card-failure-rate', DEFAULT_CONFIG.card.failureRate),
    },
    ...webhookSecretFlag(values),
  };
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly unknown[]).includes(logLevel)) {
    throw new UsageError(`${flagLabel(values, 'log-level')} must be one of ${LOG_LEVELS.join(', ')}, got '${String(logLevel)}'`);
  }
  const shutdownTimeoutMs = intFlag(values, 'shutdown-timeout-ms', SHUTDOWN_TIMEOUT_MS_DEFAULT, 100, 600_000);
  return { config, logLevel: logLevel as LogLevel, shutdownTimeoutMs };
}

/**
 * The connection bounds of `--headers-timeout-ms` and its kin; the headers' timeout may not exceed the request's.
 *
 * @example
 * serverLimitFlags({ 'keep-alive-timeout-ms': '1000' }); // { ...SERVER_LIMITS_DEFAULT, keepAliveTimeoutMs: 1000 }
 */
export function serverLimitFlags(values: ParsedFlags['values']): ServerLimits {
  const flag = (name: string, key: keyof ServerLimits): number => intFlag(values, name, SERVER[key], 1, SERVER_LIMITS_MAX[key]);
  const limits: ServerLimits = {
    headersTimeoutMs: flag('headers-timeout-ms', 'headersTimeoutMs'),
    requestTimeoutMs: flag('request-timeout-ms', 'requestTimeoutMs'),
    keepAliveTimeoutMs: flag('keep-alive-timeout-ms', 'keepAliveTimeoutMs'),
    requestsPerSocketMax: flag('max-requests-per-socket', 'requestsPerSocketMax'),
    connectionsMax: flag('max-connections', 'connectionsMax'),
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new UsageError(`${flagLabel(values, 'headers-timeout-ms')} (${limits.headersTimeoutMs}) must not be above ` +
      `${flagLabel(values, 'request-timeout-ms')} (${limits.requestTimeoutMs})`);
  }
  return limits;
}

/**
 * The origins of `--cors-origin`, each flag holding one or more separated by commas: `*` or an http(s) origin
 * (scheme, host and port, nothing after).
 */
function corsOrigins(values: ParsedFlags['values'], raw: unknown): string[] {
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
      throw new UsageError(`${flagLabel(values, 'cors-origin')} must be '*' or an origin like https://app.example:8443, got '${origin}'`);
    }
  }
  return [...new Set(origins)];
}

/** A share in [0, 1] (`--card-failure-rate 0.05`), or `fallback` when absent. */
function shareFlag(values: ParsedFlags['values'], name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 0 && n <= 1)) throw new UsageError(`${flagLabel(values, name)} must be a number in [0, 1], got '${String(raw)}'`);
  return n;
}

/** `--payment-webhook-secret`: 16-256 printable characters. */
function webhookSecretFlag(values: ParsedFlags['values']): { webhookSecret?: string } {
  const raw = values['payment-webhook-secret'];
  if (raw === undefined) return {};
  if (typeof raw !== 'string' || !/^[\x21-\x7e]{16,256}$/.test(raw)) {
    throw new UsageError(`${flagLabel(values, 'payment-webhook-secret')} must be 16-256 printable characters`);
  }
  return { webhookSecret: raw };
}

/** `--metrics-token`, checked (see checkMetricsToken). */
/** `--amqp-url` (checked to be an amqp: or amqps: URL) and `--amqp-machine-id`. */
function amqpFlags(values: ParsedFlags['values']): { amqp?: { url: string; machineId: string; nodeId?: string } } {
  const url = values['amqp-url'];
  const machineId = values['amqp-machine-id'];
  const nodeId = values['amqp-node-id'];
  if (url === undefined) {
    for (const flag of ['amqp-machine-id', 'amqp-node-id'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`${flagLabel(values, flag)} needs --amqp-url`);
    }
    return {};
  }
  if (nodeId !== undefined && !ID_PATTERN.test(String(nodeId))) {
    throw new UsageError(`${flagLabel(values, 'amqp-node-id')} ${ID_PROBLEM_CHARS}, got '${String(nodeId)}'`);
  }
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new UsageError(`${flagLabel(values, 'amqp-url')} must be a URL such as amqp://guest:guest@127.0.0.1:5672, got '${String(url)}'`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new UsageError(`${flagLabel(values, 'amqp-url')} must start with amqp:// or amqps://, got '${parsed.protocol}'`);
  }
  const id = machineId === undefined ? 'refsys1' : String(machineId);
  if (!ID_PATTERN.test(id)) throw new UsageError(`${flagLabel(values, 'amqp-machine-id')} ${ID_PROBLEM_CHARS}, got '${id}'`);
  return { amqp: { url: String(url), machineId: id, ...(nodeId !== undefined && { nodeId: String(nodeId) }) } };
}

function metricsTokenFlag(values: ParsedFlags['values'], raw: unknown): { metricsToken?: string } {
  if (typeof raw !== 'string') return {};
  try {
    return { metricsToken: checkMetricsToken(raw) };
  } catch (error) {
    throw new UsageError(`${flagLabel(values, 'metrics-token')}: ${error instanceof Error ? error.message : String(error)}`);
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
  const shorthand = (role: 'customer' | 'machine' | 'admin' | 'manager'): RateLimitSetting => ({
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
    manager: limit('manager', shorthand('manager')),
    unauthenticated: limit('unauthenticated', LIMITS.unauthenticated),
  };
}
