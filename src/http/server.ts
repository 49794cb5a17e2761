/**
 * Serves a hono app on Node with @hono/node-server and hands back the real port (port 0 picks a free one). Every
 * connection bound Node leaves loose by default is set here: how long a client may take to send its headers and
 * its whole request, how long a kept-alive connection may sit idle, how many requests one connection may carry and
 * how many connections may be open at once. A slow-drip client is cut off after `headersTimeoutMs` (or
 * `requestTimeoutMs` for a dripped body) with 408, not after Node's 60 s / 300 s. The request timeout bounds the
 * request only: an SSE response may stream for as long as it likes once its request has arrived.
 */
import type { Server } from 'node:http';
import { serve, type Http2Bindings, type HttpBindings } from '@hono/node-server';

/** Any app with hono's `fetch`, e.g. the one `createApp` returns. */
export interface FetchApp {
  fetch(request: Request, env: HttpBindings | Http2Bindings): Response | Promise<Response>;
}

/** The bounds on every connection; see SERVER_LIMITS_DEFAULT. */
export interface ServerLimits {
  /** Longest a client may take from connecting (or its previous request) to the end of its headers. */
  headersTimeoutMs: number;
  /** Longest a client may take to send a whole request, headers and body; at least `headersTimeoutMs`. */
  requestTimeoutMs: number;
  /** Longest a kept-alive connection waits idle for its next request. */
  keepAliveTimeoutMs: number;
  /** Requests one connection may carry; the last is answered with `Connection: close`. */
  requestsPerSocketMax: number;
  /** Connections open at once (SSE streams included); one more is closed as soon as it is accepted. */
  connectionsMax: number;
}

export const SERVER_LIMITS_DEFAULT: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  requestsPerSocketMax: 10_000,
  connectionsMax: 20_000,
};

/** Largest value of each limit: Node's timers take at most 2^31-1 ms; more connections than fds is meaningless. */
export const SERVER_LIMITS_MAX: ServerLimits = {
  headersTimeoutMs: 3_600_000,
  requestTimeoutMs: 3_600_000,
  keepAliveTimeoutMs: 3_600_000,
  requestsPerSocketMax: 1_000_000,
  connectionsMax: 1_000_000,
};

/** Node checks the header and request timeouts on this beat (its own default is 30 s, which stretches them). */
const TIMEOUT_CHECK_INTERVAL_MS_MAX = 1_000;

export interface StartHttpServerOptions {
  app: FetchApp;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Default SERVER_LIMITS_DEFAULT. */
  limits?: ServerLimits;
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
  const limits = checkLimits(options.limits ?? SERVER_LIMITS_DEFAULT);
  return new Promise((resolve, reject) => {
    const server = serve({
      fetch: (request, env) => app.fetch(request, env),
      hostname: host,
      port,
      serverOptions: {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS_MAX, Math.ceil(limits.headersTimeoutMs / 2)),
      },
    }, (info) => {
      server.off('error', reject);
      resolve({ port: info.port, close: () => closeServer(server) });
    }) as Server;
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.maxRequestsPerSocket = limits.requestsPerSocketMax;
    server.maxConnections = limits.connectionsMax;
    server.once('error', reject);
  });
}

/**
 * `limits`, or a RangeError naming the first one out of range.
 *
 * @example
 * checkLimits({ ...SERVER_LIMITS_DEFAULT, headersTimeoutMs: 60_000 }); // RangeError: above requestTimeoutMs
 */
export function checkLimits(limits: ServerLimits): ServerLimits {
  for (const name of Object.keys(SERVER_LIMITS_MAX) as (keyof ServerLimits)[]) {
    const value = limits[name];
    if (!Number.isSafeInteger(value) || value < 1 || value > SERVER_LIMITS_MAX[name]) {
      throw new RangeError(`server limit ${name} must be an integer in 1..${SERVER_LIMITS_MAX[name]}, got ${value}`);
    }
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError(
      `server limit headersTimeoutMs (${limits.headersTimeoutMs}) must not be above requestTimeoutMs (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    // Keep-alive connections between requests would otherwise hold close() open until they time out.
    server.closeIdleConnections();
  });
}
