/**
 * `GET /health` (the process answers) and `GET /ready` (the engine takes taps: 200, else 503 with the reason).
 * Both are public: health checks carry no token. Declared in api/admin-api.ts.
 */
import { healthRoute, readyRoute } from './api/admin-api.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { operation, route } from './route-table.ts';

/**
 * @example
 * addHealthRoutes(app, deps);
 * // GET /ready → 503 { ready: false, reason: 'starting' }
 */
export function addHealthRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine } = deps;
  route(app, [operation(healthRoute, 'public', (c) => c.json({ status: 'ok' as const }, 200))]);
  route(app, [
    operation(readyRoute, 'public', (c) => {
      const state = engine.readiness();
      if (state.ready) return c.json({ ready: true as const }, 200);
      return c.json({ ready: false as const, reason: state.reason ?? 'unknown' }, 503);
    }),
  ]);
}
