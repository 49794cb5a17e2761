/**
 * The catalog the taps are validated against: rides (list and upsert) and machines (upsert, with an optional
 * Ed25519 public key). Admins only.
 */
import { parseMachineBody, parseRideBody } from '../domain/tap-input.ts';
import { adminOnly } from './access.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { pathId, readJsonBody } from './request-input.ts';
import { route } from './route-table.ts';

/**
 * @example
 * addCatalogRoutes(app, deps);
 * // PUT /v1/rides/carousel { name: 'Carousel', price: 500, open: true } → 200 ride
 */
export function addCatalogRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine } = deps;

  route(app, '/v1/rides', {
    GET: { allow: adminOnly, handle: (c) => c.json({ rides: engine.listRides() }, 200) },
  });

  route(app, '/v1/rides/:id', {
    PUT: {
      allow: adminOnly,
      handle: async (c) => {
        const id = pathId(c.req.param('id'), 'id');
        const parsed = parseRideBody(await readJsonBody(c));
        if (!parsed.ok) throw parsed.error;
        return c.json(engine.putRide(id, parsed.value), 200);
      },
    },
  });

  route(app, '/v1/machines/:id', {
    PUT: {
      allow: adminOnly,
      handle: async (c) => {
        const id = pathId(c.req.param('id'), 'id');
        const parsed = parseMachineBody(await readJsonBody(c));
        if (!parsed.ok) throw parsed.error;
        return c.json(engine.putMachine(id, parsed.value), 200);
      },
    },
  });
}
