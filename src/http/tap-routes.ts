/**
 * `POST /v1/taps` (one tap or a batch of 1–1000; 202 once committed, or 200 with outcomes under `?wait=true`) and
 * `GET /v1/taps/:tapId`. A machine token sends only its own machine's taps: a batch naming another machine is
 * refused whole (403) before anything is journaled. A customer token reads only its own taps.
 */
import { parseTapsBody } from '../domain/tap-input.ts';
import { forbidden, principalOf, tapReaders, tapSenders } from './access.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { boundedWait } from './bounded-wait.ts';
import { HttpError } from './http-error.ts';
import { pathId, readJsonBody, waitFlag } from './request-input.ts';
import { route } from './route-table.ts';

/**
 * @example
 * addTapRoutes(app, deps);
 * // POST /v1/taps [{ tapId, customerId, rideId, machineId, tappedAt }] → 202 { taps: [{ tapId, status }] }
 */
export function addTapRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine, clock, waitTimeoutMs } = deps;

  route(app, '/v1/taps', {
    POST: {
      allow: tapSenders,
      handle: async (c) => {
        const wait = waitFlag(c.req.query('wait'));
        const parsed = parseTapsBody(await readJsonBody(c));
        if (!parsed.ok) throw parsed.error;
        const principal = principalOf(c);
        if (principal.role === 'machine') {
          const index = parsed.taps.findIndex((tap) => tap.machineId !== principal.machineId);
          if (index >= 0) {
            const where = parsed.single ? 'the tap' : `taps[${index}]`;
            throw forbidden(`${where} names another machine; this token sends taps of '${principal.machineId}' only`);
          }
        }
        const result = await boundedWait(engine.submitTaps(parsed.taps, { wait }), clock, waitTimeoutMs);
        if (wait) return c.json({ taps: result.taps, outcomes: result.outcomes ?? [] }, 200);
        return c.json({ taps: result.taps }, 202);
      },
    },
  });

  route(app, '/v1/taps/:tapId', {
    GET: {
      allow: tapReaders,
      handle: (c) => {
        const tapId = pathId(c.req.param('tapId'), 'tapId');
        const state = engine.tapState(tapId);
        if (state === undefined) throw new HttpError(404, 'unknown_tap', `no tap '${tapId}'`);
        const principal = principalOf(c);
        if (principal.role === 'customer' && engine.tapCustomer(tapId) !== principal.customerId) {
          throw forbidden(`tap '${tapId}' is not one of this customer's`);
        }
        return c.json(state, 200);
      },
    },
  });
}
