/**
 * `ticketd simulate`: the ticket machines of reference system 1 (its RabbitMQ producer), as a load and behaviour
 * generator for ticketd's HTTP API.
 */

import { systemRandom } from '../platform/random.ts';
import { cliClock } from './cli-clock.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { loadCredentialTokens, loadSigningKey } from './credentials.ts';
import { TOP_UP_CUSTOMERS_MAX, topUpWallets } from './wallet-top-up.ts';
import { intFlag, parseFlags, positiveNumberFlag, urlFlag, type FlagSpec } from './flags.ts';
import { runSimulation, SIMULATION_DEFAULTS, type SimulationDeps, type SimulationOptions } from './simulation.ts';
import { formatProgress, formatSummary } from './simulation-report.ts';
import { SIGNING_MACHINE, TAP_MIX, type TapKind } from './tap-generator.ts';
import { reportUsageError, UsageError } from './usage-error.ts';

const D = SIMULATION_DEFAULTS;
const DEFAULT_CREDENTIALS = './data/demo-credentials.json';

const MIX_TEXT: Record<TapKind, string> = {
  valid: 'valid taps from gate-1 … gate-<machines-1>, unsigned',
  signed: `valid taps from ${SIGNING_MACHINE}, signed (without its key, sent as unsigned valid taps)`,
  'unknown-ride': 'unknown ride (ride-unknown)',
  'unknown-customer': 'unknown customer (customer-unknown)',
  'bad-signature': `bad signature (${SIGNING_MACHINE}, well-formed but wrong)`,
  stale: 'stale tappedAt (a week old)',
  duplicate: "duplicate: an earlier batch's tap sent again, unchanged",
};

export const SIMULATE_USAGE = `Usage: ticketd simulate [flags]

Simulated ticket machines: sends taps to POST /v1/taps in batches paced to --rate, then prints what the
server answered and how fast. Each machine sends its taps with its own token from --credentials (a batch goes
out as one request per machine); machines without a token there use its admin token.

Flags:
  --url URL           server (default ${D.url})
  --rate N            taps per second, 1-1000000 (default ${D.ratePerS})
  --duration S        seconds to send for, fractions allowed (default ${D.durationS})
  --machines N        gate-1 … gate-<N-1> (unsigned) and ${SIGNING_MACHINE} (signing) (default ${D.machineCount})
  --customers N       customer-1 … customer-<N> (default ${D.customerCount})
  --batch N           most taps per batch, 1-1000 (default ${D.batchSizeMax}); low rates send smaller
                      batches so that at least one goes out a second
  --concurrency N     most batches in flight (default ${D.concurrency})
  --credentials FILE  the machines' tokens and ${SIGNING_MACHINE}'s private key (default ${DEFAULT_CREDENTIALS},
                      written by serve --demo)
  --token TOKEN       send every request with this token instead (one request per batch)
  --no-top-up         leave the wallets as they are; by default, with an admin token in --credentials, each
                      simulated customer (up to ${TOP_UP_CUSTOMERS_MAX}) is first topped up to what the run could cost it at
                      the dearest ride's peak price, so valid taps are issued rather than insufficient_funds
  --seed N            seed of the tap mix, 0-4294967295 (default random; printed in the summary)
  --json              print the summary as JSON
  -h, --help          show this help

The mix, drawn from a PRNG seeded with --seed:
${TAP_MIX.map(([kind, perMille]) => `  ${String(perMille / 10).padStart(3)} %  ${MIX_TEXT[kind]}`).join('\n')}
Tap ids are sim-<run id>-<n> with a fresh run id each run, tappedAt is now in local time with its offset.

The server answers 200 once every tap of a request is decided and committed, with each tap's outcome: issued
(a ticket), rejected with a reason (the invalid ones, and insufficient_funds when a wallet runs out),
failed, duplicate (sent before: its first outcome again) or conflict (the id is another tap's). The customer's
stream tells the same: ticketd subscribe customer-1.
A 429 is retried after its Retry-After (at most ${D.retryAfterMaxMs / 1_000} s, ${D.retryAttemptsMax} times);
the summary's 'held back' line says when 429s set the pace rather than --rate.

Prints a progress line on stderr about once a second, then a summary on stdout: taps sent, issued, rejected
(by reason), failed, duplicates, conflicts, refused by HTTP (4xx/5xx), network errors, the latency from each
POST to its answer (p50, p90, p99, max, in ms) and the achieved rate (taps answered per second).
Exit status: 0 when it ran, 1 when the server was unreachable, 2 on a usage error.
`;

