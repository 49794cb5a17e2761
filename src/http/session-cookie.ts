/**
 * The session as a cookie, for the pages ticketd serves: a browser's EventSource cannot send an Authorization header,
 * and a token kept in page script is a token any injected script can read. The session token goes into an HttpOnly,
 * SameSite=Strict cookie (Secure when the connection is TLS), never into a URL.
 *
 * CSRF: SameSite=Strict already keeps the cookie off requests other sites start; on top of that, a state-changing
 * request authenticated by the cookie must carry `X-CSRF-Token`, a value derived from the session's secret
 * (SHA-256 under a fixed label) that the login answer and a readable cookie hand to the page. Another site can
 * neither read that cookie nor compute the value, so it cannot forge the header. Nothing is stored for it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from './app-env.ts';
import { HttpError } from './http-error.ts';

export const SESSION_COOKIE = 'ticketd_session';
/** Readable by the page's script (not HttpOnly): the CSRF token to echo in `X-CSRF-Token`. */
export const CSRF_COOKIE = 'ticketd_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** @example csrfTokenOf('tkd_…') // 43 base64url characters */
export function csrfTokenOf(sessionSecret: string): string {
  return createHash('sha256').update('ticketd-csrf\u0000').update(sessionSecret).digest('base64url');
}

/** The session token of the request's cookie, if it has one. */
export function sessionCookie(c: Context<AppEnv>): string | undefined {
  const value = getCookie(c, SESSION_COOKIE);
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Throws 403 `csrf_failed` unless a state-changing request authenticated by the session cookie carries the session's
 * CSRF token.
 */
export function checkCsrf(c: Context<AppEnv>, sessionSecret: string): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const sent = c.req.header(CSRF_HEADER);
  const expected = Buffer.from(csrfTokenOf(sessionSecret));
  if (sent === undefined || Buffer.byteLength(sent) !== expected.length || !timingSafeEqual(Buffer.from(sent), expected)) {
    throw new HttpError(403, 'csrf_failed', `a request authenticated by the session cookie must send ${CSRF_HEADER} to change anything`);
  }
}

/** Sets the session and CSRF cookies until the session ends (an API token's: until the browser closes). */
export function setSessionCookies(c: Context<AppEnv>, token: string, expiresAt?: Date): void {
  const secure = isTls(c);
  const common = { path: '/', sameSite: 'Strict', secure, ...(expiresAt !== undefined && { expires: expiresAt }) } as const;
  setCookie(c, SESSION_COOKIE, token, { ...common, httpOnly: true });
  setCookie(c, CSRF_COOKIE, csrfTokenOf(token), common);
}

export function clearSessionCookies(c: Context<AppEnv>): void {
  const secure = isTls(c);
  deleteCookie(c, SESSION_COOKIE, { path: '/', sameSite: 'Strict', secure, httpOnly: true });
  deleteCookie(c, CSRF_COOKIE, { path: '/', sameSite: 'Strict', secure });
}

/** Whether the request came over TLS to this process (a proxy's X-Forwarded-Proto is anyone's to send). */
function isTls(c: Context<AppEnv>): boolean {
  const socket = c.env?.incoming?.socket as { encrypted?: boolean } | undefined;
  return socket?.encrypted === true;
}
