/**
 * Bearer tokens on the real binary: the demo credentials file, roles, tokens made and revoked over the API and by
 * `ticketd token` beside the running server, a stolen machine token that still cannot forge signed taps, the rate
 * limits (per role and per client address) and CORS flags, the simulator and subscriber on their demo tokens, and no secret in the log.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTap } from '../../src/domain/signing.ts';
import {
  api, authHeaders, BIN, collectEvents, openEventStream, readCredentials, startBinary, tap, type DemoCredentials,
  type RunningBinary,
} from './binary.ts';

/** `POST /v1/taps` answers each tap with its outcome, in request order. */
type TapsAnswer = { taps: Array<{ tapId: string; status: string; reason?: string }> };

const CLI_TIMEOUT_MS = 20_000;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-auth-'));
/** Not there yet: the server creates it, owner-only. */
const dataDir = path.join(root, 'data');
let ticketd: RunningBinary;
let credentials: DemoCredentials;
/** Every secret this file's server saw: none may reach its output. */
const secretsUsed = new Set<string>();
/** The output of every run of the server on `dataDir`. */
const outputs: string[] = [];

function remember(token: string): string {
  secretsUsed.add(token);
  return token;
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function restart(): Promise<void> {
  expect(await ticketd.stop('SIGTERM')).toBe(0);
  outputs.push(ticketd.stdout() + ticketd.stderr());
  ticketd = await startBinary({ dataDir });
  credentials = readCredentials(dataDir);
}

/** Polls `check` every 50 ms until it holds; fails after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not within ${timeoutMs} ms: ${what}`);
}

beforeAll(async () => {
  ticketd = await startBinary({ dataDir });
  credentials = readCredentials(dataDir);
  for (const token of [credentials.admin, ...Object.values(credentials.machines), ...Object.values(credentials.customers)]) {
    remember(token);
  }
});

afterAll(async () => {
  await ticketd?.stop('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

describe('demo credentials', () => {
  it('are written owner-only beside an owner-only database, and the server says where', async () => {
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(await api(`${ticketd.url}/v1/customers/customer-1/top-ups`, 'POST', { topUpId: 'modes-1', amount: 100 }))
      .toMatchObject({ status: 201 });
    for (const file of ['ticketd.db', 'ticketd.db-wal', 'demo-credentials.json']) {
      expect(fs.statSync(path.join(dataDir, file)).mode & 0o777, file).toBe(0o600);
    }
    expect(ticketd.stdout()).toContain(`in ${path.join(dataDir, 'demo-credentials.json')}`);
    expect(Object.keys(credentials.machines).sort()).toEqual(['gate-1', 'gate-2', 'gate-3', 'gate-4', 'gate-s1']);
    expect(Object.keys(credentials.customers).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `customer-${i + 1}`));
    expect(credentials.admin).toMatch(/^tkd_[A-Za-z0-9_-]{43}$/);
    expect(credentials.signingKeys['gate-s1']).toContain('BEGIN PRIVATE KEY');
  });
});

describe('roles on the real binary', () => {
  it('refuses a request without a valid token with 401 and WWW-Authenticate: Bearer; health needs none', async () => {
    for (const token of [null, 'tkd_nope', `tkd_${'Q'.repeat(43)}`]) {
      const answer = await api<{ error: { code: string } }>(`${ticketd.url}/v1/customers/customer-1`, 'GET', undefined, { token });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await api(`${ticketd.url}/health`, 'GET', undefined, { token: null })).status).toBe(200);
    expect((await api(`${ticketd.url}/ready`, 'GET', undefined, { token: null })).status).toBe(200);
  });

  it("a customer token reads its own customer and stream, and gets 403 for another's", async () => {
    const token = credentials.customers['customer-2']!;
    expect(await api(`${ticketd.url}/v1/customers/customer-2`, 'GET', undefined, { token })).toMatchObject({ status: 200 });
    expect(await api(`${ticketd.url}/v1/customers/customer-1`, 'GET', undefined, { token })).toMatchObject({ status: 403 });
    expect(await api(`${ticketd.url}/v1/customers/customer-1/tickets`, 'GET', undefined, { token })).toMatchObject({ status: 403 });
    const own = collectEvents(`${ticketd.url}/v1/customers/customer-2/events`, 1, { token });
    await own.connected;
    const other = openEventStream(`${ticketd.url}/v1/customers/customer-1/events`, { headers: authHeaders(ticketd.url, token) });
    expect(await other.ended).toBe('status 403');
    const answer = await api<TapsAnswer>(`${ticketd.url}/v1/taps?wait=true`, 'POST', [tap('cust-1', 'customer-2', 'ride-a')], {
      token: credentials.machines['gate-1']!,
    });
    expect(answer.body.taps[0]).toMatchObject({ tapId: 'cust-1', status: 'issued' });
    expect((await own.events).map((e) => [e.event, e.data.tapId])).toEqual([['ticket.issued', 'cust-1']]);
    expect(await api(`${ticketd.url}/v1/taps/cust-1`, 'GET', undefined, { token })).toMatchObject({ status: 200 });
    // Another customer's tap is answered as a tap that does not exist.
    expect(await api(`${ticketd.url}/v1/taps/cust-1`, 'GET', undefined, { token: credentials.customers['customer-3']! }))
      .toMatchObject({ status: 404, body: { error: { code: 'unknown_tap' } } });
  });

  it('a machine token sends its own taps; a batch naming another machine is refused whole', async () => {
    const token = credentials.machines['gate-2']!;
    const refused = await api<{ error: { code: string } }>(`${ticketd.url}/v1/taps`, 'POST', [
      tap('mix-1', 'customer-4', 'ride-a', 'gate-2'), tap('mix-2', 'customer-4', 'ride-a', 'gate-3'),
    ], { token });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden']);
    expect((await api(`${ticketd.url}/v1/taps/mix-1`, 'GET')).status).toBe(404); // nothing of it was decided
    expect(await api(`${ticketd.url}/v1/taps`, 'POST', [tap('own-1', 'customer-4', 'ride-a', 'gate-2')], { token }))
      .toMatchObject({ status: 200, body: { taps: [{ tapId: 'own-1', status: 'issued' }] } });
    expect((await api(`${ticketd.url}/v1/rides`, 'GET', undefined, { token })).status).toBe(403);
  });

  it("a stolen machine token cannot forge a signing machine's taps: unsigned and wrongly signed are rejected", async () => {
    const token = credentials.machines['gate-s1']!;
    const unsigned = tap('steal-1', 'customer-5', 'ride-a', 'gate-s1');
    const forged = { ...tap('steal-2', 'customer-5', 'ride-a', 'gate-s1'), signature: Buffer.alloc(64, 7).toString('base64') };
    const signed = tap('steal-3', 'customer-5', 'ride-a', 'gate-s1');
    const genuine = { ...signed, signature: signTap(signed, createPrivateKey(credentials.signingKeys['gate-s1']!)) };
    const answer = await api<TapsAnswer>(`${ticketd.url}/v1/taps?wait=true`, 'POST', [unsigned, forged, genuine], { token });
    expect(answer.status).toBe(200);
    expect(answer.body.taps).toEqual([
      { tapId: 'steal-1', status: 'rejected', reason: 'invalid_signature' },
      { tapId: 'steal-2', status: 'rejected', reason: 'invalid_signature' },
      expect.objectContaining({ tapId: 'steal-3', status: 'issued' }),
    ]);
  });
});

describe('tokens made and revoked while the server runs', () => {
  it('over the API: created, used, revoked, and refused at once', async () => {
    const created = await api<{ id: string; token: string; role: string }>(`${ticketd.url}/v1/tokens`, 'POST', {
      role: 'machine', machineId: 'gate-3',
    });
    expect(created.status).toBe(201);
    const token = remember(created.body.token);
    const listed = await api<{ tokens: Array<{ id: string }> }>(`${ticketd.url}/v1/tokens`, 'GET');
    expect(listed.body.tokens.map((t) => t.id)).toContain(created.body.id);
    expect(JSON.stringify(listed.body)).not.toContain('tkd_');
    expect((await api(`${ticketd.url}/v1/taps`, 'POST', [tap('api-1', 'customer-6', 'ride-a', 'gate-3')], { token })).status).toBe(200);
    expect((await api(`${ticketd.url}/v1/tokens/${created.body.id}`, 'DELETE')).status).toBe(204);
    expect((await api(`${ticketd.url}/v1/taps`, 'POST', [tap('api-2', 'customer-6', 'ride-a', 'gate-3')], { token })).status).toBe(401);
  });

  it('with ticketd token beside the running server (SQLite WAL): created, listed, revoked', async () => {
    const created = cli(['token', 'create', '--role', 'customer', '--customer', 'customer-6', '--data-dir', dataDir]);
    expect(created.status).toBe(0);
    const token = remember(created.stdout.trim());
    expect(token).toMatch(/^tkd_/);
    expect((await api(`${ticketd.url}/v1/customers/customer-6`, 'GET', undefined, { token })).status).toBe(200);
    const listed = cli(['token', 'list', '--json', '--data-dir', dataDir]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).not.toContain('tkd_');
    const id = /created (tok-[0-9a-f-]+)/.exec(created.stderr)?.[1];
    expect((JSON.parse(listed.stdout) as { tokens: Array<{ id: string }> }).tokens.map((t) => t.id)).toContain(id);
    expect(cli(['token', 'revoke', id!, '--data-dir', dataDir])).toMatchObject({ status: 0 });
    // The server trusts its token cache for a few seconds; then the revocation made in the other process holds.
    await eventually(
      async () => (await api(`${ticketd.url}/v1/customers/customer-6`, 'GET', undefined, { token })).status === 401,
      'the revoked token to be refused',
    );
  });

  it('a restart keeps the demo tokens that work and mints a new one for a revoked one', async () => {
    const before = credentials;
    const admin = await api<{ tokens: Array<{ id: string; role: string; revokedAt?: string }> }>(`${ticketd.url}/v1/tokens`, 'GET');
    const adminIds = admin.body.tokens.filter((t) => t.role === 'admin' && t.revokedAt === undefined).map((t) => t.id);
    expect(adminIds).toHaveLength(1);
    expect((await api(`${ticketd.url}/v1/tokens/${adminIds[0]}`, 'DELETE')).status).toBe(204);
    await restart();
    remember(credentials.admin);
    expect(credentials.admin).not.toBe(before.admin);
    expect({ ...credentials, admin: '' }).toEqual({ ...before, admin: '' });
    expect((await api(`${ticketd.url}/v1/rides`, 'GET')).status).toBe(200);
    expect((await api(`${ticketd.url}/v1/rides`, 'GET', undefined, { token: before.admin })).status).toBe(401);
    expect(fs.statSync(path.join(dataDir, 'demo-credentials.json')).mode & 0o777).toBe(0o600);
  });
});

describe('the simulator and the subscriber on their demo tokens', () => {
  it('ticketd simulate sends each machine with its token: nothing refused by HTTP', () => {
    const run = cli(['simulate', '--url', ticketd.url, '--credentials', path.join(dataDir, 'demo-credentials.json'),
      '--rate', '300', '--duration', '1', '--seed', '7', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<'sent' | 'issued' | 'rejected' | 'failed' | 'duplicates' | 'conflicts', number>;
    // Every tap answered with what the server decided; a machine's own resend is a duplicate, never a conflict.
    expect(summary).toMatchObject({ sent: 300, refusedByHttp: 0, networkErrors: 0, conflicts: 0, signedTaps: true });
    expect(summary.issued + summary.rejected + summary.failed + summary.duplicates).toBe(300);
  });

  it("ticketd subscribe follows a customer's stream with that customer's token", async () => {
    const child = spawn(process.execPath, [BIN, 'subscribe', 'customer-1', '--url', ticketd.url,
      '--credentials', path.join(dataDir, 'demo-credentials.json'), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await eventually(async () => stderr.includes('connected to'), 'the subscriber to connect');
      await api(`${ticketd.url}/v1/taps?wait=true`, 'POST', [tap('sub-1', 'customer-1', 'ride-b')]);
      await eventually(async () => stdout.includes('"tapId":"sub-1"'), 'the notification to be printed');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});

describe('the rate limit and CORS flags', () => {
  it('refuses values out of range with exit 2, naming the flag', () => {
    for (const [args, message] of [
      [['--cors-origin', 'app.example'], "--cors-origin must be '*' or an origin"],
      [['--cors-origin', 'https://app.example/path'], "--cors-origin must be '*' or an origin"],
      [['--rate-limit-per-minute=-1'], '--rate-limit-per-minute must be an integer in 0..1000000'],
      [['--rate-limit-burst', '0'], '--rate-limit-burst must be an integer in 1..1000000'],
      [['--rate-limit-machine-per-minute=-1'], '--rate-limit-machine-per-minute must be an integer in 0..1000000'],
      [['--rate-limit-unauthenticated-burst', '0'], '--rate-limit-unauthenticated-burst must be an integer in 1..1000000'],
    ] as const) {
      const run = cli(['serve', '--port', '0', '--data-dir', path.join(root, 'never'), ...args]);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
    }
    expect(fs.existsSync(path.join(root, 'never'))).toBe(false);
  });

  it('answers 429 rate_limited with Retry-After over the limit, per token, and CORS headers for listed origins', async () => {
    const limited = await startBinary({
      args: ['--rate-limit-per-minute', '6', '--rate-limit-burst', '2', '--cors-origin', 'https://app.example,http://localhost:5173'],
    });
    try {
      const url = `${limited.url}/v1/rides`;
      expect((await api(url, 'GET')).status).toBe(200);
      expect((await api(url, 'GET')).status).toBe(200);
      const over = await api<{ error: { code: string } }>(url, 'GET');
      expect([over.status, over.body.error.code]).toEqual([429, 'rate_limited']);
      const retryAfterS = Number(over.headers.get('retry-after'));
      expect(retryAfterS).toBeGreaterThanOrEqual(1);
      expect(retryAfterS).toBeLessThanOrEqual(10);
      const customer = readCredentials(limited.dataDir).customers['customer-1']!;
      expect((await api(`${limited.url}/v1/customers/customer-1`, 'GET', undefined, { token: customer })).status).toBe(200);

      const fromApp = await fetch(`${limited.url}/v1/customers/customer-1`, {
        headers: { origin: 'https://app.example', authorization: `Bearer ${customer}` },
      });
      expect(fromApp.headers.get('access-control-allow-origin')).toBe('https://app.example');
      const preflight = await fetch(url, {
        method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' },
      });
      expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([204, 'http://localhost:5173']);
      const stranger = await fetch(`${limited.url}/health`, { headers: { origin: 'https://evil.example' } });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
      expect((await fetch(`${ticketd.url}/health`, { headers: { origin: 'https://app.example' } })).headers.get('access-control-allow-origin'))
        .toBeNull();
    } finally {
      expect(await limited.stop('SIGTERM')).toBe(0);
      fs.rmSync(limited.dataDir, { recursive: true, force: true });
    }
  });
});

describe('the rate limits by role and by client address', () => {
  it("limits a role by its own flag, over the all-roles shorthand: a machine and an admin keep going, a customer gets 429", async () => {
    // startBinary passes --rate-limit-per-minute 0; the customer flag wins over it for customers only.
    const limited = await startBinary({ args: ['--rate-limit-customer-per-minute', '6', '--rate-limit-customer-burst', '2'] });
    try {
      const { machines, customers } = readCredentials(limited.dataDir);
      for (let i = 0; i < 100; i++) {
        const sent = await api(`${limited.url}/v1/taps`, 'POST', [tap(`roles-${i}`, 'customer-2', 'ride-b')], { token: machines['gate-1']! });
        expect(sent.status).toBe(200);
      }
      for (let i = 0; i < 100; i++) expect((await api(`${limited.url}/v1/rides`, 'GET')).status).toBe(200);
      const customer = { token: customers['customer-1']! };
      expect((await api(`${limited.url}/v1/customers/customer-1`, 'GET', undefined, customer)).status).toBe(200);
      expect((await api(`${limited.url}/v1/customers/customer-1`, 'GET', undefined, customer)).status).toBe(200);
      expect((await api(`${limited.url}/v1/customers/customer-1`, 'GET', undefined, customer)).status).toBe(429);
    } finally {
      expect(await limited.stop('SIGTERM')).toBe(0);
      fs.rmSync(limited.dataDir, { recursive: true, force: true });
    }
  });

  it('answers 429 to an address past its failed authentications, while a token it used lately still works', async () => {
    const limited = await startBinary({
      args: ['--rate-limit-unauthenticated-per-minute', '1', '--rate-limit-unauthenticated-burst', '3'],
    });
    try {
      const url = `${limited.url}/v1/rides`;
      expect((await api(url, 'GET')).status).toBe(200); // the admin token, now in the server's token cache
      for (let i = 0; i < 3; i++) {
        expect((await api(url, 'GET', undefined, { token: `tkd_${String(i).padStart(43, 'x')}` })).status).toBe(401);
      }
      const over = await api<{ error: { code: string } }>(url, 'GET', undefined, { token: `tkd_${'y'.repeat(43)}` });
      expect([over.status, over.body.error.code]).toEqual([429, 'rate_limited']);
      const retryAfterS = Number(over.headers.get('retry-after'));
      expect(retryAfterS).toBeGreaterThanOrEqual(1);
      expect(retryAfterS).toBeLessThanOrEqual(60);
      expect((await api(url, 'GET', undefined, { token: null })).status).toBe(429);
      expect((await api(url, 'GET')).status).toBe(200);
      expect((await fetch(`${limited.url}/health`)).status).toBe(200);
    } finally {
      expect(await limited.stop('SIGTERM')).toBe(0);
      fs.rmSync(limited.dataDir, { recursive: true, force: true });
    }
  });
});

describe('secrets and the log', () => {
  it('no token the server saw, and not its signing key, is in what it wrote', async () => {
    // A request with an unknown token and one that fails inside: they must not echo the token either.
    const bogus = remember(`tkd_${'L'.repeat(43)}`);
    expect((await api(`${ticketd.url}/v1/rides`, 'GET', undefined, { token: bogus })).status).toBe(401);
    expect(await ticketd.stop('SIGTERM')).toBe(0);
    outputs.push(ticketd.stdout() + ticketd.stderr());
    const written = outputs.join('\n');
    expect(written).toContain('"msg":"stopped"');
    expect(secretsUsed.size).toBeGreaterThan(15);
    for (const secret of secretsUsed) {
      expect(written.includes(secret), `a token (${secret.slice(0, 8)}…) is in the output`).toBe(false);
      expect(written.includes(secret.slice(4)), 'a token without its prefix is in the output').toBe(false);
    }
    const keyBody = credentials.signingKeys['gate-s1']!.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
    expect(keyBody.length).toBeGreaterThan(0);
    for (const line of keyBody) expect(written.includes(line)).toBe(false);
  });
});
