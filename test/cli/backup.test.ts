import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runBackup, type BackupCommandDeps } from '../../src/cli/backup.ts';
import { runCli } from '../../src/cli/run-cli.ts';
import { sequentialIds } from '../../src/platform/ids.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { BackupError, backupDatabase, type BackupOptions } from '../../src/store/backup.ts';
import { DB_FILE_NAME, TicketStore } from '../../src/store/index.ts';
import { makeTap, ok, rejected, T0 } from '../store/helpers.ts';
import { capture } from './capture-io.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-backup-cli-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let n = 0;
function freshDir(): string {
  const dir = path.join(root, `case-${++n}`);
  fs.mkdirSync(dir);
  return dir;
}

/** A data dir whose store holds `customers` customers, each with a top-up and `tapsEach` taps (a tenth rejected). */
function seededDataDir(customers: number, tapsEach: number): string {
  const dataDir = path.join(freshDir(), 'data');
  const store = TicketStore.open({ dataDir, ids: sequentialIds() });
  try {
    writeTaps(store, customers, tapsEach, 'seed');
  } finally {
    store.close();
  }
  return dataDir;
}

function writeTaps(store: TicketStore, customers: number, tapsEach: number, prefix: string): void {
  for (let c = 0; c < customers; c++) {
    const customerId = `c${c}`;
    if (store.getCustomer(customerId) === undefined) {
      store.upsertCustomer(customerId, { name: `Customer ${c}`, tier: 'standard', balance: 100_000 }, T0);
    }
    store.topUp(customerId, `${prefix}-top-${c}`, 500, T0);
    const outcomes = Array.from({ length: tapsEach }, (_, i) => {
      const tap = makeTap(`${prefix}-${c}-${i}`, customerId);
      return i % 10 === 9 ? rejected(tap, 'unknown_ride') : ok(tap, 250);
    });
    store.commitOutcomes(outcomes, T0 + 1_000);
  }
}

interface Snapshot {
  audit: ReturnType<TicketStore['auditBalances']>;
  events: number;
  integrity: string;
}

/** What a database file holds, read through TicketStore as the server would, and checked by SQLite. */
function snapshotOf(dataDir: string): Snapshot {
  const store = TicketStore.open({ dataDir, ids: sequentialIds() });
  let audit;
  try {
    audit = store.auditBalances();
  } finally {
    store.close();
  }
  const db = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    const events = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
    const integrity = (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('; ');
    return { audit, events, integrity };
  } finally {
    db.close();
  }
}

/** A copy's file put as `ticketd.db` of a data dir of its own, so TicketStore opens it. */
function asDataDir(copy: string): string {
  const dataDir = path.join(freshDir(), 'restored');
  fs.mkdirSync(dataDir);
  fs.copyFileSync(copy, path.join(dataDir, DB_FILE_NAME));
  return dataDir;
}

const deps: BackupCommandDeps = { clock: new VirtualClock(T0), env: {} };

async function backup(argv: string[], options: { env?: Record<string, string>; tty?: boolean } = {}) {
  const { io, out } = capture(options.tty === true);
  const code = await runBackup(argv, io, { ...deps, env: options.env ?? {} });
  return { code, ...out };
}

