/**
 * CORS for browsers calling ticketd from other origins (`ticketd serve --cors-origin`), through hono's cors
 * middleware. One path cannot use it: the event stream is written straight to the Node response, and the
 * middleware's work after the handler would replace the marker response that tells @hono/node-server the answer is
 * already sent. The stream's GET gets the same headers from `streamCorsHeaders` instead, set before the handler.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from './app-env.ts';

const ALLOW_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'];
const ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Last-Event-ID'];
const EXPOSE_HEADERS = ['Retry-After', 'WWW-Authenticate'];
/** `/v1/customers/:id/events`, the one route answered past hono's response. */
const EVENTS_PATH = /^\/v1\/customers\/[^/]+\/events\/?$/;

/**
 * @example
 * app.use(corsMiddleware(['https://app.example']));
 */
export function corsMiddleware(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  // A listed '*' allows any origin; bearer tokens are not cookies, so that hands a page nothing by itself.
  const middleware = cors({
    origin: origins.includes('*') ? '*' : [...origins],
    allowMethods: ALLOW_METHODS,
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: EXPOSE_HEADERS,
    maxAge: 600,
  });
  return async (c, next) => {
    if (c.req.method === 'OPTIONS' || !EVENTS_PATH.test(c.req.path)) return middleware(c, next);
    // Set before the response exists: JSON errors carry them, and the stream copies them (events-route.ts).
    const headers = streamCorsHeaders(origins, c.req.header('origin'));
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    return next();
  };
}

/**
 * The CORS headers of an answer to a request from `origin`, as hono's middleware would set them.
 *
 * @example
 * streamCorsHeaders(['https://app.example'], 'https://app.example');
 * // { 'Access-Control-Allow-Origin': 'https://app.example', 'Access-Control-Expose-Headers': '…', Vary: 'Origin' }
 */
export function streamCorsHeaders(origins: readonly string[], origin: string | undefined): Record<string, string> {
  if (origins.length === 0) return {};
  const expose = { 'Access-Control-Expose-Headers': EXPOSE_HEADERS.join(',') };
  if (origins.includes('*')) return { 'Access-Control-Allow-Origin': '*', ...expose };
  if (origin !== undefined && origins.includes(origin)) {
    return { 'Access-Control-Allow-Origin': origin, ...expose, Vary: 'Origin' };
  }
  return { Vary: 'Origin' };
}
