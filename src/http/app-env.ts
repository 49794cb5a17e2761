/**
 * What every route module gets: hono's environment type (the raw Node request and response, present under
 * @hono/node-server and absent under `app.request()`, and the caller once authenticated) and the dependencies the
 * routes call.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { HttpBindings } from '@hono/node-server';
import type { Accounts } from '../accounts/accounts.ts';
import type { CardTopUps } from '../payments/card-top-ups.ts';
import type { TokenAdmin } from '../auth/token-authenticator.ts';
import type { Principal } from '../domain/principal.ts';
import type { Clock } from '../platform/clock.ts';
import type { Customer } from '../domain/types.ts';
import type { EngineApi } from '../pipeline/engine-api.ts';
import type { TicketPage } from '../store/store-types.ts';
import type { FeedHub } from './feed-hub.ts';
import type { ShardStreams } from './shard-streams.ts';
import type { SseHub } from './sse-hub.ts';

/**
 * Under `app.request()` there is no Node response, so the bindings are optional. `principal` is set by the auth
 * middleware on every route but the public ones (see auth-middleware.ts); `jsonBody` by the body reader of the
 * routes that take one (see request-input.ts).
 */
export type AppEnv = {
  Bindings: Partial<HttpBindings>;
  /** `byCookie`: the caller was authenticated by the session cookie, not an Authorization header. */
  Variables: { principal: Principal; jsonBody: unknown; byCookie: boolean };
};

/** The hono app `createApp` builds: its routes are declared with @hono/zod-openapi (see route-table.ts). */
export type TicketdApp = OpenAPIHono<AppEnv>;

export interface RouteDeps {
  engine: EngineApi;
  clock: Clock;
  /** Longest a request waits for an engine promise (see bounded-wait.ts). */
  waitTimeoutMs: number;
  hub: SseHub;
  /** The domain event feed's live streams (feed-hub.ts). */
  feed: FeedHub;
  tokens: TokenAdmin;
  /** `--cors-origin`: the event stream sets its CORS headers itself (see cors-policy.ts). */
  corsOrigins: readonly string[];
  /** User accounts and sessions; absent, the user and session routes answer 503 `accounts_unavailable`. */
  accounts?: Accounts;
  /** `--allow-signup`: anyone may create a `user` account for themselves. */
  allowSignup: boolean;
  /** Customers' own top-ups by card; absent, `POST /v1/me/top-ups` answers 503 `payments_unavailable`. */
  cardTopUps?: CardTopUps;
  /** Where a customer and its tickets are read: this node's engine, or among several nodes the customer's owner. */
  customerReads: CustomerReads;
  /**
   * On a node of several (issue 12): customers' streams served from the node owning each customer, through the
   * broker, instead of this node's own log (shard-streams.ts).
   */
  shardStreams?: ShardStreams;
  /** The optional parts beside the engine and their state, for `/ready` (RabbitMQ: `{ amqp: 'connected' }`). */
  components?: () => Record<string, 'connected' | 'connecting' | 'down'>;
}

/**
 * A customer and its tickets as the routes read them. On one node these are the engine's own reads; among several
 * (issue 12), the node owning the customer answers them through the broker, since its wallet is the one the taps
 * charge and its tickets the ones issued.
 */
export interface CustomerReads {
  customer(id: string): Promise<Customer | undefined>;
  tickets(customerId: string, limit: number, cursor?: string): Promise<TicketPage>;
}

/**
 * The reads of one node: its engine's.
 *
 * @example
 * const reads = engineReads(engine); await reads.customer('customer-1');
 */
export function engineReads(engine: Pick<EngineApi, 'getCustomer' | 'listTickets'>): CustomerReads {
  return {
    customer: async (id) => engine.getCustomer(id),
    tickets: async (customerId, limit, cursor) => engine.listTickets(customerId, limit, cursor),
  };
}