describe('ticketd backup', () => {
  it('copies the database: the copy opens, passes integrity_check, and holds the same balances and events', async () => {
    const dataDir = seededDataDir(20, 10);
    const target = path.join(freshDir(), 'copy.db');
    const result = await backup([target, '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${target}: \\d+ bytes \\(\\d+\\.\\d MiB, \\d+ pages\\) copied from ${dataDir} in 0\\.00 s\\n$`));
    expect(result.stderr).toBe(''); // a small database: no progress lines
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(target))).toEqual(['copy.db']);
    const original = snapshotOf(dataDir);
    const copied = snapshotOf(asDataDir(target));
    expect(copied.integrity).toBe('ok');
    expect(copied.audit).toEqual(original.audit);
    expect(copied.audit).toHaveLength(20);
    expect(copied.audit.every((a) => a.balance === a.ledgerSum)).toBe(true);
    expect(copied.events).toBe(original.events);
    expect(copied.events).toBeGreaterThanOrEqual(20 * 12); // opening, top-up and ten taps each
  });

  it('refuses to replace an existing file without --force, and replaces it with --force', async () => {
    const dataDir = seededDataDir(3, 2);
    const target = path.join(freshDir(), 'copy.db');
    fs.writeFileSync(target, 'precious');
    const refused = await backup([target, '--data-dir', dataDir]);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe(`ticketd backup: ${target} exists; --force replaces it\n`);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
    const forced = await backup([target, '--data-dir', dataDir, '--force']);
    expect(forced.code).toBe(0);
    expect(snapshotOf(asDataDir(target)).audit).toEqual(snapshotOf(dataDir).audit);
    expect(fs.readdirSync(path.dirname(target))).toEqual(['copy.db']);
  });

  it('says what is wrong with exit 1 and leaves nothing behind: no database, no directory, the source itself, a stale -wal', async () => {
    const dir = freshDir();
    const missing = await backup([path.join(dir, 'copy.db'), '--data-dir', path.join(dir, 'nowhere')]);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe(`ticketd backup: no database in ${path.join(dir, 'nowhere')} (is --data-dir right?)\n`);
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false); // no database made where there was none

    const dataDir = seededDataDir(2, 1);
    const noDir = await backup([path.join(dir, 'no-such-dir', 'copy.db'), '--data-dir', dataDir]);
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toContain(`the directory ${path.join(dir, 'no-such-dir')} does not exist`);

    const itself = await backup([path.join(dataDir, DB_FILE_NAME), '--data-dir', dataDir, '--force']);
    expect(itself.code).toBe(1);
    expect(itself.stderr).toContain('is the database being copied');
    expect(snapshotOf(dataDir).integrity).toBe('ok');

    const target = path.join(dir, 'old.db');
    fs.writeFileSync(target, 'old');
    fs.writeFileSync(`${target}-wal`, 'old wal');
    const stale = await backup([target, '--data-dir', dataDir, '--force']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`${target}-wal exists`);
    expect(fs.readdirSync(dir).sort()).toEqual(['old.db', 'old.db-wal']);
  });

  it('takes the data dir from TICKETD_DATA_DIR; the flag wins', async () => {
    const dataDir = seededDataDir(2, 1);
    const dir = freshDir();
    expect((await backup([path.join(dir, 'a.db')], { env: { TICKETD_DATA_DIR: dataDir } })).code).toBe(0);
    const flagWins = await backup([path.join(dir, 'b.db'), '--data-dir', dataDir], { env: { TICKETD_DATA_DIR: path.join(dir, 'x') } });
    expect(flagWins.code).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.db', 'b.db']);
  });

  it('refuses a bad command line with exit 2, one line and a hint', async () => {
    for (const [argv, message] of [
      [[], 'which file?'],
      [['a.db', 'b.db'], "unexpected argument 'b.db'"],
      [['a.db', '--bogus'], "'--bogus'"],
      [['a.db', '--data-dir', ''], '--data-dir must not be empty'],
    ] as const) {
      const result = await backup([...argv]);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0]).toContain(message);
      expect(result.stderr.split('\n').slice(1)).toEqual(["See 'ticketd backup --help'.", '']);
    }
  });

  it('shows progress on stderr for a database of more than one step: a line per tenth, or one line on a terminal', async () => {
    const dataDir = seededDataDir(40, 150);
    const dir = freshDir();
    const logged = await backup([path.join(dir, 'a.db'), '--data-dir', dataDir]);
    expect(logged.code).toBe(0);
    const lines = logged.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.at(-1)).toMatch(/^copied (\d+) of \1 pages \(100 %\)$/);
    const tty = await backup([path.join(dir, 'b.db'), '--data-dir', dataDir], { tty: true });
    // Each line rewrites the one before: back to its start, the line, then erase what an older, longer one left.
    expect(tty.stderr.replaceAll('\x1b[K', '<erase>')).toMatch(/^(\rcopied \d+ of \d+ pages \(\d+ %\)<erase>)+\n$/);
  });

  it('is a command of the ticketd command line', async () => {
    const { io, out } = capture();
    expect(await runCli(['help', 'backup'], io)).toBe(0);
    expect(out.stdout).toMatch(/^Usage: ticketd backup <file>/);
    const dataDir = seededDataDir(1, 1);
    const target = path.join(freshDir(), 'c.db');
    const run = capture();
    expect(await runCli(['backup', target, '--data-dir', dataDir], run.io)).toBe(0);
    expect(fs.existsSync(target)).toBe(true);
  });

  it('on a failing write (a file size limit) says so with exit 1 and leaves no partial copy', () => {
    const dataDir = seededDataDir(20, 10);
    const dir = freshDir();
    const target = path.join(dir, 'copy.db');
    // ulimit -f 7: writes stop at 7 KiB (an I/O error to SQLite); SIGXFSZ ignored so the write fails instead of
    // killing the process. An open connection, as a running server's, keeps the source's -shm at its size.
    const script = `ulimit -f 7; trap '' XFSZ; exec "${process.execPath}" --import tsx src/cli/main.ts backup "$1" --data-dir "$2"`;
    const run = withOpenStore(dataDir, () => spawnSync('bash', ['-c', script, 'backup-fsize', target, dataDir], SPAWN));
    expect(run.stderr).toMatch(/^ticketd backup: cannot copy to .*copy\.db: disk I\/O error \(SQLITE_IOERR\)\n$/);
    expect(run.status).toBe(1);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  // A full disk for real: a 64 KiB tmpfs, mounted in a mount namespace of its own (`unshare -rm`, where allowed).
  it.skipIf(!canMountTmpfs())('on a full disk says so with exit 1 and leaves no partial copy (needs unshare -rm)', () => {
    const dataDir = seededDataDir(20, 10);
    const mount = freshDir();
    const script = `mount -t tmpfs -o size=64k tmpfs "$3" || exit 99
"${process.execPath}" --import tsx src/cli/main.ts backup "$1" --data-dir "$2"; code=$?
echo "left: $(ls -A "$3")"; exit $code`;
    const target = path.join(mount, 'copy.db');
    const run = withOpenStore(dataDir, () => spawnSync('unshare', ['-rm', 'bash', '-c', script, 'backup-full', target, dataDir, mount], SPAWN));
    expect(run.stderr).toMatch(/^ticketd backup: the disk of .*copy\.db is full: .*; nothing was left behind\n$/);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('left: \n');
  });
});

