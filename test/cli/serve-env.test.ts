/**
 * `ticketd serve`'s configuration from flags and environment variables: every flag has a TICKETD_ variable, a flag
 * on the command line wins, a bad value from the environment is a one-line usage error naming the variable, and
 * --help lists both. Also the log level and the connection bounds.
 */
import { describe, expect, it } from 'vitest';
import { envName } from '../../src/cli/flags.ts';
import { parseServeArgs, SERVE_HELP, type ServeArgs } from '../../src/cli/serve.ts';
import { UsageError, usageErrorText } from '../../src/cli/usage-error.ts';
import { SERVER_LIMITS_DEFAULT } from '../../src/http/server.ts';
import { DEFAULT_CONFIG } from '../../src/server/start-ticketd.ts';

function parsed(argv: string[], env: Record<string, string> = {}): ServeArgs {
  const args = parseServeArgs(argv, env);
  if (args === 'help') throw new Error('help');
  return args;
}

function usageError(argv: string[], env: Record<string, string> = {}): UsageError {
  try {
    parseServeArgs(argv, env);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no usage error for ${JSON.stringify({ argv, env })}`);
}

/** Every flag of --help's flag list, from its `  --name` lines. */
function helpFlags(): string[] {
  return [...SERVE_HELP.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]!);
}

describe('ticketd serve: flags and environment', () => {
  it('names each flag TICKETD_ and the flag in upper snake case', () => {
    expect(envName('port')).toBe('TICKETD_PORT');
    expect(envName('data-dir')).toBe('TICKETD_DATA_DIR');
    expect(envName('rate-limit-unauthenticated-per-minute')).toBe('TICKETD_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE');
  });

  it('takes the defaults with neither flags nor variables', () => {
    const { config, logLevel, shutdownTimeoutMs } = parsed([]);
    expect(config).toMatchObject({ port: DEFAULT_CONFIG.port, host: DEFAULT_CONFIG.host, dataDir: DEFAULT_CONFIG.dataDir, demo: false });
    expect(config.serverLimits).toEqual(SERVER_LIMITS_DEFAULT);
    expect(logLevel).toBe('info');
    expect(shutdownTimeoutMs).toBe(10_000);
  });

  it('reads every kind of flag from its variable', () => {
    const { config, logLevel, shutdownTimeoutMs } = parsed([], {
      TICKETD_PORT: '9001', TICKETD_HOST: '0.0.0.0', TICKETD_DATA_DIR: '/srv/ticketd', TICKETD_WORKERS: '0', TICKETD_DEMO: 'true',
      TICKETD_RATE_LIMIT_CUSTOMER_PER_MINUTE: '600', TICKETD_CORS_ORIGIN: 'https://a.example, https://b.example',
      TICKETD_LOG_LEVEL: 'debug', TICKETD_SHUTDOWN_TIMEOUT_MS: '2000', TICKETD_KEEP_ALIVE_TIMEOUT_MS: '1000',
      TICKETD_MAX_CONNECTIONS: '500',
    });
    expect(config).toMatchObject({ port: 9001, host: '0.0.0.0', dataDir: '/srv/ticketd', workers: 0, demo: true });
    expect(config.rateLimits.customer.ratePerMinute).toBe(600);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.serverLimits).toMatchObject({ keepAliveTimeoutMs: 1_000, connectionsMax: 500 });
    expect(logLevel).toBe('debug');
    expect(shutdownTimeoutMs).toBe(2_000);
  });

  it('lets a flag on the command line win over its variable', () => {
    const { config } = parsed(['--port', '9002', '--data-dir', './mine'], { TICKETD_PORT: '9001', TICKETD_DATA_DIR: '/srv/x' });
    expect(config.port).toBe(9002);
    expect(config.dataDir).toBe('./mine');
    // Even a bad variable is not read when its flag is given.
    expect(parsed(['--port', '9003'], { TICKETD_PORT: 'nine' }).config.port).toBe(9003);
  });

  it('refuses a bad value from the environment in one line naming the variable', () => {
    for (const [env, text] of [
      [{ TICKETD_PORT: 'nine' }, "TICKETD_PORT must be an integer in 0..65535, got 'nine'"],
      [{ TICKETD_DEMO: 'yes' }, "TICKETD_DEMO must be 1, true, 0 or false, got 'yes'"],
      [{ TICKETD_LOG_LEVEL: 'loud' }, "TICKETD_LOG_LEVEL must be one of debug, info, warn, error, silent, got 'loud'"],
      [{ TICKETD_CORS_ORIGIN: 'app.example' }, "TICKETD_CORS_ORIGIN must be '*' or an origin"],
      [{ TICKETD_RATE_LIMIT_BURST: '0' }, 'TICKETD_RATE_LIMIT_BURST must be an integer in 1..'],
    ] as const) {
      const error = usageError([], env);
      expect(error.code).toBe('ERR_USAGE');
      expect(error.message).toContain(text);
      expect(usageErrorText('serve', error.message).split('\n')).toEqual([
        `ticketd serve: ${error.message}`, "See 'ticketd serve --help'.", '',
      ]);
    }
    // The same value on the command line is named by its flag.
    expect(usageError(['--port', 'nine']).message).toBe("--port must be an integer in 0..65535, got 'nine'");
  });

  it('lists every flag and its variable in --help', () => {
    expect(parseServeArgs(['--help'], {})).toBe('help');
    const flags = helpFlags();
    expect(flags).toContain('data-dir');
    expect(flags).toContain('log-level');
    expect(flags).toContain('max-connections');
    for (const flag of new Set(flags)) expect(SERVE_HELP).toMatch(new RegExp(`--${flag} +${envName(flag)}\\n`));
  });

  it('bounds the connections: the header timeout may not exceed the request timeout', () => {
    expect(parsed(['--headers-timeout-ms', '2000', '--request-timeout-ms', '4000', '--max-requests-per-socket', '100'])
      .config.serverLimits).toEqual({ ...SERVER_LIMITS_DEFAULT, headersTimeoutMs: 2_000, requestTimeoutMs: 4_000, requestsPerSocketMax: 100 });
    expect(usageError(['--headers-timeout-ms', '5000', '--request-timeout-ms', '4000']).message)
      .toBe('--headers-timeout-ms (5000) must not be above --request-timeout-ms (4000)');
    expect(usageError(['--max-connections', '0']).message).toContain('--max-connections must be an integer in 1..');
  });
});
