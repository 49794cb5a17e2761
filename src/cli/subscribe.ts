/**
 * `ticketd subscribe`: the customer app of reference system 1 (one queue per customer), in a terminal, except
 * that nothing is lost while it is offline: it resumes with `Last-Event-ID`.
 */

import { idProblem } from '../domain/field-checks.ts';
import { cliClock } from './cli-clock.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { loadCredentialTokens } from './credentials.ts';
import { subscribeEvents, type SubscriptionDeps } from './event-subscription.ts';
import { intFlag, parseFlags, urlFlag, type FlagSpec } from './flags.ts';
import { formatNotification } from './notification-format.ts';
import type { SseEvent } from './sse-parser.ts';
import { reportUsageError, UsageError } from './usage-error.ts';

const DEFAULT_URL = 'http://127.0.0.1:8080';
const DEFAULT_CREDENTIALS = './data/demo-credentials.json';
const DEFAULT_MAX_RECONNECTS = 100;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
const IDLE_TIMEOUT_MS = 60_000;
const STABLE_AFTER_MS = 10_000;
const EVENT_SIZE_MAX = 1 << 20;

export const SUBSCRIBE_USAGE = `Usage: ticketd subscribe <customerId> [flags]

Follows a customer's notifications (GET /v1/customers/<customerId>/events, Server-Sent Events) and prints
one line per notification as it arrives:
  #42 ticket.issued  ride-b  10.00 EUR (afternoon-peak ×1.25 → 12.50)  balance 87.50 EUR
  #43 ticket.rejected  ride-unknown: unknown_ride
  #44 balance.changed  +20.00 → 107.50 EUR (top-up)

Flags:
  --url URL             server (default ${DEFAULT_URL})
  --last-event-id N     resume after event N (default: where the server starts a new subscriber)
  --max-reconnects N    failed connections in a row before giving up, 0-1000000 (default ${DEFAULT_MAX_RECONNECTS})
  --credentials FILE    the customer's token, from customers.<customerId> (else admin) in FILE
                        (default ${DEFAULT_CREDENTIALS}, written by serve --demo)
  --token TOKEN         the bearer token to send instead
  --json                print one JSON object per event instead: {"id":"42","event":"ticket.issued","data":{…}}
  -h, --help            show this help

A dropped connection is remade with Last-Event-ID after ${BACKOFF_BASE_MS / 1_000} s (or the server's retry),
doubling up to ${BACKOFF_MAX_MS / 1_000} s. A connection silent for ${IDLE_TIMEOUT_MS / 1_000} s (heartbeats included)
counts as dropped.
Failures in a row reset once a connection delivers an event or stays up ${STABLE_AFTER_MS / 1_000} s.
Connection news goes to stderr.
Exit status: 0 on Ctrl-C, 1 when the server refuses (unknown customer) or reconnecting gave up, 2 on a usage error.
`;

const FLAGS: FlagSpec = {
  url: { type: 'string' },
  'last-event-id': { type: 'string' },
  'max-reconnects': { type: 'string' },
  credentials: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

interface SubscribeArgs {
  customerId: string;
  url: string;
  lastEventId: string | undefined;
  maxReconnects: number;
  json: boolean;
  credentials: string;
  token: string | undefined;
}

const defaultDeps: SubscriptionDeps = { fetch: (url, init) => fetch(url, init), clock: cliClock };

/**
 * Runs `ticketd subscribe` with `argv` (the arguments after `subscribe`) until Ctrl-C; answers the exit status.
 *
 * @example
 * process.exitCode = await runSubscribe(['customer-1', '--last-event-id', '42']);
 */
export async function runSubscribe(
  argv: readonly string[], io: CliIo = processIo(), deps: SubscriptionDeps = defaultDeps,
): Promise<number> {
  let args: SubscribeArgs | 'help';
  try {
    args = parseSubscribeArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(io, 'subscribe', error);
    throw error;
  }
  if (args === 'help') {
    io.stdout(SUBSCRIBE_USAGE);
    return 0;
  }
  const { json } = args;
  const token = args.token ?? (await customerToken(args.credentials, args.customerId, io));
  const end = await subscribeEvents({
    url: args.url,
    customerId: args.customerId,
    ...(token === undefined ? {} : { token }),
    ...(args.lastEventId === undefined ? {} : { lastEventId: args.lastEventId }),
    maxReconnects: args.maxReconnects,
    backoffBaseMs: BACKOFF_BASE_MS,
    backoffMaxMs: BACKOFF_MAX_MS,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    stableAfterMs: STABLE_AFTER_MS,
    eventSizeMax: EVENT_SIZE_MAX,
    signal: io.interruptSignal(),
    onEvent: (event) => io.stdout(`${json ? jsonLine(event) : formatNotification(event)}\n`),
    onNotice: (message) => io.stderr(`ticketd subscribe: ${message}\n`),
  }, deps);
  switch (end.reason) {
    case 'interrupted':
      return 0;
    case 'refused':
      io.stderr(`ticketd subscribe: the server refused: ${end.status} ${end.code}: ${end.message}\n`);
      return 1;
    case 'gave-up':
      return 1;
  }
}

function parseSubscribeArgs(argv: readonly string[]): SubscribeArgs | 'help' {
  const { values, positionals } = parseFlags(argv, FLAGS, 1);
  if (values.help === true) return 'help';
  const customerId = positionals[0];
  if (customerId === undefined) throw new UsageError('which customer? e.g. ticketd subscribe customer-1');
  const problem = idProblem(customerId);
  if (problem !== null) throw new UsageError(`customerId '${customerId}' ${problem}`);
  const lastEventId = values['last-event-id'];
  if (lastEventId !== undefined && !/^\d{1,15}$/.test(String(lastEventId))) {
    throw new UsageError(`--last-event-id must be an event id (a non-negative integer), got '${String(lastEventId)}'`);
  }
  return {
    customerId,
    url: urlFlag(values, DEFAULT_URL),
    lastEventId: lastEventId === undefined ? undefined : String(lastEventId),
    maxReconnects: intFlag(values, 'max-reconnects', DEFAULT_MAX_RECONNECTS, 0, 1_000_000),
    json: values.json === true,
    credentials: typeof values.credentials === 'string' ? values.credentials : DEFAULT_CREDENTIALS,
    token: tokenFlag(values.token),
  };
}

function tokenFlag(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError('--token must not be empty');
  return value;
}

/** The customer's own token from the credentials file, else its admin token; says when there is neither. */
async function customerToken(credentials: string, customerId: string, io: CliIo): Promise<string | undefined> {
  const loaded = await loadCredentialTokens(credentials);
  if (!loaded.ok) {
    io.stderr(`ticketd subscribe: connecting without a token (pass --token): ${loaded.problem}\n`);
    return undefined;
  }
  const { customers, admin } = loaded.tokens;
  if (Object.hasOwn(customers, customerId)) return customers[customerId];
  if (admin !== undefined) return admin;
  io.stderr(`ticketd subscribe: ${credentials} has no token for ${customerId}; connecting without one\n`);
  return undefined;
}

/** The event as one JSON line; `data` parsed when it is JSON, else the text as it came. */
function jsonLine(event: SseEvent): string {
  let data: unknown = event.data;
  try {
    data = JSON.parse(event.data);
  } catch {
    // Not JSON: kept as text.
  }
  return JSON.stringify({ id: event.lastEventId === '' ? null : event.lastEventId, event: event.type, data });
}
