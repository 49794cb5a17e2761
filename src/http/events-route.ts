/**
 * `GET /v1/customers/:id/events`: the customer's notifications as Server-Sent Events, resumable with the
 * `Last-Event-ID` header or `?lastEventId=`. Every check (token, id, resume point, known customer, first outbox
 * read) happens before the stream starts, so a bad request still gets a JSON error. A customer token follows only
 * its own stream. Declared and validated in api/customer-api.ts.
 */
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { ownCustomer, principalOf } from './access.ts';
import { eventsRoute } from './api/customer-api.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { streamCorsHeaders } from './cors-policy.ts';
import { knownCustomer } from './customer-routes.ts';
import { HttpError } from './http-error.ts';
import { operation, route } from './route-table.ts';

/**
 * @example
 * addEventsRoute(app, deps);
 * // GET /v1/customers/c-1/events  (Last-Event-ID: 41) → text/event-stream, ids 42, 43, …
 */
export function addEventsRoute(app: TicketdApp, deps: RouteDeps): void {
  const { engine, hub, corsOrigins } = deps;
  route(app, [
    operation(eventsRoute, ownCustomer('id'), async (c) => {
      // hono runs GET handlers for HEAD too; a HEAD must not open a stream that can never carry a body.
      if (c.req.method !== 'GET') {
        throw new HttpError(405, 'method_not_allowed', `${c.req.method} is not allowed here; allowed: GET`, {
          Allow: 'GET',
        });
      }
      const { id } = c.req.valid('param');
      // The header wins: it is what a browser's EventSource sends when it reconnects.
      const afterId = c.req.valid('header')['last-event-id'] ?? c.req.valid('query').lastEventId;
      knownCustomer(engine, id);
      const outgoing = c.env?.outgoing;
      if (outgoing === undefined) {
        throw new HttpError(500, 'sse_unavailable', 'event streams need the Node server (@hono/node-server)');
      }
      // Never through c.res: touching hono's response would make it copy the marker returned below.
      for (const [name, value] of Object.entries(streamCorsHeaders(corsOrigins, c.req.header('origin')))) {
        outgoing.setHeader(name, value);
      }
      // On a node of several the customer's events are its owner's: asked through the broker (shard-streams.ts).
      if (deps.shardStreams !== undefined) await deps.shardStreams.connect(id, afterId, outgoing, principalOf(c).tokenId);
      else hub.connect(id, afterId, outgoing, principalOf(c).tokenId);
      // The response is written straight to the Node socket; this marker tells @hono/node-server to leave it be.
      return RESPONSE_ALREADY_SENT;
    }),
  ], { head: false });
}

