/**
 * The shows catalogue: admins create or replace shows; any token reads one (with what is left of each category
 * and the seat maps) or searches them. Drafts are for admins' eyes only. Declared and validated in
 * api/show-api.ts.
 */
import { parseTappedAt } from '../domain/rfc3339.ts';
import type { Show } from '../domain/show.ts';
import type { EngineApi } from '../pipeline/engine-api.ts';
import { isStaff, principalOf, staff, type Guard } from './access.ts';
import { getShowRoute, putShowRoute, searchShowsRoute } from './api/show-api.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { HttpError } from './http-error.ts';
import { operation, route } from './route-table.ts';

/** Every authenticated caller. */
const anyToken: Guard = () => true;

/**
 * @example
 * addShowRoutes(app, deps);
 * // PUT /v1/shows/winter-gala { name, venue, location, startsAt, categories } → 201 show (200 when it existed)
 */
export function addShowRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine } = deps;

  route(app, [
    operation(searchShowsRoute, anyToken, async (c) => {
      const { q, from, to, available, limit, cursor } = c.req.valid('query');
      const page = engine.searchShows({
        limit, includeDrafts: isStaff(principalOf(c)), onSaleOnly: available === 'true',
        ...(q !== undefined && { q }), ...(from !== undefined && { fromMs: from }), ...(to !== undefined && { toMs: to }),
        ...(cursor !== undefined && { cursor }),
      });
      const answered = await Promise.all(page.shows.map((show) => withAvailability(engine, show, false, deps.clock.now())));
      // On sale means places left: a sold-out or ended show leaves this page (the cursor still goes on from it).
      const shows = available === 'true' ? answered.filter((show) => show.status === 'on_sale') : answered;
      return c.json({ shows, nextCursor: page.nextCursor ?? null }, 200);
    }),
  ]);

  route(app, [
    operation(getShowRoute, anyToken, async (c) => {
      const { id } = c.req.valid('param');
      const show = engine.getShow(id);
      if (show === undefined || (show.status === 'draft' && !isStaff(principalOf(c)))) {
        throw new HttpError(404, 'unknown_show', `no show '${id}'`);
      }
      return c.json(await withAvailability(engine, show, true, deps.clock.now()), 200);
    }),
    operation(putShowRoute, staff, async (c) => {
      const { show, created } = await engine.putShow(c.req.valid('param').id, c.req.valid('json'));
      const answer = await withAvailability(engine, show, true, deps.clock.now());
      return created ? c.json(answer, 201) : c.json(answer, 200);
    }),
  ]);
}

/**
 * The show as answered: each category with its live counts from the show's inventory actor (`available`, `held`,
 * `sold`) and, with `seatMaps`, the seat map of a seated one (which seats are held or sold). The status says what
 * the stored one cannot know: an on-sale show with no place left is `sold_out` (until places come back), and one
 * whose end (else start) has passed is `ended`.
 */
async function withAvailability(engine: EngineApi, show: Show, seatMaps: boolean, nowMs: number) {
  const snapshot = await engine.boxOffice.snapshot(show.id);
  const left = snapshot?.available.reduce((sum, a) => sum + a.available, 0);
  const over = nowMs >= parseTappedAt(show.endsAt ?? show.startsAt);
  const status = show.status === 'on_sale' && over ? 'ended' : show.status === 'on_sale' && left === 0 ? 'sold_out' : show.status;
  return {
    ...show,
    status,
    categories: show.categories.map((category) => {
      const counts = snapshot?.available.find((a) => a.categoryId === category.id);
      const taken = snapshot?.seatMaps[category.id];
      return {
        ...category,
        available: counts?.available ?? category.capacity,
        held: counts?.held ?? 0,
        sold: counts?.sold ?? 0,
        ...(seatMaps && category.rows !== undefined && {
          seatMap: taken ?? { rows: category.rows.map((r) => ({ row: r.row, seats: r.seats, taken: [] as number[] })) },
        }),
      };
    }),
  };
}
