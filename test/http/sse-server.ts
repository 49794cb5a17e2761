/**
 * A real server on 127.0.0.1 (port 0) around the app and a fake engine, for the SSE tests; `stop()` ends the
 * streams and the server.
 */
import { createApp, type CreateAppOptions, type CreatedApp } from '../../src/http/app.ts';
import { startHttpServer, type HttpServerHandle } from '../../src/http/server.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { FakeEngine } from './fake-engine.ts';
import { bearer, seedCustomer } from './helpers.ts';
import { testAuth, type TestAuth } from './memory-tokens.ts';
import { SseClient } from './sse-client.ts';

export interface LiveServer extends CreatedApp {
  engine: FakeEngine;
  clock: VirtualClock;
  server: HttpServerHandle;
  clients: SseClient[];
  /** `connect` sends `tokens.admin` unless its headers carry an `authorization` of their own. */
  tokens: TestAuth;
  connect(customerId: string, headers?: Record<string, string>, query?: string): Promise<SseClient>;
  stop(): Promise<void>;
}

export const HEARTBEAT_MS = 15_000;

export async function liveServer(
  options: Partial<Pick<CreateAppOptions,
    'sseBufferBytes' | 'sseLiveBufferMax' | 'sseStreamsPerCustomerMax' | 'onInternalError' | 'corsOrigins'>> = {},
): Promise<LiveServer> {
  const engine = new FakeEngine();
  seedCustomer(engine, 'c-1');
  seedCustomer(engine, 'c-2');
  const clock = new VirtualClock(1_000);
  const tokens = testAuth(clock);
  const created = createApp({ engine, clock, auth: tokens.auth, heartbeatMs: HEARTBEAT_MS, sseBufferBytes: 1 << 20, ...options });
  const server = await startHttpServer({ app: created.app, host: '127.0.0.1', port: 0 });
  const clients: SseClient[] = [];
  return {
    ...created,
    engine,
    clock,
    server,
    clients,
    tokens,
    async connect(customerId, headers = {}, query = '') {
      const path = `/v1/customers/${customerId}/events${query}`;
      const client = await SseClient.open(server.port, path, { ...bearer(tokens.admin), ...headers });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.close();
      created.hub.close();
      await server.close();
    },
  };
}
