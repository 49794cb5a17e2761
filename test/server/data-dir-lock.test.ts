/**
 * One server per data dir: the pid file is taken exclusively, refused while its pid lives, taken over from a pid
 * that is gone (a SIGKILLed server), from this very pid (a container restart) or from a torn file, and removed on
 * release only by its owner.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir, PID_FILE_NAME } from '../../src/server/data-dir-lock.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-lock-'));
  dirs.push(dir);
  return path.join(dir, 'data');
}

const pidFile = (dataDir: string): string => path.join(dataDir, PID_FILE_NAME);
const alive = (pids: number[]) => (pid: number): boolean => pids.includes(pid);

describe('lockDataDir', () => {
  it('creates the data dir owner-only and writes the pid; release removes the file', () => {
    const dataDir = freshDir();
    const lock = lockDataDir(dataDir, 101, alive([101]));
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(pidFile(dataDir), 'utf8')).toBe('101\n');
    lock.release();
    expect(fs.existsSync(pidFile(dataDir))).toBe(false);
    lock.release(); // idempotent
  });

  it('refuses while the holder lives, naming the data dir and the pid', () => {
    const dataDir = freshDir();
    lockDataDir(dataDir, 101, alive([101, 202]));
    let refused: unknown;
    try {
      lockDataDir(dataDir, 202, alive([101, 202]));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DataDirInUseError);
    expect(refused).toMatchObject({ code: 'ERR_DATA_DIR_IN_USE', pid: 101, dataDir });
    expect((refused as Error).message).toContain(`pid 101`);
    expect(fs.readFileSync(pidFile(dataDir), 'utf8')).toBe('101\n');
  });

  it('takes over the file of a pid that is gone, of its own pid, and a torn or empty file', () => {
    for (const [content, pid] of [['101\n', 202], ['202\n', 202], ['', 202], ['12ab', 202]] as const) {
      const dataDir = freshDir();
      fs.mkdirSync(dataDir, { recursive: true });
      fs.writeFileSync(pidFile(dataDir), content);
      lockDataDir(dataDir, pid, alive([pid]));
      expect(fs.readFileSync(pidFile(dataDir), 'utf8'), JSON.stringify(content)).toBe(`${pid}\n`);
    }
  });

  it('leaves a file that another server has taken since alone on release', () => {
    const dataDir = freshDir();
    const lock = lockDataDir(dataDir, 101, alive([101]));
    fs.writeFileSync(pidFile(dataDir), '303\n');
    lock.release();
    expect(fs.readFileSync(pidFile(dataDir), 'utf8')).toBe('303\n');
  });

  it('checks real processes by default: this one is alive', () => {
    const dataDir = freshDir();
    const lock = lockDataDir(dataDir);
    expect(() => lockDataDir(dataDir, process.pid + 1)).toThrow(DataDirInUseError);
    lock.release();
  });
});
