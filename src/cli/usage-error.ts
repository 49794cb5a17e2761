/**
 * The one error of the command line's own making: a bad command, flag or flag value. `runCli` prints its message
 * with the command's usage and exits 2; code and tests match on `code`.
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
 * Prints a usage error the way every command does: what was wrong, then the command's usage, on stderr. Answers
 * the exit status for it, 2.
 *
 * @example
 * if (error instanceof UsageError) return reportUsageError(io, 'simulate', error, SIMULATE_USAGE);
 */
export function reportUsageError(io: CliIo, command: string, error: UsageError, usage: string): number {
  io.stderr(`ticketd ${command}: ${error.message}\n\n${usage}`);
  return 2;
}
