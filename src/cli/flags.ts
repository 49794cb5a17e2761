/**
 * Flag parsing shared by the commands: node:util `parseArgs` with its errors turned into {@link UsageError}, flags
 * that may also come from environment variables (`TICKETD_<FLAG_IN_UPPER_SNAKE>`), and range-checked numeric and
 * URL flags that name the flag (or the variable it came from) in their message.
 */

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.ts';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedFlags {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` strictly against `options`; an unknown flag, a missing value or a stray positional becomes a
 * UsageError.
 *
 * @example
 * const { values } = parseFlags(['--rate', '50'], { rate: { type: 'string' } }, 0);
 * values.rate; // '50'
 */
export function parseFlags(argv: readonly string[], options: FlagSpec, positionalsMax: number): ParsedFlags {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.positionals.length > positionalsMax) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionalsMax]}'`);
  }
  return { values: parsed.values as ParsedFlags['values'], positionals: parsed.positionals };
}

/** Of each parsed value set, the flags whose value came from the environment, so errors name the variable. */
const fromEnvironment = new WeakMap<ParsedFlags['values'], ReadonlySet<string>>();

/** The prefix of every environment variable the flags read. */
export const ENV_PREFIX = 'TICKETD_';

/**
 * The environment variable of a flag: the prefix and the flag's name in upper snake case.
 *
 * @example
 * envName('data-dir'); // 'TICKETD_DATA_DIR'
 */
export function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replace(/-/g, '_');
}

/**
 * Like parseFlags, then each flag of `options` absent from `argv` is taken from its environment variable (see
 * envName; a flag on the command line wins). A boolean's variable is `1`/`true` or `0`/`false`; a repeatable flag's
 * variable holds one value. Usage errors about a value from the environment name the variable.
 *
 * @example
 * const { values } = parseFlagsWithEnv([], { port: { type: 'string' } }, 0, { TICKETD_PORT: '9000' });
 * values.port; // '9000'
 */
export function parseFlagsWithEnv(
  argv: readonly string[], options: FlagSpec, positionalsMax: number, env: Readonly<Record<string, string | undefined>>,
): ParsedFlags {
  const parsed = parseFlags(argv, options, positionalsMax);
  const values: ParsedFlags['values'] = { ...parsed.values };
  const taken = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    const raw = env[envName(name)];
    if (values[name] !== undefined || raw === undefined || name === 'help') continue;
    taken.add(name);
    if (spec.type === 'boolean') values[name] = envBoolean(name, raw);
    else (values as Record<string, unknown>)[name] = spec.multiple === true ? [raw] : raw;
  }
  fromEnvironment.set(values, taken);
  return { values, positionals: parsed.positionals };
}

/**
 * How a usage error names the flag `name` of `values`: `--name`, or its variable when the value came from there.
 *
 * @example
 * flagLabel(values, 'port'); // '--port', or 'TICKETD_PORT' when the port came from the environment
 */
export function flagLabel(values: ParsedFlags['values'], name: string): string {
  return fromEnvironment.get(values)?.has(name) === true ? envName(name) : `--${name}`;
}

function envBoolean(name: string, raw: string): boolean {
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new UsageError(`${envName(name)} must be 1, true, 0 or false, got '${raw}'`);
}

/**
 * The integer value of `--name`, or `fallback` when absent; outside `min..max` is a UsageError.
 *
 * @example
 * intFlag({ rate: '50' }, 'rate', 1_000, 1, 1_000_000); // 50
 */
export function intFlag(
  values: ParsedFlags['values'], name: string, fallback: number, min: number, max: number,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flagLabel(values, name)} must be an integer in ${min}..${max}, got '${String(raw)}'`);
  }
  return n;
}

/**
 * The decimal value of `--name` (e.g. `2.5`), or `fallback` when absent; must lie in `(0, max]`.
 *
 * @example
 * positiveNumberFlag({ duration: '2.5' }, 'duration', 10, 86_400); // 2.5
 */
export function positiveNumberFlag(
  values: ParsedFlags['values'], name: string, fallback: number, max: number,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(n > 0 && n <= max)) {
    throw new UsageError(`${flagLabel(values, name)} must be a number in (0, ${max}], got '${String(raw)}'`);
  }
  return n;
}

/**
 * The base URL of a ticketd server from `--url`: http or https, no query or fragment; the trailing slash is dropped.
 *
 * @example
 * urlFlag({ url: 'http://localhost:9000/' }, 'http://127.0.0.1:8080'); // 'http://localhost:9000'
 */
export function urlFlag(values: ParsedFlags['values'], fallback: string): string {
  const raw = values.url ?? fallback;
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got '${String(raw)}'`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new UsageError(`--url must be an http(s) URL without query or fragment, got '${String(raw)}'`);
  }
  return url.href.replace(/\/+$/, '');
}
