/**
 * Dead letters: taps that were rejected or failed, listed newest first (optionally by reason), read one by one, and
 * replayed through the pipeline. Admins only.
 */
import { adminOnly } from './access.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { boundedWait } from './bounded-wait.ts';
import { HttpError } from './http-error.ts';
import { deadLetterId, pageCursor, pageLimit, reasonFilter } from './request-input.ts';
import { route } from './route-table.ts';

/**
 * @example
 * addDeadLetterRoutes(app, deps);
 * // POST /v1/dead-letters/7/replay → 200 { tapId, status: 'issued', ticket }
 */
export function addDeadLetterRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine, clock, waitTimeoutMs } = deps;

  route(app, '/v1/dead-letters', {
    GET: {
      allow: adminOnly,
      handle: (c) => {
        const reason = reasonFilter(c.req.query('reason'));
        const limit = pageLimit(c.req.query('limit'));
        const cursor = pageCursor(c.req.query('cursor'));
        const page = engine.listDeadLetters({
          limit,
          ...(reason !== undefined && { reason }),
          ...(cursor !== undefined && { cursor }),
        });
        return c.json({ deadLetters: page.deadLetters, nextCursor: page.nextCursor ?? null }, 200);
      },
    },
  });

  route(app, '/v1/dead-letters/:id', {
    GET: {
      allow: adminOnly,
      handle: (c) => {
        const id = deadLetterId(c.req.param('id'));
        const deadLetter = engine.getDeadLetter(id);
        if (deadLetter === undefined) throw new HttpError(404, 'unknown_dead_letter', `no dead letter ${id}`);
        return c.json(deadLetter, 200);
      },
    },
  });

  route(app, '/v1/dead-letters/:id/replay', {
    POST: {
      allow: adminOnly,
      handle: async (c) => {
        const id = deadLetterId(c.req.param('id'));
        return c.json(await boundedWait(engine.replayDeadLetter(id), clock, waitTimeoutMs), 200);
      },
    },
  });
}
