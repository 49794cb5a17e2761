/**
 * `GET /health` (the process answers) and `GET /ready` (the engine takes taps: 200, else 503 with the reason; either
 * way with the state of the optional parts, such as RabbitMQ, and which are degraded).
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
      const components = deps.components?.() ?? {};
      const degraded = Object.keys(components).filter((name) => components[name] !== 'connected');
      const parts = {
        ...(Object.keys(components).length > 0 && { components }), ...(degraded.length > 0 && { degraded }),
      };
      if (state.ready) return c.json({ ready: true as const, ...parts }, 200);
      return c.json({ ready: false as const, reason: state.reason ?? 'unknown', ...parts }, 503);
    }),
  ]);
}