const SPAWN = { cwd: ROOT, encoding: 'utf8', timeout: 30_000 } as const;

function withOpenStore<T>(dataDir: string, fn: () => T): T {
  const store = TicketStore.open({ dataDir, ids: sequentialIds() });
  try {
    return fn();
  } finally {
    store.close();
  }
}

function canMountTmpfs(): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-unshare-'));
  try {
    return spawnSync('unshare', ['-rm', 'mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { timeout: 10_000 }).status === 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('backupDatabase', () => {
  const options = (dataDir: string, target: string): BackupOptions => ({
    dataDir, target, overwrite: false, busyTimeoutMs: 1_000, pagesPerStep: 5, stalledStepsMax: 100,
  });

  it('copies one snapshot: commits made between its steps are not in the copy, and it never restarts', async () => {
    const dataDir = seededDataDir(20, 20);
    const before = snapshotOf(dataDir);
    const writer = TicketStore.open({ dataDir, ids: sequentialIds() });
    const target = path.join(freshDir(), 'copy.db');
    const seen: Array<{ pagesCopied: number; pagesTotal: number }> = [];
    try {
      await backupDatabase({
        ...options(dataDir, target),
        onProgress: (progress) => {
          seen.push(progress);
          // Another connection commits between steps, as a running server would.
          if (seen.length <= 5) writeTaps(writer, 3, 5, `during-${seen.length}`);
        },
      });
    } finally {
      writer.close();
    }
    expect(seen.length).toBeGreaterThan(5);
    const copied = seen.map((p) => p.pagesCopied);
    expect(copied).toEqual([...copied].sort((a, b) => a - b)); // no restart: the count only grows
    expect(new Set(seen.map((p) => p.pagesTotal)).size).toBe(1);
    const copy = snapshotOf(asDataDir(target));
    expect(copy).toEqual(before);
    expect(snapshotOf(dataDir).events).toBeGreaterThan(before.events);
  });

  it('refuses bad options naming them, and a name better-sqlite3 would trim', async () => {
    const dataDir = seededDataDir(1, 1);
    const target = path.join(freshDir(), 'copy.db');
    for (const [patch, code] of [
      [{ pagesPerStep: 0 }, 'ERR_INVALID_ARGUMENT'],
      [{ stalledStepsMax: 1.5 }, 'ERR_INVALID_ARGUMENT'],
      [{ target: ` ${target}` }, 'ERR_INVALID_ARGUMENT'],
    ] as const) {
      const error = await backupDatabase({ ...options(dataDir, target), ...patch }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackupError);
      expect((error as BackupError).code).toBe(code);
    }
  });
});
