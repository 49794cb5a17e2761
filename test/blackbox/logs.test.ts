/**
 * The real binary's log: every line on stderr is a JSON object with a level; each request has one access line
 * (method, route pattern, status, duration, request id) whose id is the one echoed in `X-Request-Id`; an SSE request's
 * line is written when its stream opens; and a run that made tokens (demo and `ticketd token create`) and used them,
 * right and wrong, holds none of their secrets, nor the signing key, anywhere in what it wrote.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, BIN, openEventStream, readCredentials, startBinary, type RunningBinary } from './binary.ts';

type LogLine = Record<string, unknown>;

let ticketd: RunningBinary;
let lines: LogLine[] = [];
let written = '';
const secrets = new Set<string>();
const echoed: { sent: string | undefined; header: string | null; route: string; status: number }[] = [];

async function call(path: string, token: string | null, requestId?: string, expectedRoute = path): Promise<number> {
  const headers: Record<string, string> = {
    ...(token !== null && { authorization: `Bearer ${token}` }),
    ...(requestId !== undefined && { 'x-request-id': requestId }),
  };
  const response = await fetch(`${ticketd.url}${path}`, { headers });
  await response.arrayBuffer();
  echoed.push({ sent: requestId, header: response.headers.get('x-request-id'), route: expectedRoute, status: response.status });
  return response.status;
}

beforeAll(async () => {
  ticketd = await startBinary();
  const credentials = readCredentials(ticketd.dataDir);
  for (const token of [credentials.admin, ...Object.values(credentials.machines), ...Object.values(credentials.customers)]) secrets.add(token);
  for (const pem of Object.values(credentials.signingKeys)) {
    // The key's base64 body, line by line: any of them in the log would be a leak.
    for (const line of pem.split('\n')) if (line.length > 20 && !line.startsWith('-----')) secrets.add(line);
  }
  const created = spawnSync(process.execPath, [BIN, 'token', 'create', '--role', 'customer', '--customer', 'customer-2',
    '--data-dir', ticketd.dataDir], { encoding: 'utf8', timeout: 30_000 });
  expect(created.status).toBe(0);
  const cliToken = created.stdout.trim();
  secrets.add(cliToken);

  expect(await call('/v1/customers/customer-2', cliToken, 'client-chosen.id_42', '/v1/customers/:id')).toBe(200);
  expect(await call('/v1/customers/customer-1', credentials.customers['customer-1']!, undefined, '/v1/customers/:id')).toBe(200);
  expect(await call('/v1/customers/customer-1', cliToken, 'has space', '/v1/customers/:id')).toBe(403);
  const bogus = `tkd_${'Q'.repeat(43)}`;
  secrets.add(bogus);
  expect(await call('/v1/rides', bogus, 'x'.repeat(200))).toBe(401);
  expect(await call('/health', null, 'health-1')).toBe(200);
  const tap = { tapId: 'log-tap-1', customerId: 'customer-1', rideId: 'ride-1', machineId: 'gate-1', tappedAt: new Date().toISOString() };
  expect((await api(`${ticketd.url}/v1/taps`, 'POST', [tap], { token: credentials.machines['gate-1']! })).status).toBe(200);
  const stream = openEventStream(`${ticketd.url}/v1/customers/customer-1/events`, {
    headers: { authorization: `Bearer ${credentials.customers['customer-1']!}`, 'x-request-id': 'sse-stream-1' },
  });
  await stream.connected;
  stream.close();

  expect(await ticketd.stop('SIGTERM')).toBe(0);
  written = ticketd.stdout() + ticketd.stderr();
  lines = ticketd.stderr().trimEnd().split('\n').map((line) => JSON.parse(line) as LogLine);
});

afterAll(async () => {
  await ticketd.stop();
});

describe('the log of the real binary', () => {
  it('is JSON lines, each with a level, a time and a message', () => {
    expect(lines.length).toBeGreaterThan(8);
    for (const line of lines) {
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
      expect(typeof line.time).toBe('string');
      expect(typeof line.msg).toBe('string');
    }
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['ticketd ready', 'stopping', 'stopped']));
  });

  it('has one access line per request, with method, route, status, duration and the id echoed in X-Request-Id', () => {
    const access = lines.filter((line) => line.msg === 'request');
    for (const request of echoed) {
      expect(request.header).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
      if (request.sent !== undefined && /^[A-Za-z0-9._-]{1,128}$/.test(request.sent)) expect(request.header).toBe(request.sent);
      else expect(request.header).not.toBe(request.sent);
      const matching = access.filter((line) => line.requestId === request.header);
      expect(matching, `access line of ${request.header}`).toHaveLength(1);
      expect(matching[0]).toMatchObject({ level: 'info', method: 'GET', route: request.route, status: request.status });
      expect(typeof matching[0]!.durationMs).toBe('number');
    }
    expect(access.find((line) => line.route === '/v1/taps')).toMatchObject({ method: 'POST', status: 200 });
  });

  it('writes the access line of an SSE request when its stream opens', () => {
    expect(lines.find((line) => line.requestId === 'sse-stream-1')).toMatchObject({
      msg: 'request', route: '/v1/customers/:id/events', status: 200, stream: 'opened',
    });
  });

  it('holds no token secret and no part of the signing key, anywhere in what the server wrote', () => {
    expect(secrets.size).toBeGreaterThan(10);
    for (const secret of secrets) expect(written.includes(secret), `a secret (${secret.slice(0, 8)}…) is in the log`).toBe(false);
  });
});
