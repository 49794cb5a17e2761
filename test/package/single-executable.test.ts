/**
 * Issue 9, black-box: `npm run package` builds build/ticketd; a copy of that one file, in an empty directory with
 * no node_modules above it and an environment without Node's variables, prints its version, serves (a signed tap
 * goes through the worker pool inside the file), mints a token, follows a customer, simulates machines and serves
 * the web pages it carries (issue 13).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTap } from '../../src/domain/signing.ts';
import { api, readCredentials, tap, type DemoCredentials, type TapResult } from '../blackbox/binary.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILT = path.join(ROOT, 'build', 'ticketd');
const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess | undefined;
let url: string;
let credentials: DemoCredentials;

/** Runs a command to its end; the test's timeout bounds how long. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves with the first match of `pattern` in what `child` wrote to `stream`; rejects if it exits first. */
function waitForOutput(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match === null) return;
      child[stream]!.off('data', onData);
      child.off('exit', onExit);
      resolve(match);
    };
    const onExit = (code: number | null): void => reject(new Error(`exited with ${code} before printing ${pattern}: ${text}`));
    child[stream]!.on('data', onData);
    child.once('exit', onExit);
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function ticketd(args: string[]): Promise<Exited> {
  return run(path.join(dir, 'ticketd'), args, { cwd: dir, env });
}

beforeAll(async () => {
  const built = await run('npm', ['run', 'package'], { cwd: ROOT, env: process.env });
  expect(built.code, built.stderr).toBe(0);
  expect(built.stdout).toMatch(/^\[1\/6\] build the web pages /m);
  expect(built.stdout).toMatch(/\[6\/6\] place it at .*\n.*: \d+\.\d MB, ticketd .*, built in \d+\.\d s/);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-sea-'));
  fs.copyFileSync(BUILT, path.join(dir, 'ticketd'));
  fs.chmodSync(path.join(dir, 'ticketd'), 0o755);
  // Nothing of Node's: no NODE_OPTIONS (vitest's loaders), no NODE_PATH; a home and a cache of its own.
  env = { PATH: '/usr/bin:/bin', HOME: path.join(dir, 'home'), XDG_CACHE_HOME: path.join(dir, 'cache'), TZ: 'UTC' };
}, 600_000);

