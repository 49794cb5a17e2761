/**
 * Authentication and the per-token rate limit, in front of everything else but CORS: who is calling is known
 * before the body is read, so a 401 or 429 never depends on the body (nor costs reading it). `/health` and
 * `/ready` are public; every other path, unknown ones included, needs a valid bearer token.
 */
import type { MiddlewareHandler } from 'hono';
import type { RateLimiter } from '../auth/rate-limiter.ts';
import type { Authenticator, TokenAdmin } from '../auth/token-authenticator.ts';
import type { AppEnv } from './app-env.ts';
import { HttpError } from './http-error.ts';

/** Paths anyone may call: a load balancer's health checks carry no token. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health', '/ready']);

/** How createApp authenticates callers and limits their rate. */
export interface AppAuth {
  /** Who sent each request; also serves the `/v1/tokens` admin routes. */
  authenticator: Authenticator & TokenAdmin;
  /** Per-token rate limit; absent, none (`ticketd serve --rate-limit-per-minute 0`). */
  rateLimiter?: RateLimiter;
}

/**
 * @example
 * app.use(authMiddleware({ authenticator, rateLimiter }));
 * // no or unknown token → 401 unauthorized with WWW-Authenticate: Bearer; over the rate → 429 with Retry-After
 */
export function authMiddleware(auth: AppAuth): MiddlewareHandler<AppEnv> {
  const { authenticator, rateLimiter } = auth;
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const principal = authenticator.authenticate(c.req.header('authorization'));
    if (principal === undefined) {
      throw new HttpError(401, 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const decision = rateLimiter?.take(principal.tokenId);
    if (decision !== undefined && !decision.ok) {
      // Whole seconds, rounded up, at least 1: Retry-After has no fractions and 0 invites a hot retry loop.
      const retryAfterS = Math.max(1, Math.ceil(decision.retryAfterMs / 1_000));
      throw new HttpError(429, 'rate_limited', `this token is over its rate limit; retry in ${retryAfterS} s`, {
        'Retry-After': String(retryAfterS),
      });
    }
    c.set('principal', principal);
    return next();
  };
}
