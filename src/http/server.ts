/**
 * Serves a hono app on Node with @hono/node-server and hands back the real port (port 0 picks a free one).
 */
import type { Server } from 'node:http';
import { serve, type Http2Bindings, type HttpBindings } from '@hono/node-server';

/** Any app with hono's `fetch`, e.g. the one `createApp` returns. */
export interface FetchApp {
  fetch(request: Request, env: HttpBindings | Http2Bindings): Response | Promise<Response>;
}

export interface StartHttpServerOptions {
  app: FetchApp;
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface HttpServerHandle {
  /** The port actually listened on. */
  port: number;
  /** Stops accepting connections, closes idle ones and resolves once every connection has ended. */
  close(): Promise<void>;
}

/**
 * @example
 * const server = await startHttpServer({ app, host: '127.0.0.1', port: 0 });
 * fetch(`http://127.0.0.1:${server.port}/health`);
 * hub.close();            // end the SSE streams first, or close() waits for them
 * await server.close();
 */
export function startHttpServer(options: StartHttpServerOptions): Promise<HttpServerHandle> {
  const { app, host, port } = options;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: (request, env) => app.fetch(request, env), hostname: host, port }, (info) => {
      server.off('error', reject);
      resolve({ port: info.port, close: () => closeServer(server) });
    }) as Server;
    server.once('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    // Keep-alive connections between requests would otherwise hold close() open until they time out.
    server.closeIdleConnections();
  });
}
