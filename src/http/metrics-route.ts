/**
 * `GET /metrics`: every metric in the Prometheus text format, for an admin or manager token or, when the server has one, the
 * metrics token (`--metrics-token`), which lets a scraper read metrics and nothing else. The metrics token is not an
 * API token, so the route sits in front of the authentication middleware and checks it itself, in constant time;
 * any other caller goes through that middleware as usual (its 401, its rate limits) and must be an admin or a manager.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { bearerCredential } from '../domain/token-secret.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { SseSource } from '../metrics/scrape-gauges.ts';
import { authorize, staff } from './access.ts';
import type { TicketdApp } from './app-env.ts';
import { errorResponses } from './api/errors.ts';
import { authMiddleware, type AppAuth } from './auth-middleware.ts';
import { httpMetrics } from './http-metrics.ts';

export const METRICS_PATH = '/metrics';
/** Shortest and longest metrics token taken (`--metrics-token`): long enough not to be guessed, short for a header. */
export const METRICS_TOKEN_LENGTH_MIN = 16;
export const METRICS_TOKEN_LENGTH_MAX = 128;
const METRICS_TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/** What createApp needs to serve metrics: the process's metrics and the optional scrape-only token. */
export interface MetricsEndpoint {
  metrics: Metrics;
  /** A bearer token that may read `/metrics` (and nothing else); absent: only admin and manager tokens may. */
  token?: string | undefined;
}

/**
 * Checks a metrics token: 16 to 128 printable ASCII characters, no spaces. Returns it, or throws a RangeError that
 * names the rule.
 *
 * @example
 * checkMetricsToken(process.env.TICKETD_METRICS_TOKEN ?? ''); // throws unless 16-128 printable characters
 */
export function checkMetricsToken(token: string): string {
  if (token.length < METRICS_TOKEN_LENGTH_MIN || token.length > METRICS_TOKEN_LENGTH_MAX || !METRICS_TOKEN_PATTERN.test(token)) {
    throw new RangeError(
      `the metrics token must be ${METRICS_TOKEN_LENGTH_MIN}-${METRICS_TOKEN_LENGTH_MAX} printable ASCII characters without spaces`,
    );
  }
  return token;
}

/**
 * Counts every request (the first middleware), serves `GET /metrics` and reads the SSE hub at each scrape. Call it
 * before the authentication middleware is added.
 *
 * @example
 * addMetrics(app, { metrics, token: 'scrape-token-0123456789' }, { hub, auth });
 * // GET /metrics with 'Authorization: Bearer scrape-token-0123456789' → 200 text/plain; version=0.0.4
 */
export function addMetrics(app: TicketdApp, endpoint: MetricsEndpoint, deps: { hub: SseSource; auth: AppAuth }): void {
  const { metrics } = endpoint;
  const isMetricsToken = endpoint.token === undefined ? () => false : tokenMatcher(checkMetricsToken(endpoint.token));
  const authenticate = authMiddleware(deps.auth);
  metrics.watchSse(deps.hub);
  app.use(httpMetrics(metrics));
  // Served by a plain route (its token is not an API token), but documented with the others.
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: METRICS_PATH,
    tags: ['operations'],
    summary: 'Every metric, in the Prometheus text format (for an admin or manager token, or the --metrics-token)',
    responses: {
      200: {
        description: 'Prometheus text exposition format 0.0.4',
        content: { [metrics.contentType]: { schema: z.string(), example: METRICS_EXAMPLE } },
      },
      ...errorResponses({}, { auth: true, body: false }),
    },
  });
  app.get(METRICS_PATH, async (c) => {
    if (!isMetricsToken(c.req.header('authorization'))) {
      await authenticate(c, async () => undefined);
      authorize(c, staff);
    }
    return c.body(await metrics.text(), 200, { 'Content-Type': metrics.contentType });
  });
}

const METRICS_EXAMPLE = [
  '# HELP ticketd_taps_total Taps decided, by outcome and rejection or failure reason.',
  '# TYPE ticketd_taps_total counter',
  'ticketd_taps_total{outcome="issued",reason="none"} 1',
].join('\n');

/** Compares SHA-256 digests, so neither the token's content nor its length shows in the time taken. */
function tokenMatcher(token: string): (header: string | undefined) => boolean {
  const expected = createHash('sha256').update(token, 'utf8').digest();
  return (header) => {
    const given = bearerCredential(header);
    if (given === undefined) return false;
    return timingSafeEqual(createHash('sha256').update(given, 'utf8').digest(), expected);
  };
}
