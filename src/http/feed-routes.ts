/**
 * `GET /v1/events`, the domain event feed, for admins (declared in api/feed-api.ts): a page as JSON, or with
 * `Accept: text/event-stream` the feed followed live (feed-hub.ts) from `?after=` or `Last-Event-ID`. Every check
 * (token, query, resume point, the first page) happens before a stream starts, so a bad request still gets a JSON
 * error.
 */
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { adminOnly, principalOf } from './access.ts';
import { feedRoute } from './api/feed-api.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { streamCorsHeaders } from './cors-policy.ts';
import { HttpError } from './http-error.ts';
import { operation, route } from './route-table.ts';

/**
 * @example
 * addFeedRoutes(app, deps);
 * // GET /v1/events?after=41&type=booking.held  → { events: [...], nextCursor: '57' }
 * // GET /v1/events  (Accept: text/event-stream, Last-Event-ID: 41) → ids 42, 43, … live
 */
export function addFeedRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine, feed, corsOrigins } = deps;
  route(app, [
    operation(feedRoute, adminOnly, (c) => {
      const { after, limit, type, aggregateType } = c.req.valid('query');
      const filter = { ...(type !== undefined && { types: type }), ...(aggregateType !== undefined && { aggregateType }) };
      // A HEAD never opens a stream: it is answered as the page's GET would be.
      if (c.req.method !== 'GET' || !(c.req.header('accept') ?? '').includes('text/event-stream')) {
        return c.json(engine.feed({ after: after ?? 0, ...(limit !== undefined && { limit }), ...filter }), 200);
      }
      const outgoing = c.env?.outgoing;
      if (outgoing === undefined) throw new HttpError(500, 'sse_unavailable', 'event streams need the Node server (@hono/node-server)');
      // The header wins: it is what a browser's EventSource sends when it reconnects.
      const from = c.req.valid('header')['last-event-id'] ?? after ?? 0;
      for (const [name, value] of Object.entries(streamCorsHeaders(corsOrigins, c.req.header('origin')))) outgoing.setHeader(name, value);
      feed.connect({ after: from, ...filter }, outgoing, principalOf(c).tokenId);
      // Written straight to the Node socket; this marker tells @hono/node-server to leave the response be.
      return RESPONSE_ALREADY_SENT;
    }),
  ]);
}
