/**
 * `ticketd <command> [flags]`: picks the command and hands it the rest of the arguments. Each command lives in its
 * own module, loaded only when run, so `ticketd simulate` does not load SQLite or the worker pool.
 */

import { packageVersion } from '../platform/version.ts';
import type { CliIo } from './cli-io.ts';
import { usageErrorText } from './usage-error.ts';

export const USAGE = `Usage: ticketd <command> [flags]

Commands:
  backup      copy a data directory's database while the server runs (a consistent snapshot)
  onsale      play a sales opening on one show: many buyers at once, figures, an audit of the server's state
  serve       run the ticketing engine and its HTTP API
  simulate    send taps from simulated ticket machines; report throughput and latency
  subscribe   follow a customer's notifications live (Server-Sent Events)
  token       create, revoke and list API tokens
  help [cmd]  show this help, or a command's

Flags:
  -h, --help     show this help
  -v, --version  print the version

'ticketd <command> --help' shows a command's flags.
`;

interface Command {
  run(argv: string[], io: CliIo): Promise<number>;
  usage(): Promise<string>;
}

const COMMANDS: Record<string, Command> = {
  backup: {
    run: async (argv, io) => (await import('./backup.ts')).runBackup(argv, io),
    usage: async () => (await import('./backup.ts')).BACKUP_USAGE,
  },
  onsale: {
    run: async (argv, io) => (await import('./onsale.ts')).runOnsale(argv, io),
    usage: async () => (await import('./onsale.ts')).ONSALE_USAGE,
  },
  serve: {
    // The serve command takes over the process's signals itself, so it gets no CliIo.
    run: async (argv) => (await import('./serve.ts')).runServe(argv),
    usage: async () => (await import('./serve.ts')).SERVE_HELP,
  },
  simulate: {
    run: async (argv, io) => (await import('./simulate.ts')).runSimulate(argv, io),
    usage: async () => (await import('./simulate.ts')).SIMULATE_USAGE,
  },
  subscribe: {
    run: async (argv, io) => (await import('./subscribe.ts')).runSubscribe(argv, io),
    usage: async () => (await import('./subscribe.ts')).SUBSCRIBE_USAGE,
  },
  token: {
    run: async (argv, io) => (await import('./token.ts')).runToken(argv, io),
    usage: async () => (await import('./token.ts')).TOKEN_USAGE,
  },
};

/**
 * Runs the command line `argv` (without `node` and the script); answers the exit status: 0 ok, 1 the command
 * failed, 2 a usage error (one line and a hint on stderr).
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), processIo());
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) return usageError(io, 'which command?');
  if (first === '-h' || first === '--help') return help(io, rest[0]);
  if (first === 'help') return help(io, rest[0]);
  if (first === '-v' || first === '--version') {
    io.stdout(`ticketd ${packageVersion()}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (command === undefined) {
    return usageError(io, first.startsWith('-') ? `unknown flag '${first}'` : `unknown command '${first}'`);
  }
  return command.run(rest, io);
}

async function help(io: CliIo, topic: string | undefined): Promise<number> {
  if (topic === undefined) {
    io.stdout(USAGE);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined;
  if (command === undefined) return usageError(io, `no help for '${topic}': not a command`);
  io.stdout(await command.usage());
  return 0;
}

function usageError(io: CliIo, message: string): number {
  io.stderr(usageErrorText(undefined, message));
  return 2;
}