const FLAGS: FlagSpec = {
  url: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  machines: { type: 'string' },
  customers: { type: 'string' },
  batch: { type: 'string' },
  concurrency: { type: 'string' },
  credentials: { type: 'string' },
  token: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  'no-top-up': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

interface SimulateArgs {
  /** Everything but the seed when --seed is absent: that one is drawn when the run starts. */
  options: Omit<SimulationOptions, 'seed'> & { seed?: number };
  json: boolean;
  topUp: boolean;
  credentials: string;
  token: string | undefined;
}

const defaultDeps: SimulationDeps = { fetch: (url, init) => fetch(url, init), clock: cliClock, random: systemRandom };

/**
 * Runs `ticketd simulate` with `argv` (the arguments after `simulate`); answers the exit status.
 *
 * @example
 * process.exitCode = await runSimulate(['--rate', '500', '--duration', '5']);
 */
export async function runSimulate(
  argv: readonly string[], io: CliIo = processIo(), deps: SimulationDeps = defaultDeps,
): Promise<number> {
  let parsed: SimulateArgs | 'help';
  try {
    parsed = parseSimulateArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(io, 'simulate', error);
    throw error;
  }
  if (parsed === 'help') {
    io.stdout(SIMULATE_USAGE);
    return 0;
  }
  const { options, json, credentials } = parsed;
  const key = await loadSigningKey(credentials, SIGNING_MACHINE);
  if (!key.ok) io.stderr(`ticketd simulate: sending no signed taps: ${key.problem}\n`);
  const auth = parsed.token !== undefined ? { token: parsed.token } : await machineAuth(credentials, options, io);
  const seed = options.seed ?? deps.random.int(2 ** 32);
  // Without --token, `auth.token` is the credentials file's admin token: the one that may top up wallets.
  if (parsed.topUp && parsed.token === undefined && auth.token !== undefined) {
    await topUpBeforeRun({ options, adminToken: auth.token, runId: `${seed}`, fetch: deps.fetch, io });
  }
  let progressShown = false;
  const summary = await runSimulation({
    ...options,
    ...auth,
    seed,
    ...(key.ok ? { signingKey: key.key } : {}),
    signal: io.interruptSignal(),
    onProgress: (progress) => {
      progressShown = true;
      io.stderr(io.stderrIsTty ? `\r${formatProgress(progress)}\x1b[K` : `${formatProgress(progress)}\n`);
    },
  }, deps);
  if (progressShown && io.stderrIsTty) io.stderr('\n');
  if (summary.unreachable) {
    io.stderr(`ticketd simulate: cannot reach ${summary.url}: ${summary.firstNetworkError ?? 'no answer'}\n`);
    return 1;
  }
  io.stdout(json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
  return 0;
}

async function topUpBeforeRun(run: {
  options: SimulateArgs['options']; adminToken: string; runId: string; fetch: SimulationDeps['fetch']; io: CliIo;
}): Promise<void> {
  const { options, io } = run;
  const customerIds = Array.from({ length: Math.min(options.customerCount, TOP_UP_CUSTOMERS_MAX) }, (_, i) => `customer-${i + 1}`);
  const result = await topUpWallets({
    url: options.url, adminToken: run.adminToken, customerIds, runId: run.runId, fetch: run.fetch,
    tapsMax: Math.ceil(options.ratePerS * options.durationS),
  });
  if (result.toppedUp > 0) {
    const euros = (result.cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    io.stderr(`ticketd simulate: topped up ${result.toppedUp} wallet(s) by ${euros} EUR in all for this run (--no-top-up leaves them as they are)\n`);
  }
  if (result.failed > 0) {
    io.stderr(`ticketd simulate: could not top up ${result.failed} wallet(s): ${result.firstProblem ?? 'no answer'}; sending anyway\n`);
  }
}

function parseSimulateArgs(argv: readonly string[]): SimulateArgs | 'help' {
  const { values } = parseFlags(argv, FLAGS, 0);
  if (values.help === true) return 'help';
  const seed = values.seed === undefined ? undefined : intFlag(values, 'seed', 0, 0, 2 ** 32 - 1);
  const options: SimulateArgs['options'] = {
    ...D,
    url: urlFlag(values, D.url),
    ratePerS: intFlag(values, 'rate', D.ratePerS, 1, 1_000_000),
    durationS: positiveNumberFlag(values, 'duration', D.durationS, 86_400),
    machineCount: intFlag(values, 'machines', D.machineCount, 2, 10_000),
    customerCount: intFlag(values, 'customers', D.customerCount, 1, 1_000_000),
    batchSizeMax: intFlag(values, 'batch', D.batchSizeMax, 1, 1_000),
    concurrency: intFlag(values, 'concurrency', D.concurrency, 1, 1_024),
    ...(seed === undefined ? {} : { seed }),
  };
  const credentials = typeof values.credentials === 'string' ? values.credentials : DEFAULT_CREDENTIALS;
  const token = typeof values.token === 'string' ? values.token : undefined;
  if (token === '') throw new UsageError('--token must not be empty');
  return { options, json: values.json === true, topUp: values['no-top-up'] !== true, credentials, token };
}

/** Each simulated machine's token from the credentials file, the admin's for the others; says what is missing. */
async function machineAuth(
  credentials: string, options: SimulateArgs['options'], io: CliIo,
): Promise<Pick<SimulationOptions, 'machineTokens' | 'token'>> {
  const loaded = await loadCredentialTokens(credentials);
  if (!loaded.ok) {
    io.stderr(`ticketd simulate: sending taps without a token: ${loaded.problem}\n`);
    return {};
  }
  const { machines, admin } = loaded.tokens;
  const simulated = [...Array.from({ length: options.machineCount - 1 }, (_, i) => `gate-${i + 1}`), SIGNING_MACHINE];
  const without = simulated.filter((id) => !Object.hasOwn(machines, id));
  if (without.length > 0) {
    const how = admin === undefined ? 'without a token' : 'with the admin token';
    const named = without.length > 5
      ? `${without.slice(0, 5).join(', ')} and ${without.length - 5} more`
      : without.join(', ');
    io.stderr(`ticketd simulate: ${named}: no token in ${credentials}; their taps go ${how}\n`);
  }
  return { machineTokens: machines, ...(admin === undefined ? {} : { token: admin }) };
}
