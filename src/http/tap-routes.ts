/**
 * `POST /v1/taps` (one tap or a batch of 1–1000; 200 with each tap's outcome once decided and committed) and
 * `GET /v1/taps/:tapId`. A machine token sends only its own machine's taps: a batch naming another machine is
 * refused whole (403) before anything is decided. A customer token reads only its own taps.
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
 * // POST /v1/taps [{ tapId, customerId, rideId, machineId, tappedAt }]
 * //   → 200 { taps: [{ tapId, status: 'issued', ticketId, price, balanceAfter }] }
 */
export function addTapRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine, clock, waitTimeoutMs } = deps;

  route(app, '/v1/taps', {
    POST: {
      allow: tapSenders,
      handle: async (c) => {
        // `?wait=true` was how a client asked for outcomes; every answer carries them now. Still checked, so a
        // malformed value is a 400 as before.
        waitFlag(c.req.query('wait'));
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
        const taps = await boundedWait(engine.submitTaps(parsed.taps), clock, waitTimeoutMs);
        return c.json({ taps }, 200);
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
