/**
 * The catalog the taps are validated against: rides and machines, listed and created (201) or replaced (200);
 * a machine may carry an Ed25519 public key. Admins only. Declared and validated in api/catalog-api.ts.
 */
import { staff } from './access.ts';
import { listMachinesRoute, listRidesRoute, putMachineRoute, putRideRoute } from './api/catalog-api.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { operation, route } from './route-table.ts';

/**
 * @example
 * addCatalogRoutes(app, deps);
 * // PUT /v1/rides/carousel { name: 'Carousel', price: 500, open: true } → 201 ride (200 when it existed)
 */
export function addCatalogRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine } = deps;

  route(app, [operation(listRidesRoute, staff, (c) => c.json({ rides: engine.listRides() }, 200))]);

  route(app, [
    operation(putRideRoute, staff, (c) => {
      const { ride, created } = engine.putRide(c.req.valid('param').id, c.req.valid('json'));
      return created ? c.json(ride, 201) : c.json(ride, 200);
    }),
  ]);

  route(app, [operation(listMachinesRoute, staff, (c) => c.json({ machines: engine.listMachines() }, 200))]);

  route(app, [
    operation(putMachineRoute, staff, (c) => {
      const { machine, created } = engine.putMachine(c.req.valid('param').id, c.req.valid('json'));
      return created ? c.json(machine, 201) : c.json(machine, 200);
    }),
  ]);
}
