/**
 * `POST /v1/taps` (one tap or a batch of 1–1000; 200 with each tap's outcome once decided and committed) and
 * `GET /v1/taps/:tapId`. A machine token sends only its own machine's taps: a batch naming another machine is
 * refused whole (403) before anything is decided. A customer token reads only its own taps: another customer's tap
 * is answered as a tap that does not exist, so a token cannot probe which tap ids are taken. Declared in
 * api/tap-api.ts; the body is read by the hand-written parser of domain/tap-input.ts (see route-table.ts).
 */
import { parseTapsBody } from '../domain/tap-input.ts';
import { forbidden, principalOf, tapReaders, tapSenders } from './access.ts';
import { getTapRoute, postTapsRoute } from './api/tap-api.ts';
import type { RouteDeps, TicketdApp } from './app-env.ts';
import { boundedWait } from './bounded-wait.ts';
import { HttpError } from './http-error.ts';
import { handParsedOperation, operation, route } from './route-table.ts';

/**
 * @example
 * addTapRoutes(app, deps);
 * // POST /v1/taps [{ tapId, customerId, rideId, machineId, tappedAt }]
 * //   → 200 { taps: [{ tapId, status: 'issued', ticketId, price, balanceAfter }] }
 */
export function addTapRoutes(app: TicketdApp, deps: RouteDeps): void {
  const { engine, clock, waitTimeoutMs } = deps;

  route(app, [
    handParsedOperation(postTapsRoute, tapSenders, async (c) => {
      const parsed = parseTapsBody(c.get('jsonBody'));
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
    }),
  ]);

  route(app, [
    operation(getTapRoute, tapReaders, (c) => {
      const { tapId } = c.req.valid('param');
      const state = engine.tapState(tapId);
      const principal = principalOf(c);
      const hidden = principal.role === 'customer' && engine.tapCustomer(tapId) !== principal.customerId;
      if (state === undefined || hidden) throw new HttpError(404, 'unknown_tap', `no tap '${tapId}'`);
      return c.json(state, 200);
    }),
  ]);
}
