/**
 * An online copy of `<dataDir>/ticketd.db` with SQLite's backup API, safe while a server writes to it. The copy is
 * one snapshot: a read transaction is held on the source for the whole copy, so in WAL mode the server keeps
 * writing (to the WAL) while the pages are copied in steps, and the backup never restarts because the source
 * changed. The copy is written to `<target>.partial`, checked (`PRAGMA quick_check`), synced, and only then
 * renamed to `<target>`: a half or broken copy never has the final name.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { bundledAssets } from '../platform/bundled-assets.ts';
import { DB_FILE_NAME, FILE_MODE } from './open-database.ts';

export type BackupErrorCode =
  | 'ERR_BACKUP_NO_DATABASE'
  | 'ERR_BACKUP_TARGET_DIR_MISSING'
  | 'ERR_BACKUP_TARGET_EXISTS'
  | 'ERR_BACKUP_TARGET_IS_SOURCE'
  | 'ERR_BACKUP_TARGET_IN_USE'
  | 'ERR_BACKUP_DISK_FULL'
  | 'ERR_BACKUP_STALLED'
  | 'ERR_BACKUP_CHECK_FAILED'
  | 'ERR_BACKUP_IO'
  | 'ERR_INVALID_ARGUMENT';

/**
 * Why a backup was not made; nothing is left under the target's name (nor a `.partial`).
 *
 * @example
 * catch (e) { if (e instanceof BackupError && e.code === 'ERR_BACKUP_TARGET_EXISTS') askToForce() }
 */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(readonly code: BackupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface BackupProgress {
  pagesCopied: number;
  pagesTotal: number;
}

export interface BackupOptions {
  /** The data directory whose `ticketd.db` is copied; it is opened read-only and never migrated. */
  dataDir: string;
  /** The copy's path. Its directory must exist. */
  target: string;
  /** Replace an existing `target` (never the source itself). */
  overwrite: boolean;
  /** How long a read waits on the server's locks (WAL recovery, a checkpoint's brief lock) before failing. */
  busyTimeoutMs: number;
  /** Pages copied per step; between steps the event loop runs and `onProgress` is told. */
  pagesPerStep: number;
  /** Steps in a row that copy nothing (the copy's file locked by someone else) before giving up. */
  stalledStepsMax: number;
  onProgress?: (progress: BackupProgress) => void;
}

export interface BackupResult {
  /** The copy's absolute path. */
  file: string;
  bytes: number;
  pages: number;
}

/** Beside a SQLite file, the files that hold part of its content; a stale one would be applied to a new copy. */
const SIDE_FILES = ['-wal', '-journal'] as const;

/**
 * Copies the data dir's database to `target` as one consistent snapshot, while a server may be running on it.
 * Throws BackupError (with nothing left behind) when it cannot.
 *
 * @example
 * const { bytes } = await backupDatabase({ dataDir: './data', target: 'nightly.db', overwrite: false,
 *   busyTimeoutMs: 5_000, pagesPerStep: 256, stalledStepsMax: 10_000 });
 */
export async function backupDatabase(options: BackupOptions): Promise<BackupResult> {
  checkOptions(options);
  const source = path.join(options.dataDir, DB_FILE_NAME);
  const target = path.resolve(options.target);
  checkSourceAndTarget(source, target, options.overwrite);
  const partial = `${target}.partial`;
  try {
    createPartial(partial);
    const pages = await copySnapshot(source, partial, options);
    checkCopy(partial);
    syncFile(partial);
    fs.renameSync(partial, target);
    syncFile(path.dirname(target));
    return { file: target, bytes: fs.statSync(target).size, pages };
  } catch (error) {
    removePartial(partial);
    throw toBackupError(error, target);
  }
}

function checkOptions(options: BackupOptions): void {
  for (const name of ['busyTimeoutMs', 'pagesPerStep', 'stalledStepsMax'] as const) {
    const value = options[name];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new BackupError('ERR_INVALID_ARGUMENT', `${name} must be a positive integer, got ${value}`);
    }
  }
  if (typeof options.target !== 'string' || options.target.trim() !== options.target || options.target === '') {
    // better-sqlite3 trims the name it is given: a name with outer spaces would be copied elsewhere than asked.
    throw new BackupError('ERR_INVALID_ARGUMENT', `target must be a non-empty path without outer spaces, got '${options.target}'`);
  }
}

