/**
 * Who may call what, per route and method: every route in route-table.ts names its access, so a route without a
 * rule cannot be written. Finer checks that need the request's content (a machine's taps, a tap's customer) are
 * made by the handler itself.
 */
import type { Context } from 'hono';
import type { Principal } from '../domain/principal.ts';
import type { AppEnv } from './app-env.ts';
import { HttpError } from './http-error.ts';

/** Whether `principal` may make this request. */
export type Guard = (principal: Principal, c: Context<AppEnv>) => boolean;

/** A route's rule: `'public'` (no token needed, see PUBLIC_PATHS) or a guard over the authenticated caller. */
export type Access = 'public' | Guard;

export const adminOnly: Guard = (p) => p.role === 'admin';

/** Admins and managers: everything but tokens (and, once they exist, users). */
export const staff: Guard = (p) => p.role === 'admin' || p.role === 'manager';

/** Whether the caller is staff (an admin or a manager), for handlers that show staff more (drafts, all bookings). */
export function isStaff(p: { role: string }): boolean {
  return p.role === 'admin' || p.role === 'manager';
}

/** `POST /v1/taps`: admins, and machines (for their own taps only: checked once the taps are parsed). */
export const tapSenders: Guard = (p) => p.role === 'admin' || p.role === 'machine';

/** `GET /v1/taps/:tapId`: staff, and customers (for their own taps only: checked once the tap is found). */
export const tapReaders: Guard = (p) => isStaff(p) || p.role === 'customer';

/**
 * Staff, and the customer whose id is the path parameter `param`.
 *
 * @example
 * route(app, '/v1/customers/:id', { GET: { allow: ownCustomer('id'), handle } });
 */
export function ownCustomer(param: string): Guard {
  return (p, c) => isStaff(p) || (p.role === 'customer' && p.customerId === c.req.param(param));
}

/**
 * The authenticated caller; the auth middleware set it before any non-public route runs.
 *
 * @example
 * const principal = principalOf(c);
 */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get('principal') as Principal | undefined;
  // Only reachable if a non-public route were served without the middleware: refuse rather than serve.
  if (principal === undefined) {
    throw new HttpError(401, 'unauthorized', 'a valid bearer token is required', { 'WWW-Authenticate': 'Bearer' });
  }
  return principal;
}

/**
 * Throws 403 `forbidden` unless `access` admits the caller.
 *
 * @example
 * authorize(c, adminOnly);
 */
export function authorize(c: Context<AppEnv>, access: Access): void {
  if (access === 'public') return;
  const principal = principalOf(c);
  if (!access(principal, c)) {
    const article = /^[aeiou]/.test(principal.role) ? 'an' : 'a';
    throw forbidden(`${article} ${principal.role} token may not ${c.req.method} ${c.req.path}`);
  }
}

/** The 403 of this API. @example throw forbidden('not your tap') */
export function forbidden(message: string): HttpError {
  return new HttpError(403, 'forbidden', message);
}
