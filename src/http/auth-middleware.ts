/**
 * Authentication and the rate limits, in front of everything else but CORS: who is calling is known before the body
 * is read, so a 401 or 429 never depends on the body (nor costs reading it). `/health`, `/ready` and the API's
 * description (`/openapi.json`, `/docs`) are public; every other path, unknown ones included, needs a valid bearer
 * token.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { RateDecision, RateLimiters } from '../auth/rate-limiter.ts';
import type { Authenticator, TokenAdmin } from '../auth/token-authenticator.ts';
import type { Principal } from '../domain/principal.ts';
import type { AppEnv } from './app-env.ts';
import { HttpError } from './http-error.ts';
import { checkCsrf, sessionCookie } from './session-cookie.ts';
import { WEB_ASSETS_PREFIX, WEB_PAGES } from './web-routes.ts';

/**
 * Paths anyone may call: a load balancer's health checks carry no token, nor does a reader of the API's description,
 * nor a payment provider (its webhook is trusted by its signature instead).
 */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([
  '/health', '/ready', '/openapi.json', '/docs', '/v1/payments/webhook', '/v1/sessions', ...Object.keys(WEB_PAGES),
]);
/**
 * Requests that may come without any credentials and are then served anonymously: signing up (`POST /v1/users`,
 * which the handler allows only with `--allow-signup`), limited per address like unauthenticated requests. With
 * credentials they are authenticated as usual.
 */
const ANONYMOUS_ALLOWED: ReadonlySet<string> = new Set(['POST /v1/users']);
/** Below these prefixes: the docs page's script and styles (see api-docs.ts) and the web pages' (web-routes.ts), as public as the pages. */
export const PUBLIC_PREFIXES: readonly string[] = ['/docs/assets/', WEB_ASSETS_PREFIX];

/** The client address of a request served without a socket (`app.request()` with no bindings). */
const UNKNOWN_ADDRESS = 'unknown';

/**
 * How createApp authenticates callers and limits their rate. `roleLimiters` limits each token by its role's limiter
 * (keyed by token id); a role without one is not limited. `addressLimiter` counts failed authentications (missing,
 * unknown or revoked token) per client address; once an address has none left, its requests get 429 without a
 * store lookup, except those with a token the authenticator has seen valid lately (see `authenticateKnown`): a
 * working machine behind the same NAT as a misconfigured one keeps working. Build both with `rateLimiters()`.
 */
export interface AppAuth extends Partial<RateLimiters> {
  /** Who sent each request; also serves the `/v1/tokens` admin routes. */
  authenticator: Authenticator & TokenAdmin;
}

/**
 * @example
 * app.use(authMiddleware({ authenticator, ...rateLimiters(clock, RATE_LIMIT_DEFAULTS) }));
 * // no or unknown token → 401 unauthorized with WWW-Authenticate: Bearer; over a rate → 429 with Retry-After
 */
export function authMiddleware(auth: AppAuth): MiddlewareHandler<AppEnv> {
  const { authenticator, roleLimiters = {}, addressLimiter } = auth;

  function caller(c: Context<AppEnv>, header: string | undefined): Principal {
    if (addressLimiter === undefined) return authenticator.authenticate(header) ?? unauthorized();
    const address = clientAddress(c);
    const throttled = addressLimiter.peek(address);
    if (!throttled.ok) {
      return authenticator.authenticateKnown(header)
        ?? rateLimited(throttled, 'this address sent too many requests without a valid token');
    }
    const principal = authenticator.authenticate(header);
    if (principal === undefined) {
      addressLimiter.take(address);
      unauthorized();
    }
    return principal;
  }

  return async (c, next) => {
    const path = withoutTrailingSlash(c.req.path);
    if (PUBLIC_PATHS.has(path) || PUBLIC_PREFIXES.some((prefix) => c.req.path.startsWith(prefix))) return next();
    // The Authorization header wins; a browser's page has the session cookie instead (session-cookie.ts).
    const bearer = c.req.header('authorization');
    const cookie = bearer === undefined ? sessionCookie(c) : undefined;
    if (bearer === undefined && cookie === undefined && ANONYMOUS_ALLOWED.has(`${c.req.method} ${path}`)) {
      // Each anonymous request (a signup costs a password hash and makes an account) takes from its address's
      // bucket, as a failed authentication does.
      const decision = addressLimiter?.take(clientAddress(c));
      if (decision !== undefined && !decision.ok) rateLimited(decision, 'this address sent too many requests without a token');
      return next();
    }
    const principal = caller(c, bearer ?? (cookie === undefined ? undefined : `Bearer ${cookie}`));
    if (cookie !== undefined) checkCsrf(c, cookie);
    const decision = roleLimiters[principal.role]?.take(principal.tokenId);
    if (decision !== undefined && !decision.ok) rateLimited(decision, 'this token is over its rate limit');
    c.set('principal', principal);
    c.set('byCookie', cookie !== undefined);
    return next();
  };
}

/**
 * The peer's address from the socket (`X-Forwarded-For` is not trusted: any client can send it). Under
 * `app.request()` there is no socket unless the caller passes bindings with one (see app-env.ts).
 */
export function clientAddress(c: Context<AppEnv>): string {
  // `app.request()` without bindings leaves `c.env` undefined, whatever AppEnv says.
  if (c.env?.incoming === undefined) return UNKNOWN_ADDRESS;
  return getConnInfo(c).remote.address ?? UNKNOWN_ADDRESS;
}

/** `/health/` is routed as `/health` (the app is not strict about a trailing slash), so it is as public. */
function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function unauthorized(): never {
  throw new HttpError(401, 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)', {
    'WWW-Authenticate': 'Bearer',
  });
}

function rateLimited(decision: RateDecision & { ok: false }, why: string): never {
  // Whole seconds, rounded up, at least 1: Retry-After has no fractions and 0 invites a hot retry loop.
  const retryAfterS = Math.max(1, Math.ceil(decision.retryAfterMs / 1_000));
  throw new HttpError(429, 'rate_limited', `${why}; retry in ${retryAfterS} s`, { 'Retry-After': String(retryAfterS) });
}
