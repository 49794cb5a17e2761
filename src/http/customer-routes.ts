/**
 * Customers: read and upsert, wallet top-ups, and the customer's tickets, newest first, page by page. A customer
 * token reads its own customer and tickets; changing customers and wallets takes an admin.
 */
import { parseCustomerBody, parseTopUpBody } from '../domain/tap-input.ts';
import type { Customer } from '../domain/types.ts';
import type { EngineApi } from '../pipeline/engine-api.ts';
import { adminOnly, ownCustomer } from './access.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { boundedWait } from './bounded-wait.ts';
import { HttpError } from './http-error.ts';
import { pageCursor, pageLimit, pathId, readJsonBody } from './request-input.ts';
import { route } from './route-table.ts';

/**
 * @example
 * addCustomerRoutes(app, deps);
 * // PUT /v1/customers/c-1 { name, tier, balance } → 201 customer (200 when it existed)
 */
export function addCustomerRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine, clock, waitTimeoutMs } = deps;

  route(app, '/v1/customers/:id', {
    GET: { allow: ownCustomer('id'), handle: (c) => c.json(knownCustomer(engine, pathId(c.req.param('id'), 'id')), 200) },
    PUT: {
      allow: adminOnly,
      handle: async (c) => {
        const id = pathId(c.req.param('id'), 'id');
        const parsed = parseCustomerBody(await readJsonBody(c));
        if (!parsed.ok) throw parsed.error;
        const { customer, created } = await boundedWait(engine.putCustomer(id, parsed.value), clock, waitTimeoutMs);
        return c.json(customer, created ? 201 : 200);
      },
    },
  });

  route(app, '/v1/customers/:id/top-ups', {
    POST: {
      allow: adminOnly,
      handle: async (c) => {
        const id = pathId(c.req.param('id'), 'id');
        const parsed = parseTopUpBody(await readJsonBody(c));
        if (!parsed.ok) throw parsed.error;
        const { topUpId, amount } = parsed.value;
        const result = await boundedWait(engine.topUp(id, topUpId, amount), clock, waitTimeoutMs);
        return c.json({ status: result.status, customer: result.customer }, 200);
      },
    },
  });

  route(app, '/v1/customers/:id/tickets', {
    GET: {
      allow: ownCustomer('id'),
      handle: (c) => {
        const id = pathId(c.req.param('id'), 'id');
        const limit = pageLimit(c.req.query('limit'));
        const cursor = pageCursor(c.req.query('cursor'));
        knownCustomer(engine, id);
        const page = engine.listTickets(id, limit, cursor);
        return c.json({ tickets: page.tickets, nextCursor: page.nextCursor ?? null }, 200);
      },
    },
  });
}

/**
 * The customer, or a 404 `unknown_customer`.
 *
 * @example
 * const customer = knownCustomer(engine, 'c-1');
 */
export function knownCustomer(engine: EngineApi, id: string): Customer {
  const customer = engine.getCustomer(id);
  if (customer === undefined) throw new HttpError(404, 'unknown_customer', `no customer '${id}'`);
  return customer;
}
