/**
 * Registers one path with its handlers per method and a catch-all that answers any other method with 405
 * `method_not_allowed` and an `Allow` header, so a wrong method on a known path is never taken for an unknown path.
 */
import type { Handler } from 'hono';
import type { AppEnv, TicketdApp } from './app-env.ts';
import { errorBody } from './http-error.ts';

export type RouteMethod = 'GET' | 'POST' | 'PUT';

/**
 * @example
 * route(app, '/v1/customers/:id', { GET: getCustomer, PUT: putCustomer });
 * route(app, '/v1/customers/:id/events', { GET: openStream }, { head: false });
 */
export function route(
  app: TicketdApp,
  path: string,
  handlers: Partial<Record<RouteMethod, Handler<AppEnv>>>,
  options: { head: boolean } = { head: true },
): void {
  const methods = Object.keys(handlers) as RouteMethod[];
  for (const method of methods) app.on(method, path, handlers[method] as Handler<AppEnv>);
  // hono answers HEAD with the GET handler, so HEAD is allowed wherever GET is, unless the GET handler refuses it.
  const allow = (options.head && methods.includes('GET') ? [...methods, 'HEAD'] : methods).join(', ');
  app.all(path, (c) => {
    c.header('Allow', allow);
    return c.json(errorBody('method_not_allowed', `${c.req.method} is not allowed here; allowed: ${allow}`), 405);
  });
}
