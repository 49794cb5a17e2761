/**
 * The payment provider boundary. ticketd asks a provider to charge or refund; the provider answers at once only
 * that it accepted the request (with its transaction id) and delivers the outcome later as a signed webhook event
 * (`POST /v1/payments/webhook`, see webhook-signature.ts). The simulated provider (simulated-provider.ts) and a
 * real one fit the same interface. `parseProviderEvent` reads a verified webhook body; `paymentEventOf` turns it
 * into the event `transitionPayment` applies.
 */

import { z } from 'zod';
import type { PaymentEvent } from './payment.ts';

export interface ChargeRequest {
  /** ticketd's payment id; echoed in the webhook events so they find their payment. */
  paymentId: string;
  /** Integer cents, > 0. */
  amount: number;
  currency: string;
  /** The same key again gets the same answer and never a second charge. */
  idempotencyKey: string;
}

export interface RefundRequest {
  paymentId: string;
  providerTransactionId: string;
  /** Integer cents, > 0; a charge may be refunded in parts up to its amount. */
  amount: number;
  idempotencyKey: string;
}

/** The provider took the request; the outcome arrives as a webhook event. */
export interface Accepted {
  providerTransactionId: string;
  /** For a refund, the provider's id of this refund. */
  providerRefundId?: string;
  /** True when the idempotency key had been seen: this is the first answer again, nothing new was started. */
  duplicate: boolean;
}

/**
 * What ticketd needs of a payment provider. Both calls reject with a `PaymentError` when the request is refused
 * outright (provider busy, unknown transaction, idempotency key reused for another request).
 *
 * @example
 * const { providerTransactionId } = await provider.charge({ paymentId, amount: 4_500, currency: 'EUR', idempotencyKey: paymentId });
 */
export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<Accepted>;
  refund(request: RefundRequest): Promise<Accepted>;
}

const base = {
  /** The event's own id: a redelivered event has the same id. */
  id: z.string().min(1).max(128),
  paymentId: z.string().min(1).max(128),
  providerTransactionId: z.string().min(1).max(128),
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  /** Epoch milliseconds at the provider. */
  createdAt: z.number().int().nonnegative(),
};

export const ProviderEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('charge.succeeded'), ...base }),
  z.strictObject({ type: z.literal('charge.failed'), ...base, reason: z.string().min(1).max(64) }),
  z.strictObject({ type: z.literal('refund.succeeded'), ...base, providerRefundId: z.string().min(1).max(128) }),
]);

/** A webhook event, as the provider sends it (JSON body). */
export type ProviderEvent = z.infer<typeof ProviderEventSchema>;

/**
 * The event in a verified webhook body, or `undefined` when the body is not one (answer 400).
 *
 * @example
 * const event = parseProviderEvent(rawBody); // { type: 'charge.succeeded', id: 'evt-3', … }
 */
export function parseProviderEvent(rawBody: string): ProviderEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return undefined;
  }
  const parsed = ProviderEventSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The payment transition a provider event asks for, timed by the receiver's clock.
 *
 * @example
 * const r = transitionPayment(payment, paymentEventOf(event, clock.now()));
 */
export function paymentEventOf(event: ProviderEvent, at: number): PaymentEvent {
  switch (event.type) {
    case 'charge.succeeded':
      return { type: 'succeed', providerTransactionId: event.providerTransactionId, at };
    case 'charge.failed':
      return { type: 'fail', reason: event.reason, providerTransactionId: event.providerTransactionId, at };
    case 'refund.succeeded':
      return { type: 'refund', amount: event.amount, at };
  }
}
