/**
 * One server per data dir: `<data-dir>/ticketd.pid`, created exclusively (O_EXCL) and holding the server's pid.
 * A second server finds it and refuses to start while that pid is alive; a file left by a server that died
 * (SIGKILL, a crash, a power cut) names a pid that is gone, or this very process after a container restart, and is
 * taken over. Only servers take it: `ticketd token` still writes to the database beside a running server, which
 * SQLite's own locking makes safe. The file is removed when the server stops cleanly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DIR_MODE } from '../store/open-database.ts';

export const PID_FILE_NAME = 'ticketd.pid';
/** Takeovers of a stale file before giving up: another server starting at the same moment may race for it. */
const ATTEMPTS_MAX = 3;

export type DataDirLockErrorCode = 'ERR_DATA_DIR_IN_USE';

/**
 * Another live process holds the data dir.
 *
 * @example
 * throw new DataDirInUseError('/srv/ticketd', 4242);
 */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  readonly code: DataDirLockErrorCode = 'ERR_DATA_DIR_IN_USE';
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`data dir ${dataDir} is in use by another ticketd (pid ${pid}, see ${path.join(dataDir, PID_FILE_NAME)})`);
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the pid file if it is still this process's; idempotent. */
  release(): void;
}

/** Whether a process with `pid` exists; `kill(pid, 0)` checks without sending anything. */
export type PidAlive = (pid: number) => boolean;

const processAlive: PidAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, so it is alive all the same.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes `<dataDir>/ticketd.pid` for `pid` (default this process), creating `dataDir` owner-only if needed, as the
 * store would; throws DataDirInUseError when a live process holds it.
 *
 * @example
 * const lock = lockDataDir('./data');
 * // ... serve ...
 * lock.release();
 */
export function lockDataDir(dataDir: string, pid = process.pid, alive: PidAlive = processAlive): DataDirLock {
  if (!fs.existsSync(dataDir)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
    // The umask may have taken bits off the mode given to mkdir.
    fs.chmodSync(dataDir, DIR_MODE);
  }
  const file = path.join(dataDir, PID_FILE_NAME);
  for (let attempt = 1; attempt <= ATTEMPTS_MAX; attempt++) {
    try {
      fs.writeFileSync(file, `${pid}\n`, { flag: 'wx', mode: 0o644 });
      return { file, release: () => releaseIfOwn(file, pid) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readPid(file);
    if (holder !== undefined && holder !== pid && alive(holder)) throw new DataDirInUseError(dataDir, holder);
    // Stale (its process is gone), unreadable or half-written by a server that died at once: take it over.
    fs.rmSync(file, { force: true });
  }
  const holder = readPid(file);
  throw new DataDirInUseError(dataDir, holder ?? 0);
}

function readPid(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = /^\d{1,10}\n?$/.test(text) ? Number(text.trim()) : NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function releaseIfOwn(file: string, pid: number): void {
  if (readPid(file) === pid) fs.rmSync(file, { force: true });
}
