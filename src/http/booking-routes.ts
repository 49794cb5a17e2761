/**
 * The box office over HTTP (declared in api/booking-api.ts): bookings, payments and their webhook, the waiting
 * list, check-in. Admins may do everything; a customer token books, pays, cancels and reads for its own customer
 * only (another customer's booking or payment is 404, as if it did not exist); machines (scanners) check in.
 */
import type { Context } from 'hono';
import type { Booking, RequestContext } from '../box-office/booking-types.ts';
import { parseTappedAt } from '../domain/rfc3339.ts';
import { parseProviderEvent } from '../payments/provider.ts';
import { SIGNATURE_HEADER, type WebhookVerifier } from '../payments/webhook-signature.ts';
import { StoreError } from '../store/store-error.ts';
import { forbidden, isStaff, ownCustomer, principalOf, type Guard } from './access.ts';
import {
  cancelBookingRoute, checkInListRoute, checkInRoute, customerBookingsRoute, getBookingRoute, getPaymentRoute, joinWaitingListRoute,
  paymentWebhookRoute, payBookingRoute, postBookingRoute,
} from './api/booking-api.ts';
import { requestIdOf } from './access-log.ts';
import type { AppEnv, RouteDeps, TicketdApp } from './app-env.ts';
import { boundedWait } from './bounded-wait.ts';
import { knownCustomer } from './customer-routes.ts';
import { HttpError } from './http-error.ts';
import { handParsedOperation, operation, route } from './route-table.ts';

/** Staff and customers; a customer is held to its own customer id by the handler. */
const buyers: Guard = (p) => isStaff(p) || p.role === 'customer';
/** Staff and machines: scanners are machines. */
const scanners: Guard = (p) => isStaff(p) || p.role === 'machine';

/**
 * @example
 * addBookingRoutes(app, deps, verifier);
 * // POST /v1/bookings { customerId, showId, items, payment } → 201 booking, ETag "2"
 */