function checkSourceAndTarget(source: string, target: string, overwrite: boolean): void {
  if (!fs.existsSync(source)) throw new BackupError('ERR_BACKUP_NO_DATABASE', `no database in ${path.dirname(source)}`);
  const dir = path.dirname(target);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new BackupError('ERR_BACKUP_TARGET_DIR_MISSING', `the directory ${dir} does not exist`);
  }
  const existing = fs.statSync(target, { throwIfNoEntry: false });
  if (existing !== undefined) {
    const sourceFiles = [source, `${source}-wal`, `${source}-shm`].map((f) => fs.statSync(f, { throwIfNoEntry: false }));
    if (sourceFiles.some((s) => s !== undefined && s.dev === existing.dev && s.ino === existing.ino)) {
      throw new BackupError('ERR_BACKUP_TARGET_IS_SOURCE', `${target} is the database being copied`);
    }
    if (existing.isDirectory()) throw new BackupError('ERR_BACKUP_TARGET_EXISTS', `${target} is a directory`);
    if (!overwrite) throw new BackupError('ERR_BACKUP_TARGET_EXISTS', `${target} exists`);
  }
  for (const suffix of SIDE_FILES) {
    // A -wal or -journal of an older file by that name: SQLite would apply it to the new copy and spoil it.
    if (fs.existsSync(target + suffix)) {
      throw new BackupError('ERR_BACKUP_TARGET_IN_USE', `${target}${suffix} exists (is the old copy open?); remove it first`);
    }
  }
}

/** The copy holds wallets and token hashes: owner-only from its first byte, as the database itself. */
function createPartial(partial: string): void {
  removePartial(partial); // left by a backup that was killed: it is ours to replace
  fs.closeSync(fs.openSync(partial, 'wx', FILE_MODE));
  fs.chmodSync(partial, FILE_MODE);
}

function removePartial(partial: string): void {
  for (const file of [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`]) fs.rmSync(file, { force: true });
}

async function copySnapshot(source: string, partial: string, options: BackupOptions): Promise<number> {
  const db = new Database(source, {
    readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs, nativeBinding: bundledAssets()?.sqliteAddonFile,
  });
  try {
    // The snapshot: a read transaction begun here and held to the end. Each step reads inside it, so the server's
    // commits (to the WAL) neither show in the copy nor make SQLite restart it.
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
    let stalled = 0;
    let remainingBefore = Number.POSITIVE_INFINITY;
    const done = await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        stalled = remainingPages < remainingBefore ? 0 : stalled + 1;
        remainingBefore = remainingPages;
        if (stalled > options.stalledStepsMax) {
          throw new BackupError('ERR_BACKUP_STALLED', `no page copied in ${options.stalledStepsMax} steps: is ${partial} locked?`);
        }
        options.onProgress?.({ pagesCopied: totalPages - remainingPages, pagesTotal: totalPages });
        return options.pagesPerStep;
      },
    });
    options.onProgress?.({ pagesCopied: done.totalPages, pagesTotal: done.totalPages });
    db.exec('COMMIT');
    return done.totalPages;
  } finally {
    db.close();
  }
}

function checkCopy(partial: string): void {
  const copy = new Database(partial, { fileMustExist: true, nativeBinding: bundledAssets()?.sqliteAddonFile });
  try {
    const findings = copy.prepare('PRAGMA quick_check(5)').pluck().all() as string[];
    if (findings.join() !== 'ok') {
      throw new BackupError('ERR_BACKUP_CHECK_FAILED', `the copy fails its check: ${findings.join('; ')}`);
    }
  } finally {
    copy.close();
  }
}

function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function toBackupError(error: unknown, target: string): unknown {
  if (error instanceof BackupError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new BackupError('ERR_BACKUP_DISK_FULL', `the disk of ${target} is full: ${message}`, { cause: error });
  }
  if (typeof code === 'string' && (code.startsWith('SQLITE_') || /^E[A-Z]+$/.test(code))) {
    return new BackupError('ERR_BACKUP_IO', `cannot copy to ${target}: ${message} (${code})`, { cause: error });
  }
  return error;
}
