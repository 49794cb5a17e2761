/**
 * The booking saga's pieces that hold no state (box-office.ts runs them): prices of held items, the payments a
 * booking's end settles inside its commit, the payment events' data, and the answers of an inventory actor and of a
 * refused hold as the API words them.
 */
import { createHash } from 'node:crypto';
import type { Show } from '../domain/show.ts';
import type { BookingWriter, RequestTrail, StoredBooking, StoredPayment } from '../store/bookings.ts';
import { publicPayment, requestTrail } from '../store/bookings.ts';
import { BoxOfficeError } from './box-office-error.ts';
import type { BookingItem, BookingRequest, PaymentNoticeData, RequestContext } from './booking-types.ts';
import type { CommitWrite } from './box-office.ts';
import type { Overloaded } from './inventory-actor.ts';
import type { HoldRefusalCode, RefusalDetail } from './inventory-types.ts';

/** The one currency of the store (customers' wallets are EUR). */
export const CURRENCY = 'EUR';

/** The trail of the request `context` names (see BookingWriter.serve); none for a step no request drives. */
export function trailOf(context: RequestContext | undefined): RequestTrail | undefined {
  return context?.requestId === undefined ? undefined : requestTrail(context.requestId);
}

/**
 * `commit`, with each write serving `trail`'s request when there is one (correlation and causation of its events).
 *
 * @example
 * await committing(commit, trailOf({ requestId: 'req-abc' }))((w) => w.notify(…));
 */
export function committing(commit: CommitWrite, trail: RequestTrail | undefined): CommitWrite {
  if (trail === undefined) return commit;
  return (write) => commit((w) => {
    w.serve(trail);
    return write(w);
  });
}

/** The items as decided, each with the show's price: the server's, never the client's. */
export function priced(show: Show, items: readonly { categoryId: string; quantity: number; seats?: string[] }[]): BookingItem[] {
  return items.map((item) => {
    const unitPrice = show.categories.find((c) => c.id === item.categoryId)!.price;
    return { ...item, unitPrice, amount: unitPrice * item.quantity };
  });
}

/**
 * Inside a commit that ends a booking: fails its wallet payment still waiting for its turn, and gives back every
 * payment that succeeded and is not yet being refunded. A wallet is
 * credited here and then (`payment.refunded` in the same commit); a card refund is recorded as requested and answered
 * for the caller to ask of the provider once the commit is durable (the next start asks again if it never was).
 */
export function refundsIn(w: BookingWriter, bookingId: string): StoredPayment[] {
  const b = w.booking(bookingId)!;
  const ask: StoredPayment[] = [];
  for (const p of b.payments) {
    if (p.status === 'pending' && (p.method === 'wallet' || p.providerTransactionId === undefined)) {
      // Its turn never came (a booking's steps run one at a time, so no charge is in flight): the booking ended
      // first, nothing is taken. A card charge the provider took is left to its webhook: if it succeeds, the webhook
      // finds the booking ended and refunds it.
      const failed = w.updatePayment({ ...p, status: 'failed', failureReason: `booking_${b.status}` });
      w.notify(b.customerId, b.id, { type: 'payment.failed', data: paymentNotice(failed, b) });
      continue;
    }
    if (p.status !== 'succeeded' || p.refundRequested > 0) continue;
    if (p.method === 'wallet') {
      const balanceAfter = w.creditWallet(b.customerId, p.amount);
      const refunded = w.updatePayment({ ...p, status: 'refunded', refunded: p.amount, refundRequested: p.amount });
      w.notify(b.customerId, b.id, { type: 'payment.refunded', data: paymentNotice(refunded, b, p.amount) }, p.amount, balanceAfter);
    } else {
      ask.push(w.updatePayment({ ...p, refundRequested: p.amount }));
    }
  }
  return ask;
}

export function paymentNotice(p: StoredPayment, b: StoredBooking, refundAmount?: number): PaymentNoticeData {
  return { ...publicPayment(p), booking: { id: b.id, status: b.status, version: b.version }, ...(refundAmount !== undefined && { refundAmount }) };
}

/** An actor's answer, or `overloaded` as a BoxOfficeError when the actor could not take the request. */
export function answerOf<T>(reply: T | Overloaded): T {
  if (typeof reply === 'object' && reply !== null && 'code' in reply && reply.code === 'overloaded') {
    throw new BoxOfficeError('overloaded', `the show's inventory is busy (${reply.reason}); retry`);
  }
  return reply as T;
}

/** A hold the actor refused, as the buyer's answer. (`duplicate_booking` cannot happen: booking ids are fresh.) */
export function refusal(code: HoldRefusalCode, detail: RefusalDetail): BoxOfficeError {
  return new BoxOfficeError(code === 'duplicate_booking' ? 'overloaded' : code, describe(code, detail), detail);
}

export function describe(code: HoldRefusalCode, d: RefusalDetail): string {
  switch (code) {
    case 'sold_out':
      return `${d.categoryId}: ${d.available ?? 0} left${d.requested !== undefined ? `, ${d.requested} asked for` : ''}`;
    case 'seats_taken':
      return `${d.categoryId}: seats ${(d.seats ?? []).join(', ')} are taken`;
    case 'invalid_seats':
      return `${d.categoryId}: ${(d.seats ?? []).length > 0 ? `${(d.seats ?? []).join(', ')} are not seats of this category (or named twice)` : 'no such seats'}`;
    case 'unknown_category':
      return `no category '${d.categoryId}'`;
    default:
      return `${code.replaceAll('_', ' ')}${d.available !== undefined ? ` (at most ${d.available})` : ''}`;
  }
}

/** The request's fingerprint, for Idempotency-Key: the same key with another body is refused. */
export function hashRequest(request: BookingRequest): string {
  return createHash('sha256').update(JSON.stringify([request.customerId, request.showId, request.items, request.payment?.method ?? null])).digest('base64url');
}
