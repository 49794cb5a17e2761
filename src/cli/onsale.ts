/**
 * `ticketd onsale`: a sales opening played against a running server (many buyers at once on one show), with
 * throughput and latency figures, and an audit of the server's own state at the end that decides the exit status.
 */

import { systemRandom } from '../platform/random.ts';
import { cliClock } from './cli-clock.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { loadCredentialTokens } from './credentials.ts';
import { flagLabel, intFlag, parseFlags, urlFlag, type FlagSpec, type ParsedFlags } from './flags.ts';
import { formatOnsaleProgress, formatOnsaleSummary } from './onsale-report.ts';
import { ONSALE_DEFAULTS, OnsaleSetupError, runOnsaleSession, type OnsaleDeps, type OnsaleOptions } from './onsale-run.ts';
import { reportUsageError, UsageError } from './usage-error.ts';

const D = ONSALE_DEFAULTS;
const DEFAULT_CREDENTIALS = './data/demo-credentials.json';

export const ONSALE_USAGE = `Usage: ticketd onsale --show ID --buyers N --concurrency C [flags]

A sales opening against a running server: creates N buyers (PUT /v1/customers/onsale-<run id>-<i>, each with a
balance that covers its booking), then makes one booking attempt per buyer (POST /v1/bookings with an
Idempotency-Key), at most C at once. A share of the buyers pays by card, a share abandons (books without paying,
so the places stay held until the hold expires), the rest pay from their wallet; who does what is drawn from a
PRNG seeded with --seed. Card bookings are then read again (GET /v1/bookings/:id, every ${D.settleIntervalMs} ms, for at most
${D.settleTimeoutMs / 1_000} s) until no longer held.

Flags:
  --show ID             the show, on sale (required)
  --category ID         the category every buyer books (default the show's first)
  --buyers N            buyers and booking attempts, 1-100000 (required)
  --concurrency C       most requests in flight, 1-1024 (required)
  --card-share S        share of buyers paying by card, 0-1 (default ${D.cardShare})
  --abandon-share S     share of buyers who book and never pay, 0-1 (default ${D.abandonShare})
  --quantity N          places per booking, 1-100 (default ${D.quantity})
  --waitlist            a buyer answered sold_out joins the waiting list
  --url URL             server (default ${D.url})
  --credentials FILE    its admin token is used (default ${DEFAULT_CREDENTIALS}, written by serve --demo)
  --token TOKEN         an admin token to use instead
  --seed N              seed of who pays how, 0-4294967295 (default random; printed in the summary)
  --json                print the summary as JSON
  -h, --help            show this help

A 429 or 503 is retried after its Retry-After (at most ${D.retryAfterMaxMs / 1_000} s), and a network error after a short wait,
${D.retryAttemptsMax} times; after ${D.networkErrorsInARowMax} attempts in a row without an answer the run stops.

Prints a progress line on stderr about once a second (buyers created while they are being created, attempts
done/total, confirmed, sold_out, held), then on
stdout: holds/s (bookings answered 201 per second), bookings confirmed/s, p50/p99 latency of POST /v1/bookings,
the attempts by answer, the run's bookings by status, and the AUDIT from the server's own state (GET
/v1/shows/:id and every booking of the run): in each category, sold equals the valid tickets of the run's
confirmed bookings (so the show should have no other buyers), sold <= capacity, and capacity = available + held +
sold.
Exit status: 0 when the audit holds, 1 when it does not (or could not be made), 2 on a usage error.
`;

