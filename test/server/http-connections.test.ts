/**
 * The connection bounds of startHttpServer and the access log middleware on a real socket: a slow-drip client is
 * cut off with 408 while an SSE stream opened at the same time outlives the request timeout; a body answered before
 * it was read (413, 401) closes its connection so that a keep-alive client's next requests are all answered; every
 * request gets an id and one JSON access line; a client that goes away mid-body is no internal error.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type CreateAppOptions } from '../../src/http/app.ts';
import { SERVER_LIMITS_DEFAULT, startHttpServer, type HttpServerHandle, type ServerLimits } from '../../src/http/server.ts';
import { sequentialIds } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import { FakeEngine } from '../http/fake-engine.ts';
import { bearer, seedCustomer } from '../http/helpers.ts';
import { testAuth } from '../http/memory-tokens.ts';
import { SseClient, until } from '../http/sse-client.ts';

interface Started {
  server: HttpServerHandle;
  engine: FakeEngine;
  admin: string;
  lines: Record<string, unknown>[];
  internalErrors: { error: unknown; requestId: string | undefined }[];
  close(): Promise<void>;
}

const running: Started[] = [];
afterEach(async () => {
  for (const started of running.splice(0)) await started.close();
});

async function start(limits: ServerLimits = SERVER_LIMITS_DEFAULT, extra: Partial<CreateAppOptions> = {}): Promise<Started> {
  const engine = new FakeEngine();
  seedCustomer(engine, 'c-1');
  const clock = new VirtualClock(1_000);
  const tokens = testAuth(clock);
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const ids = sequentialIds();
  const internalErrors: Started['internalErrors'] = [];
  const { app, hub } = createApp({
    engine, clock, auth: tokens.auth, heartbeatMs: 60_000, sseBufferBytes: 1 << 20,
    accessLog: { log, newRequestId: () => ids.next('req'), nowMs: () => performance.now() },
    onInternalError: (error, requestId) => internalErrors.push({ error, requestId }),
    ...extra,
  });
  const server = await startHttpServer({ app, host: '127.0.0.1', port: 0, limits });
  const started: Started = {
    server, engine, admin: tokens.admin, lines, internalErrors,
    close: async () => {
      hub.close();
      await server.close();
    },
  };
  running.push(started);
  return started;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function send(port: number, agent: http.Agent, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Opens a raw connection, writes `text` and resolves with all it receives until the server closes it. */
function rawUntilClosed(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** Bound on each wait for the server to act; generous, for a loaded machine. */
const WAIT_MS = 10_000;
const SHORT: ServerLimits = { ...SERVER_LIMITS_DEFAULT, headersTimeoutMs: 200, requestTimeoutMs: 400 };

describe('startHttpServer connection bounds', () => {
  it('cuts off a client that drips its headers with 408, while an SSE stream opened before outlives the request timeout', async () => {
    const { server, engine, admin } = await start(SHORT);
    const stream = await SseClient.open(server.port, '/v1/customers/c-1/events', bearer(admin));
    expect(stream.status).toBe(200);
    // Headers never finished: the server must give up on its own, after headersTimeoutMs.
    const dripped = await withTimeout(rawUntilClosed(server.port, 'GET /health HTTP/1.1\r\nHost: x\r\n'),
      { timeoutMs: WAIT_MS, what: 'the dripping client to be cut off' });
    expect(dripped).toMatch(/^HTTP\/1\.1 408 /);
    // A body dripped past requestTimeoutMs: cut off too.
    const slowBody = await withTimeout(rawUntilClosed(server.port,
      `POST /v1/taps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\n` +
      'Content-Length: 100\r\n\r\n{"taps":'), { timeoutMs: WAIT_MS, what: 'the slow body to be cut off' });
    expect(slowBody).toMatch(/^HTTP\/1\.1 408 /);
    // The stream was open through both cut-offs, longer than requestTimeoutMs, and still carries events.
    expect(stream.ended).toBe(false);
    engine.publish('c-1');
    await stream.waitFor(() => stream.events.length === 1, 'an event on the long-lived stream');
    stream.close();
  });

  it('answers a 2 MiB body with 413 and Connection: close, and ten keep-alive requests after it are all answered', async () => {
    const { server, admin, lines } = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const headers = { ...bearer(admin), 'content-type': 'application/json' };
    const big = await send(server.port, agent, 'POST', '/v1/taps', headers, Buffer.alloc(2 << 20, 0x20));
    expect(big.status).toBe(413);
    expect(big.headers.connection).toBe('close');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await send(server.port, agent, 'GET', '/health', {})).status);
    expect(statuses).toEqual(Array(10).fill(200));
    expect(lines.find((line) => line.status === 413)).toMatchObject({ msg: 'request', bodyUnread: true });
    agent.destroy();
  });

  it('closes the connection after a 401 given before the body was read; the next requests are answered', async () => {
    const { server } = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const refused = await send(server.port, agent, 'POST', '/v1/taps', { 'content-type': 'application/json' }, Buffer.alloc(256 << 10, 0x20));
    expect(refused.status).toBe(401);
    expect(refused.headers.connection).toBe('close');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await send(server.port, agent, 'GET', '/health', {})).status);
    expect(statuses).toEqual(Array(10).fill(200));
    agent.destroy();
  });

  it('keeps the connection of an answered request whose body was read', async () => {
    const { server, admin } = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const answer = await send(server.port, agent, 'POST', '/v1/taps', { ...bearer(admin), 'content-type': 'application/json' }, Buffer.from('{'));
    expect(answer.status).toBe(400);
    expect(answer.headers.connection).toBe('keep-alive');
    agent.destroy();
  });
});

