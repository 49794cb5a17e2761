/**
 * Registers the operations of one path, each declared once as an OpenAPI route (src/http/api/): the declaration
 * validates the request (zod, through @hono/zod-openapi), documents it in `/openapi.json`, and names who may call
 * (see access.ts) before anything is read. A catch-all after them answers any other method with 405
 * `method_not_allowed` and an `Allow` header, so a wrong method on a known path is never taken for an unknown path.
 */
import type { RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { Handler, MiddlewareHandler } from 'hono';
import { authorize, type Access } from './access.ts';
import type { AppEnv, TicketdApp } from './app-env.ts';
import { errorBody } from './http-error.ts';
import { jsonBody } from './request-input.ts';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One method of a path, ready to register. */
export interface Operation {
  method: RouteMethod;
  /** The OpenAPI path, `/v1/customers/{id}`. */
  path: string;
  register(app: TicketdApp): void;
}

/**
 * An operation validated by its declaration: params, query, headers and JSON body, with the app's `defaultHook`
 * turning a failure into a 400.
 *
 * @example
 * operation(getCustomerRoute, ownCustomer('id'), (c) => c.json(knownCustomer(engine, c.req.valid('param').id), 200));
 */
export function operation<R extends RouteConfig>(spec: R, allow: Access, handle: RouteHandler<R, AppEnv>): Operation {
  const middleware = [guard(allow), ...(spec.request?.body === undefined ? [] : [jsonBody])];
  return {
    method: spec.method.toUpperCase() as RouteMethod,
    path: spec.path,
    // The middleware goes in here rather than in the declaration, so the declarations stay plain data.
    register: (app) => app.openapi({ ...spec, middleware }, handle as never),
  };
}

/**
 * An operation that is documented by its declaration but reads its body by hand: `POST /v1/taps`, whose parser is
 * faster than the schema (bench/ingest.bench.ts) and agrees with it (test/domain/tap-schema-agreement.test.ts).
 * Its query is still validated by the declaration.
 *
 * @example
 * handParsedOperation(postTapsRoute, tapSenders, async (c) => c.json(await decide(c.get('jsonBody')), 200));
 */
export function handParsedOperation<R extends RouteConfig>(spec: R, allow: Access, handle: Handler<AppEnv>): Operation {
  const { body: _documented, ...request } = spec.request ?? {};
  return {
    method: spec.method.toUpperCase() as RouteMethod,
    path: spec.path,
    register: (app) => {
      app.openAPIRegistry.registerPath(spec);
      app.openapi({ ...spec, request, hide: true, middleware: [guard(allow), jsonBody] }, handle as never);
    },
  };
}

/**
 * Registers the operations of one path, then the 405 for every other method.
 *
 * @example
 * route(app, [operation(getCustomerRoute, …), operation(putCustomerRoute, …)]);
 * route(app, [operation(eventsRoute, …)], { head: false });
 */
export function route(app: TicketdApp, operations: readonly Operation[], options: { head: boolean } = { head: true }): void {
  const path = operations[0]?.path;
  if (path === undefined || operations.some((op) => op.path !== path)) {
    throw new Error(`route() takes the operations of one path, got ${operations.map((op) => op.path).join(', ')}`);
  }
  for (const op of operations) op.register(app);
  const methods: string[] = operations.map((op) => op.method);
  // hono answers HEAD with the GET handler, so HEAD is allowed wherever GET is, unless the GET handler refuses it.
  const allow = (options.head && methods.includes('GET') ? [...methods, 'HEAD'] : methods).join(', ');
  app.all(honoPath(path), (c) => {
    c.header('Allow', allow);
    return c.json(errorBody('method_not_allowed', `${c.req.method} is not allowed here; allowed: ${allow}`), 405);
  });
}

/** `/v1/customers/:id` from `/v1/customers/{id}`. @example honoPath('/v1/taps/{tapId}') // '/v1/taps/:tapId' */
export function honoPath(path: string): string {
  return path.replaceAll(/\{([^}]+)\}/g, ':$1');
}

/** Who may call, checked before the request is validated or its body read: a 403 never depends on the input. */
function guard(allow: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    authorize(c, allow);
    await next();
  };
}
