/**
 * `ticketd serve`: the engine and its HTTP API in this process, until SIGTERM or SIGINT, then a graceful stop
 * bounded by `--shutdown-timeout-ms`.
 */
import { jsonLogger } from '../platform/logger.ts';
import { DEFAULT_CONFIG, startTicketd, type TicketdConfig } from '../server/start-ticketd.ts';
import { intFlag, parseFlags } from './flags.ts';
import { UsageError } from './usage-error.ts';

export const SERVE_USAGE = `Usage: ticketd serve [flags]

Runs ticketd: the SQLite store, the actor pipeline with its worker pool, and the HTTP API.

Flags:
  --port N                 port to listen on (default ${DEFAULT_CONFIG.port}; 0 picks a free one)
  --host HOST              address to listen on (default ${DEFAULT_CONFIG.host})
  --data-dir DIR           where the database lives (default ${DEFAULT_CONFIG.dataDir})
  --workers N              worker threads for validation and pricing (default ${DEFAULT_CONFIG.workers}; 0 = main thread)
  --demo                   seed the demo park into an empty database and write demo-credentials.json
  --heartbeat-ms N         SSE heartbeat interval (default ${DEFAULT_CONFIG.heartbeatMs})
  --shutdown-timeout-ms N  longest a graceful stop may take before the process exits anyway (default 10000)
`;

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  workers: { type: 'string' },
  demo: { type: 'boolean' },
  'heartbeat-ms': { type: 'string' },
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
    process.stdout.write(`demo credentials (signing key of gate-s1) in ${running.demoCredentialsFile}\n`);
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
