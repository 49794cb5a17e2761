/**
 * `ticketd backup` on the real binary, while a real server takes taps on the same data dir: the copy opens,
 * passes SQLite's integrity check, every balance in it equals the sum of its ledger (one consistent snapshot, not
 * pages from different moments), and it holds every tap acknowledged before the backup started. The server is
 * not disturbed: its data dir lock stays its own and it answers throughout.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequentialIds } from '../../src/platform/ids.ts';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import { DB_FILE_NAME, TicketStore } from '../../src/store/index.ts';
import { api, BIN, startBinary, tap, type RunningBinary, type TapResult } from './binary.ts';

const CUSTOMERS = ['customer-1', 'customer-2', 'customer-3', 'customer-4', 'customer-5', 'customer-6'];
const RIDES = ['ride-a', 'ride-b', 'ride-c'];
const BATCH_SIZE = 100;
/** Batches sent before the backup: enough pages that the copy takes several steps while taps go on. */
const WARM_UP_BATCHES = 60;
/** Bounds of the load that runs beside the backup. */
const BATCHES_BESIDE_MAX = 500;
const BATCHES_AFTER_BACKUP = 3;
const BACKUP_EXIT_MS = 30_000;

let ticketd: RunningBinary;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-bb-backup-'));
beforeAll(async () => {
  ticketd = await startBinary();
});
afterAll(async () => {
  const code = await ticketd.stop('SIGTERM');
  expect(code).toBe(0);
  fs.rmSync(ticketd.dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

let sent = 0;
/** Sends one batch of fresh taps over the customers and rides; answers the ids of the taps it decided. */
async function sendBatch(prefix: string): Promise<string[]> {
  const taps = Array.from({ length: BATCH_SIZE }, () => {
    const i = sent++;
    return tap(`${prefix}-${i}`, CUSTOMERS[i % CUSTOMERS.length]!, RIDES[i % RIDES.length]!);
  });
  const answer = await api<{ taps: TapResult[] }>(`${ticketd.url}/v1/taps`, 'POST', taps);
  expect(answer.status).toBe(200);
  // Issued, or rejected for want of funds once the demo wallets run dry: either way decided and committed.
  expect(answer.body.taps.every((t) => t.status === 'issued' || t.status === 'rejected')).toBe(true);
  return answer.body.taps.map((t) => t.tapId);
}

function runBackup(target: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'backup', target, '--data-dir', ticketd.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return withTimeout(exited, { timeoutMs: BACKUP_EXIT_MS, what: 'ticketd backup' }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
}

describe('ticketd backup beside a running server', () => {
  it('copies a consistent snapshot holding every tap acknowledged before it began, while taps go on', async () => {
    for (let i = 0; i < WARM_UP_BATCHES; i++) await sendBatch('warm');
    const acknowledged: string[] = [];
    let backupDone = false;
    let besideBackup = 0;
    // The load: batch after batch, from before the backup starts until a few batches after it ended.
    let underWay!: () => void;
    const loadUnderWay = new Promise<void>((resolve) => (underWay = resolve));
    const load = (async () => {
      let after = 0;
      for (let i = 0; i < BATCHES_BESIDE_MAX && after < BATCHES_AFTER_BACKUP; i++) {
        const ids = await sendBatch('load');
        acknowledged.push(...ids);
        if (acknowledged.length >= 2 * BATCH_SIZE) underWay();
        if (backupDone) after++;
        else besideBackup++;
      }
    })().finally(() => underWay());
    await loadUnderWay; // two batches answered, more on the way: back up now
    const ackedBefore = [...acknowledged];
    expect(ackedBefore.length).toBeGreaterThan(0);
    const target = path.join(work, 'copy.db');
    const backup = await runBackup(target).finally(() => (backupDone = true));
    await load;
    expect(backup.stderr).toMatch(/copied (\d+) of \1 pages \(100 %\)\n$/); // big enough to be copied in steps
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^.*copy\.db: \d+ bytes \(\d+\.\d MiB, \d+ pages\) copied from .* in \d+\.\d\d s\n$/);
    expect(besideBackup).toBeGreaterThan(0);

    const restored = path.join(work, 'restored');
    fs.mkdirSync(restored);
    fs.copyFileSync(target, path.join(restored, DB_FILE_NAME));
    const db = new Database(path.join(restored, DB_FILE_NAME), { readonly: true });
    try {
      expect(db.prepare('PRAGMA integrity_check').pluck().all()).toEqual(['ok']);
    } finally {
      db.close();
    }
    const store = TicketStore.open({ dataDir: restored, ids: sequentialIds() });
    try {
      const audit = store.auditBalances();
      expect(audit.map((a) => a.customerId)).toEqual(expect.arrayContaining(CUSTOMERS));
      for (const row of audit) expect(row.balance, row.customerId).toBe(row.ledgerSum);
      const missing = ackedBefore.filter((tapId) => store.getTapState(tapId) === undefined);
      expect(missing).toEqual([]);
    } finally {
      store.close();
    }
    // The server never noticed: still ready, its lock its own, taking taps.
    expect((await api(`${ticketd.url}/ready`, 'GET')).status).toBe(200);
    expect(fs.readFileSync(path.join(ticketd.dataDir, 'ticketd.pid'), 'utf8').trim()).toBe(String(ticketd.process.pid));
    expect(await sendBatch('after')).toHaveLength(BATCH_SIZE);
  });
});
