/**
 * Accounts and sessions (declared in api/user-api.ts; the logic in accounts/accounts.ts): `/v1/users` for admins
 * (and signing up, with `--allow-signup`), `POST /v1/sessions` to log in and `DELETE /v1/sessions/current` to log
 * out. Whatever ends sessions (logging out, disabling, a new password or role, erasing) ends their open event
 * streams at once and drops them from the authenticator's cache.
 */
import type { Context } from 'hono';
import type { Accounts } from '../accounts/accounts.ts';
import { bearerSecret } from '../domain/token-secret.ts';
import { adminOnly, forbidden, principalOf } from './access.ts';
import { requestIdOf } from './access-log.ts';
import {
  createUserRoute, deleteUserRoute, getUserRoute, listUsersRoute, loginRoute, logoutRoute, patchUserRoute, tokenCookieRoute,
} from './api/user-api.ts';
import type { AppEnv, RouteDeps, TicketdApp } from './app-env.ts';
import { clientAddress } from './auth-middleware.ts';
import { HttpError } from './http-error.ts';
import { operation, route } from './route-table.ts';
import { closeStreamsOf } from './token-routes.ts';
import { clearSessionCookies, csrfTokenOf, setSessionCookies } from './session-cookie.ts';

/**
 * @example
 * addUserRoutes(app, deps);
 * // POST /v1/sessions { username: 'ada', password: '…' } → 200 { token, expiresAt, csrfToken, user } + Set-Cookie
 */
export function addUserRoutes(app: TicketdApp, deps: RouteDeps): void {
  const accounts = (): Accounts => {
    if (deps.accounts === undefined) throw new HttpError(503, 'accounts_unavailable', 'this server has no accounts');
    return deps.accounts;
  };
  const cause = (c: Context<AppEnv>) => {
    const requestId = requestIdOf(c);
    return requestId === undefined ? {} : { requestId };
  };
  /** Sessions that ended: their streams close now, and the cache forgets them. */
  const ended = (tokenIds: readonly string[]) => {
    deps.tokens.forget(tokenIds);
    for (const id of tokenIds) closeStreamsOf(deps, id);
  };

  route(app, [
    // Public at the gate (auth-middleware.ts lets an anonymous POST through); who may do what is decided here.
    operation(createUserRoute, 'public', async (c) => {
      const input = c.req.valid('json');
      const principal = c.get('principal') as ReturnType<typeof principalOf> | undefined;
      if (principal === undefined) {
        if (!deps.allowSignup) {
          throw new HttpError(401, 'unauthorized', 'a valid bearer token is required (this server does not allow signing up)', {
            'WWW-Authenticate': 'Bearer',
          });
        }
        if (input.role !== undefined && input.role !== 'user') throw forbidden('signing up makes a user account; only an admin makes staff');
      } else if (principal.role !== 'admin') {
        throw forbidden(`a ${principal.role} token may not create accounts`);
      }
      const user = await accounts().create({ ...input, role: input.role ?? 'user' }, cause(c));
      return c.json(user, 201);
    }),
    operation(listUsersRoute, adminOnly, (c) => {
      const { role, q, limit, cursor } = c.req.valid('query');
      const page = accounts().list({ limit, ...(role !== undefined && { role }), ...(q !== undefined && { q }), ...(cursor !== undefined && { cursor }) });
      return c.json({ users: page.users, nextCursor: page.nextCursor ?? null }, 200);
    }),
  ]);

  route(app, [
    operation(getUserRoute, adminOnly, (c) => c.json(accounts().get(c.req.valid('param').id), 200)),
    operation(patchUserRoute, adminOnly, async (c) => {
      const { user, revokedTokens } = await accounts().update(c.req.valid('param').id, c.req.valid('json'), cause(c));
      ended(revokedTokens);
      return c.json(user, 200);
    }),
    operation(deleteUserRoute, adminOnly, (c) => {
      ended(accounts().erase(c.req.valid('param').id, cause(c)).revokedTokens);
      return c.body(null, 204) as never;
    }),
  ]);

  route(app, [
    operation(loginRoute, 'public', async (c) => {
      const { username, email, password } = c.req.valid('json');
      const session = await accounts().login((username ?? email) as string, password, clientAddress(c));
      const expiresAt = new Date(session.expiresAt);
      setSessionCookies(c, session.token, expiresAt);
      // The token is in this body and nowhere else: no cache may keep it.
      c.header('Cache-Control', 'no-store');
      return c.json({ token: session.token, expiresAt: session.expiresAt, csrfToken: csrfTokenOf(session.token), user: session.user }, 200);
    }),
  ]);

  route(app, [
    operation(tokenCookieRoute, () => true, (c) => {
      const p = principalOf(c);
      const token = bearerSecret(c.req.header('authorization'));
      if (token === undefined) throw new HttpError(400, 'invalid_field', 'send the token to keep in the Authorization header');
      setSessionCookies(c, token, p.expiresAtMs === undefined ? undefined : new Date(p.expiresAtMs));
      c.header('Cache-Control', 'no-store');
      return c.json({ csrfToken: csrfTokenOf(token) }, 200);
    }),
  ]);

  route(app, [
    operation(logoutRoute, () => true, (c) => {
      const p = principalOf(c);
      if (p.userId === undefined) {
        if (c.get('byCookie')) {
          // A page opened with an API token forgets it; the token itself stays good (its owner may use it elsewhere).
          clearSessionCookies(c);
          return c.body(null, 204) as never;
        }
        throw new HttpError(400, 'not_a_session', `this is an API token, not a session: revoke it with DELETE /v1/tokens/${p.tokenId}`);
      }
      deps.tokens.revoke(p.tokenId);
      ended([p.tokenId]);
      clearSessionCookies(c);
      return c.body(null, 204) as never;
    }),
  ]);
}
