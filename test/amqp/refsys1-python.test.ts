/**
 * `npm run interop:refsys1` (scripts/refsys1-interop.ts): reference system 1's own Python ticket machine and customer
 * app, unchanged, against the real ticketd binary on RabbitMQ. Its code is not in this repo: the run needs it
 * (env REFSYS1_DIR, else the search tool's mirror of chenxu2394/TicketSystem-RabbitMQ where this machine keeps it), a
 * python3 with pika and a broker; without any of them it is skipped with the reason, in CI too.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPythonWithPika, PYTHON_CANDIDATES } from '../../bench/refsys1/refsys1-python.ts';
import { brokerUnavailable } from '../support/broker.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = 'scripts/refsys1-interop.ts';
const MIRROR = '/work/.mirror/chenxu2394+TicketSystem-RabbitMQ/repo';
const RUN_TIMEOUT_MS = 120_000;

const refsys1Dir = process.env.REFSYS1_DIR ?? (fs.existsSync(MIRROR) ? MIRROR : undefined);

async function whyNot(): Promise<string | undefined> {
  if (refsys1Dir === undefined) return `reference system 1 is not here: set REFSYS1_DIR to a checkout of chenxu2394/TicketSystem-RabbitMQ (or its bare git dir)`;
  if (!fs.existsSync(refsys1Dir)) return `REFSYS1_DIR=${refsys1Dir} does not exist`;
  if (findPythonWithPika(PYTHON_CANDIDATES) === undefined) return `no python with pika among ${PYTHON_CANDIDATES.join(', ')} (Debian: apt-get install -y python3-pika)`;
  return brokerUnavailable();
}

const skip = await whyNot();
if (skip !== undefined) console.warn(`skipping reference system 1's Python programs against ticketd: ${skip}`);

/** The script's exit code and output; REFSYS1_DIR is not passed on, so only `args` say where the reference is. */
function runScript(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { REFSYS1_DIR: _, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, env, timeout: RUN_TIMEOUT_MS }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe('npm run interop:refsys1', () => {
  it('is a usage error (exit 2) without --refsys1-dir', async () => {
    const run = await runScript([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--refsys1-dir DIR is required');
  });

  it.skipIf(skip !== undefined)("runs the reference's ticket machine and customer apps unchanged: every event once, every charge its cost", async () => {
    const run = await runScript(['--refsys1-dir', refsys1Dir!, '--taps', '13']);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('OK: every CustomerEvent arrived once');
    // 12 taps for customers 1–3 over rides a–e, 4 each; the table's columns: customer, taps, received.
    for (const customerId of ['customer-1', 'customer-2', 'customer-3']) {
      expect(run.stdout).toMatch(new RegExp(`\\| ${customerId} \\| 4 \\| 4 \\|`));
    }
    expect(run.stdout).toMatch(/"customer_id":"customer-unknown".*reason: unknown_customer/);
  }, RUN_TIMEOUT_MS + 10_000);
});
