/**
 * `ticketd token create | revoke | list`: the API tokens, managed on the database directly, so the first admin
 * token can be made before anyone can call the API. Safe beside a running server: SQLite in WAL mode lets both
 * work on the file, and a busy timeout waits out the server's short write locks. A token revoked here stops working
 * in a running server once its token cache entry expires (a few seconds); `DELETE /v1/tokens/:id` is immediate.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseTokenScope, type CreatedToken, type TokenInfo } from '../domain/principal.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import { randomIds, type IdSource } from '../platform/ids.ts';
import type { SecretSource } from '../platform/secrets.ts';
import { DB_FILE_NAME, StoreError, TicketStore } from '../store/index.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { parseFlags, type FlagSpec } from './flags.ts';
import { reportUsageError, UsageError } from './usage-error.ts';

const DEFAULT_DATA_DIR = './data';
/** Waits this long for the server's write lock; its transactions take milliseconds. */
const BUSY_TIMEOUT_MS = 5_000;

export const TOKEN_USAGE = `Usage: ticketd token <create | revoke | list> [flags]

Manages the API tokens in the database of a data directory (the server may be running).

  ticketd token create --role admin|manager|machine|customer [--customer ID] [--machine ID]
      makes a token and prints its secret on stdout, this once: only a hash of it is stored. manager tokens may
      do what admin tokens may but manage tokens; machine tokens send that machine's taps and scan tickets;
      customer tokens read and book for that customer only.
  ticketd token revoke <id>
      revokes a token: the API refuses it (401) within seconds, at once through DELETE /v1/tokens/<id>.
  ticketd token list [--json]
      lists the tokens, newest first (at most 1000): id, role, scope, created and revoked times; never secrets.

Flags:
  --data-dir DIR  the data directory (default ${DEFAULT_DATA_DIR}); create makes the database if it is missing
  -h, --help      show this help
Exit status: 0 done, 1 no such token or database, 2 a usage error.
`;

const FLAGS: FlagSpec = {
  role: { type: 'string' },
  customer: { type: 'string' },
  machine: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** What the command needs from the world, injected so tests get fixed times, ids and secrets. */
export interface TokenCommandDeps {
  clock: Clock;
  ids: IdSource;
  secrets?: SecretSource;
}

const defaultDeps: TokenCommandDeps = { clock: systemClock, ids: randomIds };

/**
 * Runs `ticketd token` with `argv` (the arguments after `token`); answers the exit status.
 *
 * @example
 * process.exitCode = await runToken(['create', '--role', 'machine', '--machine', 'gate-1']);
 */
export async function runToken(
  argv: readonly string[], io: CliIo = processIo(), deps: TokenCommandDeps = defaultDeps,
): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseFlags(argv, FLAGS, 2));
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(io, 'token', error);
    throw error;
  }
  if (values.help === true) {
    io.stdout(TOKEN_USAGE);
    return 0;
  }
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : DEFAULT_DATA_DIR;
  const [action, id] = positionals;
  try {
    switch (action) {
      case 'create':
        return create(values, id, dataDir, io, deps);
      case 'revoke':
        return revoke(values, id, dataDir, io, deps);
      case 'list':
        return list(values, id, dataDir, io, deps);
      default:
        throw new UsageError(action === undefined ? 'create, revoke or list?' : `unknown action '${action}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(io, 'token', error);
    throw error;
  }
}

function create(
  values: Record<string, unknown>, extra: string | undefined, dataDir: string, io: CliIo, deps: TokenCommandDeps,
): number {
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  if (values.json === true) throw new UsageError('--json is for list');
  const parsed = parseTokenScope({
    role: values.role,
    ...(values.customer !== undefined && { customerId: values.customer }),
    ...(values.machine !== undefined && { machineId: values.machine }),
  });
  if (!parsed.ok) {
    const flag = { role: '--role', customerId: '--customer', machineId: '--machine' }[parsed.error.path] ?? '--role';
    throw new UsageError(`${flag}: ${parsed.error.message.replace(/^[^:]*: /, '')}`);
  }
  let created: CreatedToken | undefined;
  try {
    created = withStore(dataDir, deps, true, (store) => store.createToken(parsed.value, deps.clock.now(), { scopeMustExist: true }));
  } catch (error) {
    // A token only for a customer or machine that exists: create it first (PUT /v1/customers/… or /v1/machines/…).
    if (error instanceof StoreError && (error.code === 'ERR_UNKNOWN_CUSTOMER' || error.code === 'ERR_UNKNOWN_MACHINE')) {
      io.stderr(`ticketd token: ${error.message} in ${dataDir}; create it first\n`);
      return 1;
    }
    throw error;
  }
  if (created === undefined) return noDatabase(io, dataDir);
  io.stdout(`${created.token}\n`);
  io.stderr(`ticketd token: created ${created.id} (${scopeText(created)}); the secret above is shown only this once\n`);
  return 0;
}

function revoke(
  values: Record<string, unknown>, id: string | undefined, dataDir: string, io: CliIo, deps: TokenCommandDeps,
): number {
  if (id === undefined) throw new UsageError('which token? e.g. ticketd token revoke tok-…');
  for (const flag of ['role', 'customer', 'machine', 'json']) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is not a flag of revoke`);
  }
  const result = withStore(dataDir, deps, false, (store) => store.revokeToken(id, deps.clock.now()));
  if (result === undefined) return noDatabase(io, dataDir);
  if (result === 'unknown') {
    io.stderr(`ticketd token: no token '${id}' in ${dataDir}\n`);
    return 1;
  }
  io.stdout(result === 'revoked' ? `revoked ${id}\n` : `${id} was already revoked\n`);
  return 0;
}

function list(
  values: Record<string, unknown>, extra: string | undefined, dataDir: string, io: CliIo, deps: TokenCommandDeps,
): number {
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  for (const flag of ['role', 'customer', 'machine']) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is not a flag of list`);
  }
  const tokens = withStore(dataDir, deps, false, (store) => store.listTokens());
  if (tokens === undefined) return noDatabase(io, dataDir);
  if (values.json === true) {
    io.stdout(`${JSON.stringify({ tokens })}\n`);
    return 0;
  }
  for (const token of tokens) {
    const revoked = token.revokedAt === undefined ? '' : `  revoked ${token.revokedAt}`;
    io.stdout(`${token.id}  ${scopeText(token)}  created ${token.createdAt}${revoked}\n`);
  }
  if (tokens.length === 0) io.stderr('ticketd token: no tokens yet\n');
  return 0;
}

/** Runs `fn` on the store of `dataDir`; `undefined` when there is no database and `create` is false. */
function withStore<T>(
  dataDir: string, deps: TokenCommandDeps, create: boolean, fn: (store: TicketStore) => T,
): T | undefined {
  if (!create && !fs.existsSync(path.join(dataDir, DB_FILE_NAME))) return undefined;
  const store = TicketStore.open({
    dataDir, ids: deps.ids, busyTimeoutMs: BUSY_TIMEOUT_MS, ...(deps.secrets !== undefined && { secrets: deps.secrets }),
  });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function noDatabase(io: CliIo, dataDir: string): number {
  io.stderr(`ticketd token: no database in ${dataDir} (is --data-dir right?)\n`);
  return 1;
}

function scopeText(token: Pick<TokenInfo, 'role' | 'customerId' | 'machineId'>): string {
  if (token.machineId !== undefined) return `${token.role} ${token.machineId}`;
  if (token.customerId !== undefined) return `${token.role} ${token.customerId}`;
  return token.role;
}
