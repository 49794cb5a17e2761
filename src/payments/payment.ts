/**
 * A payment and its lifecycle as a pure transition function: `pending → succeeded | failed`,
 * `succeeded → refunded | partially_refunded`, `partially_refunded → refunded | partially_refunded`. The table
 * `ALLOWED` is the whole rule set; an event it does not allow is a typed refusal, never an overwrite. The booking
 * saga (or whatever actor owns a payment) applies events from its own decisions and from provider webhooks, stores
 * the new payment and performs the returned effects (publishing them to the event log).
 */

import { PaymentError } from './payment-error.ts';

export type PaymentMethod = 'wallet' | 'card';
export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'refunded' | 'partially_refunded';

export interface Payment {
  readonly id: string;
  readonly bookingId: string;
  readonly method: PaymentMethod;
  /** Integer cents, > 0. */
  readonly amount: number;
  /** ISO 4217 code, e.g. `EUR`. */
  readonly currency: string;
  readonly status: PaymentStatus;
  /** The provider's id for the charge: set when a card charge is accepted; a wallet payment may carry its ledger entry. */
  readonly providerTransactionId?: string;
  /** Integer cents refunded so far (confirmed refunds only), 0..amount. */
  readonly refunded: number;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** Epoch milliseconds of the last transition. */
  readonly updatedAt: number;
  /** Why a failed payment failed (`card_declined`, `insufficient_funds`, …). */
  readonly failureReason?: string;
}

export type PaymentEvent =
  /** The provider took the charge and named its transaction; the outcome comes later. */
  | { type: 'accepted'; providerTransactionId: string; at: number }
  | { type: 'succeed'; providerTransactionId?: string; at: number }
  | { type: 'fail'; reason: string; providerTransactionId?: string; at: number }
  /** A confirmed refund of `amount` cents (the provider's webhook, or a wallet credit committed). */
  | { type: 'refund'; amount: number; at: number };

/** What the owner of the payment publishes after a status change. */
export interface PaymentNotice {
  type: `payment.${Exclude<PaymentStatus, 'pending'>}`;
  paymentId: string;
  bookingId: string;
  /** The payment's amount, or for refunds the amount of this refund. */
  amount: number;
}

export type TransitionResult =
  | { ok: true; payment: Payment; effects: PaymentNotice[] }
  | { ok: false; error: PaymentError };

/** Which events each status accepts. Terminal statuses (`failed`, `refunded`) accept none. */
export const ALLOWED: Readonly<Record<PaymentStatus, readonly PaymentEvent['type'][]>> = {
  pending: ['accepted', 'succeed', 'fail'],
  succeeded: ['refund'],
  partially_refunded: ['refund'],
  failed: [],
  refunded: [],
};

/** Largest amount of one payment, in cents: well inside the safe integers, so sums of refunds stay exact. */
export const PAYMENT_AMOUNT_MAX = 100_000_000_00;

/**
 * A new pending payment. Throws `ERR_INVALID_AMOUNT` for an amount that is not 1..PAYMENT_AMOUNT_MAX cents or a
 * currency that is not three capital letters.
 *
 * @example
 * const p = createPayment({ id: 'pay-1', bookingId: 'bk-1', method: 'card', amount: 4_500, currency: 'EUR', at: clock.now() });
 * p.status; // 'pending'
 */
export function createPayment(input: {
  id: string;
  bookingId: string;
  method: PaymentMethod;
  amount: number;
  currency: string;
  at: number;
}): Payment {
  checkAmount(input.amount, PAYMENT_AMOUNT_MAX);
  if (!/^[A-Z]{3}$/.test(input.currency)) {
    throw new PaymentError('ERR_INVALID_AMOUNT', `currency must be three capital letters, got ${input.currency}`);
  }
  const { at, ...rest } = input;
  return { ...rest, status: 'pending', refunded: 0, createdAt: at, updatedAt: at };
}

