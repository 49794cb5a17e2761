/**
 * `ticketd backup <file>`: a consistent online copy of a data directory's database (src/store/backup.ts), made
 * beside a running server without stopping it or taking its data dir lock: the copy is the database as it was when
 * the backup began, whatever the server commits meanwhile.
 */
import { BackupError, backupDatabase, type BackupProgress } from '../store/backup.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { parseFlagsWithEnv, type FlagSpec } from './flags.ts';
import { reportUsageError, UsageError } from './usage-error.ts';

const DEFAULT_DATA_DIR = './data';
/** Waits this long for the server's brief locks (a WAL recovery, a checkpoint); they take milliseconds. */
const BUSY_TIMEOUT_MS = 5_000;
/** 256 pages (1 MiB at SQLite's 4 KiB pages) per step: a progress line per MiB, the event loop free between. */
const PAGES_PER_STEP = 256;
/** Steps in a row that copy nothing before giving up; each step is a turn of the event loop. */
const STALLED_STEPS_MAX = 100_000;

export const BACKUP_USAGE = `Usage: ticketd backup <file> [flags]

Copies the database of a data directory to <file> while the server may be running (SQLite's online backup): the
copy is one consistent snapshot, the database as it was when the backup began. It is written to <file>.partial,
checked (PRAGMA quick_check) and synced, then renamed to <file>, so a half copy never has that name. Restore by
stopping the server and putting the copy in place as <data-dir>/ticketd.db (with no ticketd.db-wal beside it).
The copy is the database only: not demo-credentials.json.

Flags:
  --data-dir DIR  the data directory (default ${DEFAULT_DATA_DIR})
  --force         replace <file> if it exists
  -h, --help      show this help
Environment: TICKETD_DATA_DIR, as for serve (a flag wins).
Progress (pages copied of the total) goes to stderr for databases over ${PAGES_PER_STEP} pages; the copy's size and
the time taken to stdout.
Exit status: 0 copied, 1 not copied (no database, no such directory, <file> exists, disk full…), 2 a usage error.
`;

const FLAGS: FlagSpec = {
  'data-dir': { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** What the command needs from the world, injected so tests get a fixed clock and environment. */
export interface BackupCommandDeps {
  clock: Clock;
  env: Readonly<Record<string, string | undefined>>;
}

const defaultDeps: BackupCommandDeps = { clock: systemClock, env: process.env };

/**
 * Runs `ticketd backup` with `argv` (the arguments after `backup`); answers the exit status.
 *
 * @example
 * process.exitCode = await runBackup(['nightly.db', '--data-dir', '/var/lib/ticketd']);
 */
export async function runBackup(
  argv: readonly string[], io: CliIo = processIo(), deps: BackupCommandDeps = defaultDeps,
): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let file: string | undefined;
  try {
    ({ values, positionals: [file] } = parseFlagsWithEnv(argv, FLAGS, 1, deps.env));
    if (values.help !== true && (file === undefined || file === '')) throw new UsageError('which file? e.g. ticketd backup ./ticketd-backup.db');
    if (values['data-dir'] === '') throw new UsageError('--data-dir must not be empty');
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(io, 'backup', error);
    throw error;
  }
  if (values.help === true || file === undefined) {
    io.stdout(BACKUP_USAGE);
    return 0;
  }
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : DEFAULT_DATA_DIR;
  const startedMs = deps.clock.now();
  const progress = progressPrinter(io);
  try {
    const result = await backupDatabase({
      dataDir, target: file, overwrite: values.force === true, busyTimeoutMs: BUSY_TIMEOUT_MS,
      pagesPerStep: PAGES_PER_STEP, stalledStepsMax: STALLED_STEPS_MAX, onProgress: progress.show,
    });
    progress.end();
    const seconds = ((deps.clock.now() - startedMs) / 1_000).toFixed(2);
    io.stdout(`${file}: ${result.bytes} bytes (${mebibytes(result.bytes)} MiB, ${result.pages} pages) copied from ${dataDir} in ${seconds} s\n`);
    return 0;
  } catch (error) {
    progress.end();
    if (!(error instanceof BackupError)) throw error;
    io.stderr(`ticketd backup: ${error.message}${hint(error)}\n`);
    return 1;
  }
}

function hint(error: BackupError): string {
  switch (error.code) {
    case 'ERR_BACKUP_NO_DATABASE': return ' (is --data-dir right?)';
    case 'ERR_BACKUP_TARGET_EXISTS': return '; --force replaces it';
    case 'ERR_BACKUP_DISK_FULL': return '; nothing was left behind';
    default: return '';
  }
}

/**
 * Progress on stderr for databases of more than one step: on a terminal one line rewritten at each step, else a
 * line at each tenth, so a log is not flooded.
 */
function progressPrinter(io: CliIo): { show: (progress: BackupProgress) => void; end: () => void } {
  let tenthShown = -1;
  let shown = false;
  return {
    show({ pagesCopied, pagesTotal }) {
      if (pagesTotal <= PAGES_PER_STEP) return;
      const line = `copied ${pagesCopied} of ${pagesTotal} pages (${Math.floor((pagesCopied * 100) / pagesTotal)} %)`;
      if (io.stderrIsTty) {
        io.stderr(`\r${line}\x1b[K`);
      } else {
        const tenth = Math.floor((pagesCopied * 10) / pagesTotal);
        if (tenth === tenthShown) return;
        tenthShown = tenth;
        io.stderr(`${line}\n`);
      }
      shown = true;
    },
    end() {
      if (shown && io.stderrIsTty) io.stderr('\n');
      shown = false;
    },
  };
}

function mebibytes(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}
