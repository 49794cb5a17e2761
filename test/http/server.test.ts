import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { startHttpServer, type HttpServerHandle } from '../../src/http/server.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import { FakeEngine } from './fake-engine.ts';
import { bearer } from './helpers.ts';
import { testAuth } from './memory-tokens.ts';

const servers: HttpServerHandle[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

let admin = '';

async function start(port = 0): Promise<HttpServerHandle> {
  const engine = new FakeEngine();
  const clock = new VirtualClock(0);
  const tokens = testAuth(clock);
  admin = tokens.admin;
  const { app } = createApp({ engine, clock, auth: tokens.auth, heartbeatMs: 1_000, sseBufferBytes: 1 << 20 });
  const server = await startHttpServer({ app, host: '127.0.0.1', port });
  servers.push(server);
  return server;
}

describe('startHttpServer', () => {
  it('listens on a free port with port 0 and serves the app', async () => {
    const server = await start();
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${server.port}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers a declared-too-large body with 413 JSON without reading it, and bad JSON with 400', async () => {
    const server = await start();
    const big = await fetch(`http://127.0.0.1:${server.port}/v1/taps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(admin) },
      body: 'x'.repeat(2 << 20),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'body_too_large' } });
    const bad = await fetch(`http://127.0.0.1:${server.port}/v1/taps`, {
      method: 'POST', body: '{', headers: { 'content-type': 'application/json', ...bearer(admin) },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_json' } });
  });

  it('rejects when the port is taken, and close() resolves after keep-alive clients', async () => {
    const server = await start();
    await expect(start(server.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await fetch(`http://127.0.0.1:${server.port}/health`, { headers: { connection: 'keep-alive' } });
    servers.splice(servers.indexOf(server), 1);
    await withTimeout(server.close(), { timeoutMs: 5_000, what: 'close() to resolve' });
  });
});
