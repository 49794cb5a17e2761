/**
 * The `ticketd` executable's entry (bin/ticketd.js imports the compiled form): runs the command line and sets
 * the exit status. Everything else is in run-cli.ts, which tests import without side effects.
 *
 * @example
 * // node dist/cli/main.js simulate --rate 500
 */

import { processIo } from './cli-io.ts';
import { runCli } from './run-cli.ts';

// exitCode, not process.exit(): output still buffered for a pipe is written before the process ends.
process.exitCode = await runCli(process.argv.slice(2), processIo());
