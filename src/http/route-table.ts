/**
 * Registers one path with its handlers per method, each with the access rule it needs (see access.ts), and a
 * catch-all that answers any other method with 405 `method_not_allowed` and an `Allow` header, so a wrong method
 * on a known path is never taken for an unknown path.
 */
import type { Handler } from 'hono';
import { authorize, type Access } from './access.ts';
import type { AppEnv, TicketdApp } from './app-env.ts';
import { errorBody } from './http-error.ts';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One method of a route: who may call it, and the handler. */
export interface GuardedHandler {
  allow: Access;
  handle: Handler<AppEnv>;
}

/**
 * @example
 * route(app, '/v1/customers/:id', {
 *   GET: { allow: ownCustomer('id'), handle: getCustomer },
 *   PUT: { allow: adminOnly, handle: putCustomer },
 * });
 * route(app, '/v1/customers/:id/events', { GET: { allow: ownCustomer('id'), handle: openStream } }, { head: false });
 */
export function route(
  app: TicketdApp,
  path: string,
  handlers: Partial<Record<RouteMethod, GuardedHandler>>,
  options: { head: boolean } = { head: true },
): void {
  const methods = Object.keys(handlers) as RouteMethod[];
  for (const method of methods) {
    const { allow, handle } = handlers[method] as GuardedHandler;
    app.on(method, path, (c, next) => {
      authorize(c, allow);
      return handle(c, next);
    });
  }
  // hono answers HEAD with the GET handler, so HEAD is allowed wherever GET is, unless the GET handler refuses it.
  const allow = (options.head && methods.includes('GET') ? [...methods, 'HEAD'] : methods).join(', ');
  app.all(path, (c) => {
    c.header('Allow', allow);
    return c.json(errorBody('method_not_allowed', `${c.req.method} is not allowed here; allowed: ${allow}`), 405);
  });
}
