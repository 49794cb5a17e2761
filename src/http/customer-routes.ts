/**
 * Customers: read, create or replace (PUT), change (PATCH), wallet top-ups, and the customer's tickets, newest
 * first, page by page. A customer token reads its own customer and tickets; changing customers and wallets takes
 * an admin. The requests are declared and validated in api/customer-api.ts.
 */
import type { Context } from 'hono';
import type { Customer } from '../domain/types.ts';
import type { EngineApi } from '../pipeline/engine-api.ts';
import { staff, ownCustomer } from './access.ts';
import { requestIdOf } from './access-log.ts';
import {
  getCustomerRoute, patchCustomerRoute, putCustomerRoute, ticketsRoute, topUpRoute,
} from './api/customer-api.ts';
import type { AppEnv, RouteDeps, TicketdApp } from './app-env.ts';
import { boundedWait } from './bounded-wait.ts';
import { HttpError } from './http-error.ts';
import { operation, route } from './route-table.ts';

/**
 * @example
 * addCustomerRoutes(app, deps);
 * // PUT /v1/customers/c-1 { name, tier, balance } → 201 customer (200 when it existed, without balance)
 */
export function addCustomerRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine, clock, waitTimeoutMs } = deps;

  route(app, [
    operation(getCustomerRoute, ownCustomer('id'), async (c) => c.json(await readCustomer(deps, c.req.valid('param').id), 200)),
    operation(putCustomerRoute, staff, async (c) => {
      const put = engine.putCustomer(c.req.valid('param').id, c.req.valid('json'));
      const { customer, created } = await boundedWait(put, clock, waitTimeoutMs);
      return created ? c.json(customer, 201) : c.json(customer, 200);
    }),
    operation(patchCustomerRoute, staff, async (c) => {
      const patch = engine.patchCustomer(c.req.valid('param').id, c.req.valid('json'));
      return c.json(await boundedWait(patch, clock, waitTimeoutMs), 200);
    }),
  ]);

  route(app, [
    operation(topUpRoute, staff, async (c) => {
      const { status, answer } = await topUp(c, deps, c.req.valid('param').id, c.req.valid('json'));
      return c.json(answer, status);
    }),
  ]);

  route(app, [
    operation(ticketsRoute, ownCustomer('id'), async (c) => {
      const { id } = c.req.valid('param');
      const { limit, cursor } = c.req.valid('query');
      await readCustomer(deps, id);
      const page = await boundedWait(deps.customerReads.tickets(id, limit, cursor), clock, waitTimeoutMs);
      return c.json({ tickets: page.tickets, nextCursor: page.nextCursor ?? null }, 200);
    }),
  ]);
}

/**
 * The customer as its reads answer it (its owner's, among several nodes), or a 404 `unknown_customer`.
 *
 * @example
 * const customer = await readCustomer(deps, 'c-1');
 */
export async function readCustomer(deps: RouteDeps, id: string): Promise<Customer> {
  const customer = await boundedWait(deps.customerReads.customer(id), deps.clock, deps.waitTimeoutMs);
  if (customer === undefined) throw new HttpError(404, 'unknown_customer', `no customer '${id}'`);
  return customer;
}

/**
 * The customer this node knows, or a 404 `unknown_customer`: enough where only its existence matters (customers are
 * made on every node).
 *
 * @example
 * const customer = knownCustomer(engine, 'c-1');
 */
export function knownCustomer(engine: EngineApi, id: string): Customer {
  const customer = engine.getCustomer(id);
  if (customer === undefined) throw new HttpError(404, 'unknown_customer', `no customer '${id}'`);
  return customer;
}

/**
 * Applies a top-up at the desk (staff; a customer's own goes by card, me-routes.ts): a new top-up is a new record of
 * the ledger (201); the same topUpId again points at the one made before (200).
 */
async function topUp(
  c: Context<AppEnv>, deps: RouteDeps, customerId: string, body: { topUpId: string; amount: number },
): Promise<{ status: 200 | 201; answer: { status: 'applied' | 'duplicate'; customer: Customer } }> {
  const applying = deps.engine.topUp(customerId, body.topUpId, body.amount, { requestId: requestIdOf(c) });
  const result = await boundedWait(applying, deps.clock, deps.waitTimeoutMs);
  return { status: result.status === 'applied' ? 201 : 200, answer: { status: result.status, customer: result.customer } };
}
