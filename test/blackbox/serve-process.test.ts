/**
 * The real binary as a process among others: a second `serve` on the same data dir refuses to start in one line
 * (while `ticketd token` keeps working beside the first), a taken port is one line too, a server killed with SIGKILL
 * leaves a pid file the next one takes over, a 2 MiB body does not break a keep-alive client's next ten requests,
 * and `ticketd token list | head` ends quietly.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { randomIds } from '../../src/platform/ids.ts';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import { TicketStore } from '../../src/store/index.ts';
import { api, BIN, readCredentials, startBinary, type RunningBinary } from './binary.ts';

const EXIT_WAIT_MS = 30_000;
const running: RunningBinary[] = [];
afterEach(async () => {
  for (const binary of running.splice(0)) await binary.stop();
});

async function started(options: Parameters<typeof startBinary>[0] = {}): Promise<RunningBinary> {
  const binary = await startBinary(options);
  running.push(binary);
  return binary;
}

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the binary with `args` to its end; `stdoutLinesMax` closes stdout after that many lines (as `head` does). */
function run(args: string[], stdoutLinesMax?: number): Promise<Exited> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdoutLinesMax !== undefined && stdout.split('\n').length > stdoutLinesMax) child.stdout.destroy();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exited>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return withTimeout(exited, { timeoutMs: EXIT_WAIT_MS, what: `ticketd ${args.join(' ')} to exit` });
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-bb-proc-'));
  tempDirs.push(dir);
  return dir;
}

describe('one server per data dir', () => {
  it('refuses a second serve on the same data dir in one line, while token create keeps working beside the first', async () => {
    const first = await started();
    const second = await run(['serve', '--port', '0', '--data-dir', first.dataDir, '--workers', '0']);
    expect(second.code).toBe(1);
    const lines = second.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^ticketd serve: data dir .+ is in use by another ticketd \\(pid ${first.process.pid}, `));
    expect(second.stdout).toBe('');

    const created = await run(['token', 'create', '--role', 'customer', '--customer', 'customer-1', '--data-dir', first.dataDir]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    const answer = await api(`${first.url}/v1/customers/customer-1`, 'GET', undefined, { token });
    expect(answer.status).toBe(200);
  });

  it('takes over the pid file of a server killed with SIGKILL and removes its own at a clean stop', async () => {
    const killed = await startBinary();
    expect(await killed.stop('SIGKILL')).toBe(null);
    const pidFile = path.join(killed.dataDir, 'ticketd.pid');
    expect(fs.readFileSync(pidFile, 'utf8')).toBe(`${killed.process.pid}\n`);
    const next = await startBinary({ dataDir: killed.dataDir });
    expect(fs.readFileSync(pidFile, 'utf8')).toBe(`${next.process.pid}\n`);
    expect((await api(`${next.url}/health`, 'GET')).status).toBe(200);
    expect(await next.stop('SIGTERM')).toBe(0);
    expect(fs.existsSync(pidFile)).toBe(false);
  });
});

describe('a port in use', () => {
  it('is one line and exit status 1, not a stack trace', async () => {
    const first = await started();
    const port = new URL(first.url).port;
    const second = await run(['serve', '--port', port, '--data-dir', tempDir(), '--workers', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `ticketd serve: cannot listen on 127.0.0.1:${port}: address already in use (another server listens there; pick another --port)\n`,
    );
  });
});

describe('an early answer to an unread body', () => {
  it('answers a 2 MiB body with 413 and then ten keep-alive requests on the same agent, all of them', async () => {
    const binary = await started();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const { admin } = readCredentials(binary.dataDir);
    const url = new URL(binary.url);
    const send = (method: string, pathname: string, body?: Buffer): Promise<number> =>
      new Promise((resolve, reject) => {
        const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
        const request = http.request({ host: url.hostname, port: url.port, method, path: pathname, agent, headers }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        });
        request.on('error', reject);
        request.end(body);
      });
    expect(await send('POST', '/v1/taps', Buffer.alloc(2 << 20, 0x20))).toBe(413);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await send('GET', i % 2 === 0 ? '/health' : '/v1/customers/customer-1'));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200]);
    agent.destroy();
  });
});

describe('ticketd token list | head', () => {
  it('ends quietly when its reader stops reading', async () => {
    const dataDir = tempDir();
    // A thousand tokens, ~90 KB of listing: more than a pipe holds, so the writes meet the closed pipe.
    const store = TicketStore.open({ dataDir, ids: randomIds, busyTimeoutMs: 1_000 });
    for (let i = 0; i < 1_000; i++) store.createToken({ role: 'admin' }, Date.now());
    store.close();
    const listed = await run(['token', 'list', '--data-dir', dataDir], 1);
    expect(listed.stdout.split('\n')[0]).toMatch(/^tok-\S+ {2}admin {2}created /);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
  });
});
