/**
 * Counts and times every HTTP request by method, route pattern and status. The route is the pattern the request
 * matched (`/v1/customers/:id`), never the raw path, and `unmatched` when none did, so the label values stay a
 * bounded set however clients spell their paths; methods outside the usual few are `other` for the same reason.
 * An SSE request is timed to the opening of its stream: its handler returns then, while the stream lives on.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Metrics } from '../metrics/metrics.ts';
import type { AppEnv } from './app-env.ts';

/** The route label of a request that matched no route. */
export const UNMATCHED_ROUTE = 'unmatched';

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Registered before every other middleware, so that requests refused early (401, 429, 413) are counted too.
 *
 * @example
 * app.use(httpMetrics(metrics));
 * // GET /v1/customers/c-1 → ticketd_http_requests_total{method="GET",route="/v1/customers/:id",status="200"} 1
 */
export function httpMetrics(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const startedMs = metrics.nowMs();
    await next();
    const seconds = (metrics.nowMs() - startedMs) / 1_000;
    metrics.httpRequest(METHODS.has(c.req.method) ? c.req.method : 'other', routeLabel(c), c.res.status, seconds);
  };
}

/**
 * The pattern of the route that answered; when a middleware answered (a 401 from authentication), the first route
 * the path matched; when only middlewares matched, `unmatched`. Middlewares are registered on wildcard paths.
 *
 * @example
 * routeLabel(c); // '/v1/taps/:tapId'
 */
export function routeLabel(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  const responder = routes[c.req.routeIndex];
  if (responder !== undefined && !responder.path.endsWith('*')) return responder.path;
  for (const route of routes) if (!route.path.endsWith('*')) return route.path;
  return UNMATCHED_ROUTE;
}
