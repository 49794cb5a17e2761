/**
 * `GET /health` (the process answers) and `GET /ready` (the engine takes taps: 200, else 503 with the reason).
 * Both are public: health checks carry no token.
 */
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { route } from './route-table.ts';

/**
 * @example
 * addHealthRoutes(app, deps);
 * // GET /ready → 503 { ready: false, reason: 'starting' }
 */
export function addHealthRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine } = deps;
  route(app, '/health', { GET: { allow: 'public', handle: (c) => c.json({ status: 'ok' }, 200) } });
  route(app, '/ready', {
    GET: {
      allow: 'public',
      handle: (c) => {
        const state = engine.readiness();
        if (state.ready) return c.json({ ready: true }, 200);
        return c.json({ ready: false, reason: state.reason ?? 'unknown' }, 503);
      },
    },
  });
}
