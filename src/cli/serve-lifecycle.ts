/**
 * The life of a `ticketd serve` process once its flags are read: start, say where it listens, wait for SIGTERM or
 * SIGINT, stop gracefully within a bound. A start that cannot happen for a reason of the operator's world (the data
 * dir is another server's, the port is taken or not ours to take) is one line on stderr and exit status 1, not a
 * stack trace.
 */
import type { Logger } from '../platform/logger.ts';
import { TimeoutError, withTimeout } from '../platform/with-timeout.ts';
import { DataDirInUseError } from '../server/data-dir-lock.ts';
import { startTicketd, type RunningTicketd, type TicketdConfig } from '../server/start-ticketd.ts';

/** Listen errors an operator causes and fixes; anything else is a bug and keeps its stack. */
const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use (another server listens there; pick another --port)',
  EACCES: 'permission denied (ports below 1024 need privileges; pick another --port)',
  EADDRNOTAVAIL: 'address not available on this host (check --host)',
};

/**
 * Runs the server of `config` until a signal; answers the exit status (0 stopped cleanly, 1 could not start or the
 * stop outlasted `shutdownTimeoutMs`).
 *
 * @example
 * process.exitCode = await serveUntilSignalled({ ...DEFAULT_CONFIG, log }, 10_000);
 */
export async function serveUntilSignalled(config: TicketdConfig, shutdownTimeoutMs: number): Promise<number> {
  const { log } = config;
  let running: RunningTicketd;
  try {
    running = await startTicketd(config);
  } catch (error) {
    const problem = startProblem(error, config);
    if (problem === undefined) throw error;
    // One line for the operator, not a JSON log line beside it: nothing ran, so there is nothing else to log.
    process.stderr.write(`ticketd serve: ${problem}\n`);
    return 1;
  }
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
  return stop(running, signal, shutdownTimeoutMs, log);
}

async function stop(running: RunningTicketd, signal: NodeJS.Signals, shutdownTimeoutMs: number, log: Logger): Promise<number> {
  log.info('stopping', { signal });
  try {
    await withTimeout(running.close(), { timeoutMs: shutdownTimeoutMs, what: 'the graceful stop' });
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    log.error('graceful stop took too long; exiting anyway', { shutdownTimeoutMs });
    return 1;
  }
  log.info('stopped');
  return 0;
}

/**
 * The one-line reason a start failed for a reason outside the program, or undefined for anything else.
 *
 * @example
 * startProblem(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), config);
 * // 'cannot listen on 127.0.0.1:8080: address already in use (…)'
 */
export function startProblem(error: unknown, config: Pick<TicketdConfig, 'host' | 'port'>): string | undefined {
  if (error instanceof DataDirInUseError) return `${error.message}; stop it first or pick another --data-dir`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = typeof code === 'string' && Object.hasOwn(LISTEN_ERRORS, code) ? LISTEN_ERRORS[code] : undefined;
  return reason === undefined ? undefined : `cannot listen on ${config.host}:${config.port}: ${reason}`;
}
