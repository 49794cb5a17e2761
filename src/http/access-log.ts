/**
 * The first middleware of every request: gives it an id (the client's `X-Request-Id` when it is a usable one,
 * else a fresh one), echoes the id in the response, and writes one access line when the answer is ready: method,
 * route pattern, status, duration and the id. An SSE request's line is written when its stream opens (status 200),
 * since its handler returns then while the stream lives on. A request answered before its body was read (413 over
 * the body limit, 401 before the body) is answered with `Connection: close`, so the unread rest of the body never
 * reaches the parser as the start of a next request and the client's agent opens a fresh connection instead.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../platform/logger.ts';
import type { AppEnv } from './app-env.ts';
import { routeLabel } from './http-metrics.ts';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A request id a client may bring: letters, digits, `.`, `_`, `-`, at most 128 of them. */
const USABLE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface AccessLogOptions {
  log: Logger;
  /** A fresh id for a request that brings none, or one that is not usable. */
  newRequestId: () => string;
  /** Milliseconds, for durations. */
  nowMs: () => number;
}

const requestIds = new WeakMap<Context, string>();

/**
 * The id of the request `c`, once the access log middleware has seen it.
 *
 * @example
 * app.onError((error, c) => { log.error('internal error', { requestId: requestIdOf(c), err: error }); ... });
 */
export function requestIdOf(c: Context): string | undefined {
  return requestIds.get(c);
}

/**
 * The client's request id when it is usable (bounded, no characters that could forge log fields or headers).
 *
 * @example
 * usableRequestId('abc-123'); // 'abc-123'
 * usableRequestId('a b');     // undefined: a fresh id is made instead
 */
export function usableRequestId(header: string | undefined): string | undefined {
  return header !== undefined && USABLE_REQUEST_ID.test(header) ? header : undefined;
}

/**
 * Registered before every other middleware, so requests refused early (401, 429, 413) get an id and a line too.
 *
 * @example
 * app.use(accessLog({ log, newRequestId: () => ids.next('req'), nowMs: () => performance.now() }));
 * // {"level":"info","msg":"request","requestId":"req-…","method":"GET","route":"/v1/customers/:id","status":200,"durationMs":1.2}
 */
export function accessLog(options: AccessLogOptions): MiddlewareHandler<AppEnv> {
  const { log, newRequestId, nowMs } = options;
  return async (c, next) => {
    const startedMs = nowMs();
    const requestId = usableRequestId(c.req.header(REQUEST_ID_HEADER)) ?? newRequestId();
    requestIds.set(c, requestId);
    const node = nodeBindings(c);
    // An SSE answer is written straight to the Node response, past hono's headers: set the id there when there is one.
    if (node !== undefined) node.outgoing.setHeader(REQUEST_ID_HEADER, requestId);
    else c.header(REQUEST_ID_HEADER, requestId);
    await next();
    const bodyUnread = node !== undefined && !node.incoming.complete;
    if (bodyUnread && !node.outgoing.headersSent) node.outgoing.setHeader('Connection', 'close');
    const streamOpened = node !== undefined && node.outgoing.headersSent;
    const line = {
      requestId,
      method: c.req.method,
      route: routeLabel(c),
      status: streamOpened ? node.outgoing.statusCode : c.res.status,
      durationMs: Math.round((nowMs() - startedMs) * 1_000) / 1_000,
      ...(streamOpened && { stream: 'opened' }),
      ...(bodyUnread && { bodyUnread: true }),
      ...((isClientAbort(c.error) || isClientAbort(node?.incoming.errored)) && { clientAborted: true }),
    };
    log.info('request', line);
  };
}

/**
 * Whether `error` is Node's report of a client that closed its connection before it sent the whole request body:
 * the body read fails with `aborted` / ECONNRESET. Nothing is wrong with the server then.
 *
 * @example
 * if (isClientAbort(error)) return answer(400, 'client_aborted', '…');
 */
export function isClientAbort(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ECONNRESET' && error.message === 'aborted';
}

function nodeBindings(c: Context<AppEnv>): Pick<HttpBindings, 'incoming' | 'outgoing'> | undefined {
  const env = c.env as Partial<HttpBindings> | undefined;
  return env?.incoming !== undefined && env.outgoing !== undefined ? { incoming: env.incoming, outgoing: env.outgoing } : undefined;
}
