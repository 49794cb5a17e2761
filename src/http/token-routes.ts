/**
 * API tokens, for admins: `POST /v1/tokens` creates one (only for a customer or machine that exists) and is the
 * only answer that ever holds its secret, `GET /v1/tokens` lists them without secrets, `DELETE /v1/tokens/:id`
 * revokes one (its next request gets 401). Declared and validated in api/admin-api.ts.
 */
import { adminOnly } from './access.ts';
import { createTokenRoute, listTokensRoute, revokeTokenRoute } from './api/admin-api.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { HttpError } from './http-error.ts';
import { operation, route } from './route-table.ts';

/**
 * @example
 * addTokenRoutes(app, deps);
 * // POST /v1/tokens { role: 'machine', machineId: 'gate-1' } → 201 { id, token, role, machineId }
 */
export function addTokenRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { tokens } = deps;

  route(app, [
    operation(createTokenRoute, adminOnly, (c) => {
      const created = tokens.create(c.req.valid('json'));
      // The secret is in this body and nowhere else: no cache may keep it.
      c.header('Cache-Control', 'no-store');
      return c.json(created, 201);
    }),
    operation(listTokensRoute, adminOnly, (c) => c.json({ tokens: tokens.list() }, 200)),
  ]);

  route(app, [
    operation(revokeTokenRoute, adminOnly, (c) => {
      const { id } = c.req.valid('param');
      if (tokens.revoke(id) === 'unknown') throw new HttpError(404, 'unknown_token', `no token '${id}'`);
      // Its open event streams end now, not at their next reconnect.
      closeStreamsOf(deps, id);
      // A 204 has no body: hono types `c.body(null)` as a null body, which the declaration's types do not admit.
      return c.body(null, 204) as never;
    }),
  ]);
}

/** Ends every open event stream of a token: customers' streams, feed streams, and those served from other nodes. */
export function closeStreamsOf(deps: RouteDeps, tokenId: string): void {
  deps.hub.closeToken(tokenId);
  deps.feed.closeToken(tokenId);
  deps.shardStreams?.closeToken(tokenId);
}
