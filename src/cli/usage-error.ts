/**
 * The one error of the command line's own making: a bad command, flag or flag value. It is reported in one line
 * with a hint where the help is, not with the whole help (which scrolls the message out of sight); code and tests
 * match on `code`.
 */

import type { CliIo } from './cli-io.ts';

export type UsageErrorCode = 'ERR_USAGE';

/**
 * A command line the program cannot run.
 *
 * @example
 * throw new UsageError("--rate must be an integer in 1..1000000, got 'fast'");
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code: UsageErrorCode = 'ERR_USAGE';
}

/**
 * The text of a usage error: what was wrong on one line, then where to look.
 *
 * @example
 * usageErrorText('simulate', "--rate must be an integer in 1..1000000, got 'fast'");
 * // "ticketd simulate: --rate must be an integer in 1..1000000, got 'fast'\nSee 'ticketd simulate --help'.\n"
 */
export function usageErrorText(command: string | undefined, message: string): string {
  const name = command === undefined ? 'ticketd' : `ticketd ${command}`;
  return `${name}: ${message.replace(/\s*\n\s*/g, ' ')}\nSee '${name} --help'.\n`;
}

/**
 * Prints a usage error the way every command does (see usageErrorText) on stderr; answers its exit status, 2.
 *
 * @example
 * if (error instanceof UsageError) return reportUsageError(io, 'simulate', error);
 */
export function reportUsageError(io: CliIo, command: string, error: UsageError): number {
  io.stderr(usageErrorText(command, error.message));
  return 2;
}