const FLAGS: FlagSpec = {
  show: { type: 'string' },
  category: { type: 'string' },
  buyers: { type: 'string' },
  concurrency: { type: 'string' },
  'card-share': { type: 'string' },
  'abandon-share': { type: 'string' },
  quantity: { type: 'string' },
  waitlist: { type: 'boolean' },
  url: { type: 'string' },
  credentials: { type: 'string' },
  token: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

interface OnsaleArgs {
  /** Everything but the token and, when --seed is absent, the seed: those come when the run starts. */
  options: Omit<OnsaleOptions, 'seed' | 'token'> & { seed?: number };
  json: boolean;
  credentials: string;
  token: string | undefined;
}

const defaultDeps: OnsaleDeps = { fetch: (url, init) => fetch(url, init), clock: cliClock, random: systemRandom };

/**
 * Runs `ticketd onsale` with `argv` (the arguments after `onsale`); answers the exit status.
 *
 * @example
 * process.exitCode = await runOnsale(['--show', 'gala', '--buyers', '2000', '--concurrency', '64']);
 */
export async function runOnsale(argv: readonly string[], io: CliIo = processIo(), deps: OnsaleDeps = defaultDeps): Promise<number> {
  let parsed: OnsaleArgs | 'help';
  let token: string;
  try {
    parsed = parseOnsaleArgs(argv);
    if (parsed === 'help') {
      io.stdout(ONSALE_USAGE);
      return 0;
    }
    token = parsed.token ?? await adminToken(parsed.credentials);
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(io, 'onsale', error);
    throw error;
  }
  const { options, json } = parsed;
  const seed = options.seed ?? deps.random.int(2 ** 32);
  let progressShown = false;
  let summary;
  try {
    summary = await runOnsaleSession({
      ...options, token, seed, signal: io.interruptSignal(),
      onProgress: (progress) => {
        progressShown = true;
        io.stderr(io.stderrIsTty ? `\r${formatOnsaleProgress(progress)}\x1b[K` : `${formatOnsaleProgress(progress)}\n`);
      },
    }, deps);
  } catch (error) {
    if (!(error instanceof OnsaleSetupError)) throw error;
    io.stderr(`ticketd onsale: ${error.message}\n`);
    return 1;
  } finally {
    if (progressShown && io.stderrIsTty) io.stderr('\n');
  }
  io.stdout(json ? `${JSON.stringify(summary)}\n` : formatOnsaleSummary(summary));
  return summary.audit?.holds === true ? 0 : 1;
}

function parseOnsaleArgs(argv: readonly string[]): OnsaleArgs | 'help' {
  const { values } = parseFlags(argv, FLAGS, 0);
  if (values.help === true) return 'help';
  const showId = requiredString(values, 'show');
  for (const name of ['buyers', 'concurrency']) {
    if (values[name] === undefined) throw new UsageError(`--${name} is required`);
  }
  const seed = values.seed === undefined ? undefined : intFlag(values, 'seed', 0, 0, 2 ** 32 - 1);
  const cardShare = shareFlag(values, 'card-share', D.cardShare);
  const abandonShare = shareFlag(values, 'abandon-share', D.abandonShare);
  if (cardShare + abandonShare > 1) {
    throw new UsageError(`--card-share and --abandon-share add up to more than 1 (${cardShare} + ${abandonShare})`);
  }
  const categoryId = values.category === undefined ? undefined : requiredString(values, 'category');
  const options: OnsaleArgs['options'] = {
    ...D,
    url: urlFlag(values, D.url),
    showId,
    ...(categoryId !== undefined && { categoryId }),
    buyerCount: intFlag(values, 'buyers', D.buyerCount, 1, 100_000),
    concurrency: intFlag(values, 'concurrency', D.concurrency, 1, 1_024),
    cardShare,
    abandonShare,
    quantity: intFlag(values, 'quantity', D.quantity, 1, 100),
    waitlist: values.waitlist === true,
    ...(seed !== undefined && { seed }),
  };
  const credentials = typeof values.credentials === 'string' ? values.credentials : DEFAULT_CREDENTIALS;
  const token = typeof values.token === 'string' ? values.token : undefined;
  if (token === '') throw new UsageError('--token must not be empty');
  return { options, json: values.json === true, credentials, token };
}

/** The admin token of the credentials file; without one the run cannot create its buyers. */
async function adminToken(credentials: string): Promise<string> {
  const loaded = await loadCredentialTokens(credentials);
  if (!loaded.ok) throw new UsageError(`no admin token: ${loaded.problem} (give --credentials FILE or --token TOKEN)`);
  if (loaded.tokens.admin === undefined) {
    throw new UsageError(`no admin token: ${credentials} has no admin entry (give --token TOKEN)`);
  }
  return loaded.tokens.admin;
}

function requiredString(values: ParsedFlags['values'], name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required and must not be empty`);
  return value;
}

/** A share in [0, 1] such as `0.3`. */
function shareFlag(values: ParsedFlags['values'], name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 0 && n <= 1)) throw new UsageError(`${flagLabel(values, name)} must be a number in 0..1, got '${String(raw)}'`);
  return n;
}
