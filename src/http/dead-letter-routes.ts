/**
 * Dead letters: taps that were rejected or failed, listed newest first (optionally by reason), read one by one, and
 * replayed through the pipeline. Admins only. Declared and validated in api/tap-api.ts.
 */
import { staff } from './access.ts';
import { getDeadLetterRoute, listDeadLettersRoute, replayDeadLetterRoute } from './api/tap-api.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { boundedWait } from './bounded-wait.ts';
import { HttpError } from './http-error.ts';
import { operation, route } from './route-table.ts';

/**
 * @example
 * addDeadLetterRoutes(app, deps);
 * // POST /v1/dead-letters/7/replay → 200 { tapId, status: 'issued', ticket }
 */
export function addDeadLetterRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine, clock, waitTimeoutMs } = deps;

  route(app, [
    operation(listDeadLettersRoute, staff, (c) => {
      const { reason, limit, cursor } = c.req.valid('query');
      const page = engine.listDeadLetters({
        limit,
        ...(reason !== undefined && { reason }),
        ...(cursor !== undefined && { cursor }),
      });
      return c.json({ deadLetters: page.deadLetters, nextCursor: page.nextCursor ?? null }, 200);
    }),
  ]);

  route(app, [
    operation(getDeadLetterRoute, staff, (c) => {
      const { id } = c.req.valid('param');
      const deadLetter = engine.getDeadLetter(id);
      if (deadLetter === undefined) throw new HttpError(404, 'unknown_dead_letter', `no dead letter ${id}`);
      return c.json(deadLetter, 200);
    }),
  ]);

  route(app, [
    operation(replayDeadLetterRoute, staff, async (c) => {
      const state = await boundedWait(engine.replayDeadLetter(c.req.valid('param').id), clock, waitTimeoutMs);
      return c.json(state, 200);
    }),
  ]);
}