afterAll(async () => {
  if (server !== undefined && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGKILL');
    await exitOf(server);
  }
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the single executable, copied alone into an empty directory', () => {
  it('has no node_modules to lean on and prints its version', async () => {
    for (let at = dir; ; at = path.dirname(at)) {
      expect(fs.existsSync(path.join(at, 'node_modules')), `node_modules in ${at}`).toBe(false);
      if (path.dirname(at) === at) break;
    }
    expect(fs.readdirSync(dir)).toEqual(['ticketd']);
    expect(await ticketd(['--version'])).toEqual({ code: 0, stdout: `ticketd ${version}\n`, stderr: '' });
    const [cache] = fs.readdirSync(path.join(dir, 'cache'));
    expect(cache).toMatch(new RegExp(`^ticketd-${version.replaceAll('.', '\\.')}-[0-9a-f]{16}$`));
    const cacheDir = path.join(dir, 'cache', cache!);
    expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(cacheDir).sort()).toEqual([
      'better_sqlite3.node', 'evaluate-task.js', 'package.json', 'password-task.js', 'swagger-ui-bundle.js', 'swagger-ui.css',
      'ticketd.cjs', 'worker.js',
    ]);
  });

  it('serves, and decides a signed tap in its worker pool: a genuine signature issues, a forged one is rejected', async () => {
    server = spawn(path.join(dir, 'ticketd'), [
      'serve', '--demo', '--port', '0', '--host', '127.0.0.1', '--data-dir', 'data', '--workers', '1', '--rate-limit-per-minute', '0',
    ], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    url = (await waitForOutput(server, 'stdout', /listening on (http:\/\/[^\s]+)/))[1]!;
    credentials = readCredentials(path.join(dir, 'data'));
    const signed = tap('sea-signed-1', 'customer-1', 'ride-a', 'gate-s1');
    const genuine = { ...signed, signature: signTap(signed, createPrivateKey(credentials.signingKeys['gate-s1']!)) };
    const forged = { ...tap('sea-forged-1', 'customer-1', 'ride-a', 'gate-s1'), signature: Buffer.alloc(64, 7).toString('base64') };
    const answer = await api<{ taps: TapResult[] }>(`${url}/v1/taps?wait=true`, 'POST', [genuine, forged], {
      token: credentials.machines['gate-s1']!,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.taps).toMatchObject([
      { tapId: 'sea-signed-1', status: 'issued' },
      { tapId: 'sea-forged-1', status: 'rejected', reason: 'invalid_signature' },
    ]);
  });

  it('mints an admin token beside the running server, and the server accepts it', async () => {
    const created = await ticketd(['token', 'create', '--data-dir', 'data', '--role', 'admin']);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^tkd_[A-Za-z0-9_-]{43}$/);
    expect(await api(`${url}/v1/customers/customer-2`, 'GET', undefined, { token: secret })).toMatchObject({
      status: 200, body: { id: 'customer-2' },
    });
  });

  it('hashes and checks passwords on its own worker thread: an account is made and logs in', async () => {
    const created = await api(`${url}/v1/users`, 'POST', {
      username: 'sea', email: 'sea@example.com', displayName: 'Sea Person', password: 'correct horse battery',
    }, { token: credentials.admin });
    expect(created).toMatchObject({ status: 201, body: { username: 'sea', role: 'user' } });
    const session = await api(`${url}/v1/sessions`, 'POST', { username: 'sea', password: 'correct horse battery' });
    expect(session).toMatchObject({ status: 200, body: { user: { username: 'sea' } } });
    expect(await api(`${url}/v1/sessions`, 'POST', { username: 'sea', password: 'wrong horse battery' }))
      .toMatchObject({ status: 401, body: { error: { code: 'invalid_credentials' } } });
  });

  it('serves its API document and the docs page with its own Swagger UI files', async () => {
    const document = await fetch(`${url}/openapi.json`);
    expect(document.status).toBe(200);
    expect(((await document.json()) as { openapi: string }).openapi).toMatch(/^3\.1\./);
    const page = await (await fetch(`${url}/docs`)).text();
    const script = /src="(\/docs\/assets\/[^"]+\.js)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${url}${script!}`);
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(100_000);
  });

  it('serves /app and /console from the copy it carries, and the first script the page loads, immutable', async () => {
    const pages: string[] = [];
    for (const page of ['/app', '/console']) {
      const res = await fetch(`${url}${page}`);
      expect(res.status, page).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
      pages.push(await res.text());
    }
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(pages[0]!)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${url}${script!}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await asset.text()).length).toBeGreaterThan(0);
    expect((await fetch(`${url}/assets/none-00000000.js`)).status).toBe(404);
  });

  it("follows a customer's notifications with subscribe", async () => {
    const subscriber = spawn(path.join(dir, 'ticketd'), [
      'subscribe', 'customer-3', '--url', url, '--credentials', 'data/demo-credentials.json', '--json',
    ], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitForOutput(subscriber, 'stderr', /connected to /);
      const notified = waitForOutput(subscriber, 'stdout', /^.*"sea-sub-1".*$/m);
      const answer = await api<{ taps: TapResult[] }>(`${url}/v1/taps?wait=true`, 'POST', [tap('sea-sub-1', 'customer-3', 'ride-a')], {
        token: credentials.machines['gate-1']!,
      });
      expect(answer.body.taps).toMatchObject([{ tapId: 'sea-sub-1', status: 'issued' }]);
      const line = JSON.parse((await notified)[0]) as { event: string; data: { tapId: string } };
      expect(line).toMatchObject({ event: 'ticket.issued', data: { tapId: 'sea-sub-1' } });
    } finally {
      subscriber.kill('SIGINT');
    }
    expect(await exitOf(subscriber)).toBe(0);
  });

  it('simulates ticket machines against it, signed taps included', async () => {
    const simulated = await ticketd(['simulate', '--url', url, '--duration', '1', '--rate', '100', '--credentials', 'data/demo-credentials.json', '--json']);
    expect(simulated.code, simulated.stderr).toBe(0);
    const summary = JSON.parse(simulated.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ sent: 100, failed: 0, networkErrors: 0, refusedByHttp: 0, signedTaps: true });
    expect(summary.issued).toBeGreaterThan(0);
  });

  it('stops on SIGTERM with status 0', async () => {
    server!.kill('SIGTERM');
    expect(await exitOf(server!)).toBe(0);
  });
});
