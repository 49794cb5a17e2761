/**
 * API tokens, for admins: `POST /v1/tokens` creates one and is the only answer that ever holds its secret,
 * `GET /v1/tokens` lists them without secrets, `DELETE /v1/tokens/:id` revokes one (its next request gets 401).
 */
import { parseTokenScope } from '../domain/principal.ts';
import { adminOnly } from './access.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { HttpError } from './http-error.ts';
import { pathId, readJsonBody } from './request-input.ts';
import { route } from './route-table.ts';

/**
 * @example
 * addTokenRoutes(app, deps);
 * // POST /v1/tokens { role: 'machine', machineId: 'gate-1' } → 201 { id, token, role, machineId }
 */
export function addTokenRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { tokens } = deps;

  route(app, '/v1/tokens', {
    POST: {
      allow: adminOnly,
      handle: async (c) => {
        const parsed = parseTokenScope(await readJsonBody(c));
        if (!parsed.ok) throw parsed.error;
        // The secret is in this body and nowhere else: no cache may keep it.
        c.header('Cache-Control', 'no-store');
        return c.json(tokens.create(parsed.value), 201);
      },
    },
    GET: { allow: adminOnly, handle: (c) => c.json({ tokens: tokens.list() }, 200) },
  });

  route(app, '/v1/tokens/:id', {
    DELETE: {
      allow: adminOnly,
      handle: (c) => {
        const id = pathId(c.req.param('id'), 'id');
        if (tokens.revoke(id) === 'unknown') throw new HttpError(404, 'unknown_token', `no token '${id}'`);
        return c.body(null, 204);
      },
    },
  });
}
