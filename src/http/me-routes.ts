/**
 * The caller's own routes (declared in api/me-api.ts): `GET /v1/me`, a customer's own top-ups by card
 * (payments/card-top-ups.ts), and a customer token's inbox. The inbox is the
 * customer's event log read newest first (store/inbox.ts), so it holds exactly what the SSE stream sent.
 */
import type { Context } from 'hono';
import { StoreError } from '../store/store-error.ts';
import { principalOf, type Guard } from './access.ts';
import { PaymentError } from '../payments/payment-error.ts';
import type { CardTopUps } from '../payments/card-top-ups.ts';
import { inboxRoute, markReadRoute, meRoute, myTopUpRoute, myTopUpStatusRoute } from './api/me-api.ts';
import type { AppEnv, RouteDeps, TicketdApp } from './app-env.ts';
import { boundedWait } from './bounded-wait.ts';
import { HttpError } from './http-error.ts';
import { operation, route } from './route-table.ts';

const anyToken: Guard = () => true;
const customers: Guard = (p) => p.role === 'customer';

/** The customer of a customer token (the guard admitted only those). */
function customerOf(c: Context<AppEnv>): string {
  const p = principalOf(c);
  if (p.role !== 'customer') throw new HttpError(403, 'forbidden', 'only a customer token has an inbox');
  return p.customerId;
}

function cardTopUpsOf(deps: RouteDeps): CardTopUps {
  if (deps.cardTopUps === undefined) throw new HttpError(503, 'payments_unavailable', 'card payments are not set up on this server');
  return deps.cardTopUps;
}

/** Runs a card top-up step, answering the store's and the provider's refusals in HTTP terms. */
async function cardTopUp<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof StoreError && error.code === 'ERR_TOPUP_CONFLICT') throw new HttpError(409, 'topup_conflict', error.message);
    if (error instanceof PaymentError && error.code === 'ERR_PROVIDER_BUSY') {
      throw new HttpError(503, 'payments_busy', 'the card provider is busy; try again', { 'Retry-After': '1' });
    }
    if (error instanceof PaymentError) throw new HttpError(502, 'provider_refused', `the card provider refused: ${error.message}`);
    throw error;
  }
}

/**
 * @example
 * addMeRoutes(app, deps);
 * // GET /v1/me/notifications?unread=true → { notifications, nextCursor, unreadCount, readUpTo }
 */
export function addMeRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine } = deps;
  route(app, [
    operation(meRoute, anyToken, async (c) => {
      const p = principalOf(c);
      const customer = p.role === 'customer' ? await boundedWait(deps.customerReads.customer(p.customerId), deps.clock, deps.waitTimeoutMs) : undefined;
      const user = p.userId === undefined ? undefined : deps.accounts?.find(p.userId);
      return c.json({
        tokenId: p.tokenId, role: p.role,
        ...(p.role === 'customer' && { customerId: p.customerId }), ...(p.role === 'machine' && { machineId: p.machineId }),
        ...(p.expiresAtMs !== undefined && { expiresAt: new Date(p.expiresAtMs).toISOString() }),
        ...(user !== undefined && { user }), ...(customer !== undefined && { customer }),
      }, 200);
    }),
  ]);
  route(app, [
    operation(inboxRoute, customers, (c) => {
      const { unread, limit, cursor } = c.req.valid('query');
      const page = engine.inbox.page(customerOf(c), { limit, unreadOnly: unread === 'true', ...(cursor !== undefined && { cursor }) });
      return c.json({ ...page, nextCursor: page.nextCursor ?? null }, 200);
    }),
  ]);
  route(app, [
    operation(myTopUpRoute, customers, async (c) => {
      const { topUpId, amount } = c.req.valid('json');
      const { topUp, created } = await cardTopUp(() => cardTopUpsOf(deps).begin(customerOf(c), topUpId, amount));
      return created ? c.json({ topUp }, 202) : c.json({ topUp }, 200);
    }),
  ]);
  route(app, [
    operation(myTopUpStatusRoute, customers, (c) => {
      const { id } = c.req.valid('param');
      const topUp = cardTopUpsOf(deps).get(customerOf(c), id);
      if (topUp === undefined) throw new HttpError(404, 'unknown_top_up', `no card top-up '${id}' of yours`);
      return c.json({ topUp }, 200);
    }),
  ]);
  route(app, [
    operation(markReadRoute, customers, (c) => {
      try {
        return c.json(engine.inbox.markRead(customerOf(c), c.req.valid('json').upTo), 200);
      } catch (error) {
        if (error instanceof StoreError && error.code === 'ERR_INVALID_ARGUMENT') throw new HttpError(400, 'invalid_field', `upTo: ${error.message}`);
        throw error;
      }
    }),
  ]);
}