describe('access log', () => {
  it('writes one JSON access line per request with method, route, status, duration and the id echoed in X-Request-Id', async () => {
    const { server, admin, lines } = await start();
    const agent = new http.Agent({ keepAlive: false });
    const own = await send(server.port, agent, 'GET', '/v1/customers/c-1', { ...bearer(admin), 'x-request-id': 'client.id_1-A' });
    const made = await send(server.port, agent, 'GET', '/v1/customers/c-1', { ...bearer(admin), 'x-request-id': 'bad id\u00e9' });
    const long = await send(server.port, agent, 'GET', '/health', { 'x-request-id': 'x'.repeat(129) });
    expect(own.headers['x-request-id']).toBe('client.id_1-A');
    expect(made.headers['x-request-id']).toMatch(/^req-\d+$/);
    expect(long.headers['x-request-id']).toMatch(/^req-\d+$/);
    const access = lines.filter((line) => line.msg === 'request');
    expect(access).toHaveLength(3);
    expect(access[0]).toMatchObject({ level: 'info', requestId: 'client.id_1-A', method: 'GET', route: '/v1/customers/:id', status: 200 });
    expect(access[1]).toMatchObject({ requestId: made.headers['x-request-id'], route: '/v1/customers/:id' });
    expect(access[2]).toMatchObject({ requestId: long.headers['x-request-id'], route: '/health', status: 200 });
    for (const line of access) expect(typeof line.durationMs).toBe('number');
    expect(JSON.stringify(lines)).not.toContain(admin);
  });

  it('writes the access line of an SSE request when its stream opens, with status 200 and the id in the headers', async () => {
    const { server, admin, lines } = await start();
    const stream = await SseClient.open(server.port, '/v1/customers/c-1/events', { ...bearer(admin), 'x-request-id': 'sse-1' });
    expect(stream.headers['x-request-id']).toBe('sse-1');
    expect(lines.filter((line) => line.msg === 'request')).toEqual([
      expect.objectContaining({ requestId: 'sse-1', route: '/v1/customers/:id/events', status: 200, stream: 'opened' }),
    ]);
    stream.close();
  });

  it('hands an internal error to onInternalError with the request id', async () => {
    const { server, admin, engine, internalErrors, lines } = await start();
    engine.failNext('listTickets', new Error('disk on fire'));
    const agent = new http.Agent({ keepAlive: false });
    const answer = await send(server.port, agent, 'GET', '/v1/customers/c-1/tickets', { ...bearer(admin), 'x-request-id': 'boom-1' });
    expect(answer.status).toBe(500);
    expect(internalErrors).toHaveLength(1);
    expect(internalErrors[0]).toMatchObject({ requestId: 'boom-1' });
    expect(lines.find((line) => line.msg === 'request')).toMatchObject({ requestId: 'boom-1', status: 500, route: '/v1/customers/:id/tickets' });
  });

  it('takes a client that disconnects mid-body for a client abort, not an internal error', async () => {
    const { server, admin, internalErrors, lines } = await start();
    const socket = net.connect(server.port, '127.0.0.1');
    socket.setEncoding('utf8');
    // With Expect: 100-continue the server says when it has the headers; the client then sends part of the body and
    // goes away.
    const continued = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write(`POST /v1/taps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\n` +
      'Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n');
    await withTimeout(continued, { timeoutMs: WAIT_MS, what: '100 Continue' });
    socket.write('{"taps":[', () => socket.destroy());
    await until(() => lines.some((line) => line.msg === 'request'), 'the access line of the aborted request');
    expect(internalErrors).toEqual([]);
    expect(lines.find((line) => line.msg === 'request')).toMatchObject({ clientAborted: true, route: '/v1/taps' });
    expect(lines.find((line) => line.msg === 'request')?.status).toBeLessThan(500);
  });
});