export function addBookingRoutes(app: TicketdApp, deps: RouteDeps, webhooks: WebhookVerifier | undefined): void {
  const office = deps.engine.boxOffice;
  const wait = <T>(work: Promise<T>): Promise<T> => boundedWait(work, deps.clock, deps.waitTimeoutMs);

  /** The booking if the caller may see it; 404 otherwise (another customer's booking is not told apart). */
  const visibleBooking = (c: Context<AppEnv>, id: string): Booking => {
    const booking = office.getBooking(id);
    const p = principalOf(c);
    if (booking === undefined || (p.role === 'customer' && p.customerId !== booking.customerId)) {
      throw new HttpError(404, 'unknown_booking', `no booking '${id}'`);
    }
    return booking;
  };
  /** The request a box-office call serves: its id correlates the saga it begins (the event feed). */
  const servingRequest = (c: Context<AppEnv>): RequestContext => ({ requestId: requestIdOf(c) });
  const ownOrAdmin = (c: Context<AppEnv>, customerId: string): void => {
    const p = principalOf(c);
    if (p.role === 'customer' && p.customerId !== customerId) throw forbidden(`a customer token books for its own customer (${p.customerId}) only`);
  };

  route(app, [
    operation(postBookingRoute, buyers, async (c) => {
      const request = c.req.valid('json');
      ownOrAdmin(c, request.customerId);
      const key = c.req.valid('header')['idempotency-key'];
      const { booking, replayed } = await wait(office.book(request, key, servingRequest(c)));
      if (replayed) c.header('Idempotent-Replayed', 'true');
      c.header('ETag', etag(booking));
      return c.json(booking, 201);
    }),
  ]);
  route(app, [
    operation(getBookingRoute, buyers, (c) => {
      const booking = visibleBooking(c, c.req.valid('param').id);
      c.header('ETag', etag(booking));
      return c.json(booking, 200);
    }),
  ]);
  route(app, [
    operation(payBookingRoute, buyers, async (c) => {
      const { id } = c.req.valid('param');
      visibleBooking(c, id);
      const booking = await wait(office.pay(id, c.req.valid('json').method, servingRequest(c)));
      c.header('ETag', etag(booking));
      return c.json(booking, 200);
    }),
  ]);
  route(app, [
    operation(cancelBookingRoute, buyers, async (c) => {
      const { id } = c.req.valid('param');
      visibleBooking(c, id);
      const ifMatch = c.req.valid('header')['if-match'];
      const booking = await wait(office.cancel(id, ifMatch === undefined ? undefined : Number(/[0-9]+/.exec(ifMatch)![0]), servingRequest(c)));
      c.header('ETag', etag(booking));
      return c.json(booking, 200);
    }),
  ]);
  route(app, [
    operation(customerBookingsRoute, ownCustomer('id'), (c) => {
      const { limit, cursor } = c.req.valid('query');
      const { id } = c.req.valid('param');
      knownCustomer(deps.engine, id);
      const page = office.listBookings(id, limit, cursor);
      return c.json({ bookings: page.bookings, nextCursor: page.nextCursor ?? null }, 200);
    }),
  ]);
  // Before `/v1/payments/{id}`, whose 405 for other methods would otherwise take the webhook's POST.
  route(app, [
    handParsedOperation(paymentWebhookRoute, 'public', async (c) => {
      const raw = await c.req.text();
      const verdict = webhooks?.verify(raw, c.req.header(SIGNATURE_HEADER)) ?? { ok: false as const, reason: 'bad_signature' as const };
      if (!verdict.ok) throw new HttpError(400, 'invalid_signature', `webhook refused: ${verdict.reason}`);
      const event = parseProviderEvent(raw);
      if (event === undefined) throw new HttpError(400, 'invalid_body', 'not a provider event');
      // A customer's own top-up by card, or else a booking's payment.
      if (deps.cardTopUps?.owns(event.paymentId) === true) {
        const applied = await wait(deps.cardTopUps.apply(event, servingRequest(c))).catch((error: unknown) => {
          if (error instanceof StoreError && error.code === 'ERR_UNKNOWN_TOPUP') throw new HttpError(404, 'unknown_payment', error.message);
          throw error;
        });
        return c.json(applied, 200);
      }
      return c.json(await wait(office.applyProviderEvent(event, servingRequest(c))), 200);
    }),
  ]);
  route(app, [
    operation(getPaymentRoute, buyers, (c) => {
      const { id } = c.req.valid('param');
      const payment = office.getPayment(id);
      const p = principalOf(c);
      if (payment === undefined || (p.role === 'customer' && office.getBooking(payment.bookingId)?.customerId !== p.customerId)) {
        throw new HttpError(404, 'unknown_payment', `no payment '${id}'`);
      }
      return c.json(payment, 200);
    }),
  ]);
  route(app, [
    operation(joinWaitingListRoute, buyers, async (c) => {
      const entry = c.req.valid('json');
      ownOrAdmin(c, entry.customerId);
      return c.json(await wait(office.joinWaitingList(c.req.valid('param').id, entry, servingRequest(c))), 201);
    }),
  ]);
  route(app, [
    operation(checkInRoute, scanners, async (c) => {
      const { showId, scannedAt, ...scan } = c.req.valid('json');
      const answer = await wait(office.checkIn({ ...scan, scannedAt: parseTappedAt(scannedAt) }, showId, servingRequest(c)));
      const first = answer.firstCheckIn;
      return c.json({ result: answer.result, ...(first !== undefined && { firstCheckIn: { at: new Date(first.at).toISOString(), gateId: first.gateId } }) }, 200);
    }),
  ]);
  route(app, [
    operation(checkInListRoute, scanners, (c) => {
      const { id } = c.req.valid('param');
      const list = office.checkInList(id);
      if (list === undefined) throw new HttpError(404, 'unknown_show', `no show '${id}'`);
      const { generatedAt, checkInOpensAt, ...rest } = list;
      return c.json({ ...rest, generatedAt: new Date(generatedAt).toISOString(), checkInOpensAt: checkInOpensAt === 0 ? null : new Date(checkInOpensAt).toISOString() }, 200);
    }),
  ]);
}

/** The ETag of a booking: its version, quoted. */
function etag(booking: Booking): string {
  return `"${booking.version}"`;
}