/**
 * Applies one event. Pure: the same payment and event always give the same answer.
 *
 * @example
 * const r = transitionPayment(p, { type: 'succeed', providerTransactionId: 'txn-1', at: clock.now() });
 * if (r.ok) save(r.payment), publish(r.effects); else answer409(r.error.code);
 */
export function transitionPayment(payment: Payment, event: PaymentEvent): TransitionResult {
  if (!ALLOWED[payment.status].includes(event.type)) {
    return refuse('ERR_ILLEGAL_TRANSITION', `${event.type} is not allowed for a ${payment.status} payment ${payment.id}`);
  }
  switch (event.type) {
    case 'accepted':
      if (payment.providerTransactionId !== undefined) {
        return refuse('ERR_ILLEGAL_TRANSITION', `payment ${payment.id} already has transaction ${payment.providerTransactionId}`);
      }
      return { ok: true, payment: { ...payment, providerTransactionId: event.providerTransactionId, updatedAt: event.at }, effects: [] };
    case 'succeed':
    case 'fail':
      return settle(payment, event);
    case 'refund':
      return refund(payment, event.amount, event.at);
  }
}

/**
 * Cents that can still be refunded: what was paid minus what was refunded; 0 unless the payment succeeded.
 *
 * @example
 * refundableAmount({ ...p, status: 'partially_refunded', amount: 1_000, refunded: 300 }); // 700
 */
export function refundableAmount(payment: Payment): number {
  const paid = payment.status === 'succeeded' || payment.status === 'partially_refunded';
  return paid ? payment.amount - payment.refunded : 0;
}

function settle(payment: Payment, event: Extract<PaymentEvent, { type: 'succeed' | 'fail' }>): TransitionResult {
  const known = payment.providerTransactionId;
  const named = event.providerTransactionId;
  if (known !== undefined && named !== undefined && known !== named) {
    return refuse('ERR_TRANSACTION_MISMATCH', `payment ${payment.id} has transaction ${known}, the event names ${named}`);
  }
  const status = event.type === 'succeed' ? 'succeeded' : 'failed';
  const next: Payment = {
    ...payment,
    status,
    providerTransactionId: known ?? named,
    updatedAt: event.at,
    ...(event.type === 'fail' ? { failureReason: event.reason } : {}),
  };
  return { ok: true, payment: next, effects: [notice(next, `payment.${status}`, payment.amount)] };
}

function refund(payment: Payment, amount: number, at: number): TransitionResult {
  const left = payment.amount - payment.refunded;
  if (!Number.isSafeInteger(amount) || amount < 1) {
    return refuse('ERR_INVALID_AMOUNT', `refund for payment ${payment.id} must be a positive integer of cents, got ${String(amount)}`);
  }
  if (amount > left) {
    return refuse('ERR_REFUND_EXCEEDS_PAID', `refund of ${amount} for payment ${payment.id} exceeds the ${left} left`);
  }
  const refunded = payment.refunded + amount;
  if (!(refunded <= payment.amount)) throw new Error(`refunded ${refunded} > amount ${payment.amount}: a bug`);
  const status = refunded === payment.amount ? 'refunded' : 'partially_refunded';
  const next: Payment = { ...payment, status, refunded, updatedAt: at };
  return { ok: true, payment: next, effects: [notice(next, `payment.${status}`, amount)] };
}

function checkAmount(amount: number, max: number): void {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > max) {
    throw new PaymentError('ERR_INVALID_AMOUNT', `amount must be an integer of cents in 1..${max}, got ${String(amount)}`);
  }
}

function notice(payment: Payment, type: PaymentNotice['type'], amount: number): PaymentNotice {
  return { type, paymentId: payment.id, bookingId: payment.bookingId, amount };
}

function refuse(code: PaymentError['code'], message: string): TransitionResult {
  return { ok: false, error: new PaymentError(code, message) };
}
