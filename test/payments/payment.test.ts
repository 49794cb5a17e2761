import { describe, it, expect } from 'vitest';
import {
  ALLOWED,
  createPayment,
  refundableAmount,
  transitionPayment,
  type Payment,
  type PaymentEvent,
  type PaymentStatus,
} from '../../src/payments/payment.ts';
import { PaymentError } from '../../src/payments/payment-error.ts';

const pending = createPayment({ id: 'pay-1', bookingId: 'bk-1', method: 'card', amount: 1_000, currency: 'EUR', at: 10 });

function at(status: PaymentStatus, extra: Partial<Payment> = {}): Payment {
  const refunded = status === 'refunded' ? 1_000 : status === 'partially_refunded' ? 400 : 0;
  return { ...pending, status, refunded, providerTransactionId: 'txn-1', ...extra };
}

function apply(payment: Payment, event: PaymentEvent): Payment {
  const result = transitionPayment(payment, event);
  if (!result.ok) throw result.error;
  return result.payment;
}

const events: Record<PaymentEvent['type'], PaymentEvent> = {
  accepted: { type: 'accepted', providerTransactionId: 'txn-9', at: 20 },
  succeed: { type: 'succeed', providerTransactionId: 'txn-1', at: 20 },
  fail: { type: 'fail', reason: 'card_declined', providerTransactionId: 'txn-1', at: 20 },
  refund: { type: 'refund', amount: 100, at: 20 },
};

describe('createPayment', () => {
  it('starts pending with nothing refunded', () => {
    expect(pending).toEqual({
      id: 'pay-1', bookingId: 'bk-1', method: 'card', amount: 1_000, currency: 'EUR',
      status: 'pending', refunded: 0, createdAt: 10, updatedAt: 10,
    });
  });

  it.each([0, -5, 1.5, Number.NaN, 100_000_000_01])('refuses the amount %s', (amount) => {
    expect(() => createPayment({ ...pending, amount, at: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_AMOUNT' }));
  });

  it('refuses a currency that is not three capital letters', () => {
    expect(() => createPayment({ ...pending, currency: 'eur', at: 0 })).toThrow(PaymentError);
  });
});

describe('transitionPayment: the table', () => {
  const statuses: PaymentStatus[] = ['pending', 'succeeded', 'failed', 'refunded', 'partially_refunded'];
  // A pending payment without a transaction yet, so `accepted` is legal from it.
  const start = (status: PaymentStatus): Payment =>
    status === 'pending' ? { ...pending } : at(status);

  for (const status of statuses) {
    for (const type of Object.keys(events) as PaymentEvent['type'][]) {
      const legal = ALLOWED[status].includes(type);
      it(`${type} from ${status} is ${legal ? 'legal' : 'refused'}`, () => {
        const result = transitionPayment(start(status), events[type]);
        expect(result.ok).toBe(legal);
        if (!result.ok) expect(result.error.code).toBe('ERR_ILLEGAL_TRANSITION');
      });
    }
  }

  it('terminal statuses accept nothing', () => {
    expect(ALLOWED.failed).toEqual([]);
    expect(ALLOWED.refunded).toEqual([]);
  });
});

describe('transitionPayment: moves', () => {
  it('accepted records the transaction and stays pending, without a notice', () => {
    const result = transitionPayment(pending, { type: 'accepted', providerTransactionId: 'txn-1', at: 15 });
    expect(result).toMatchObject({ ok: true, effects: [], payment: { status: 'pending', providerTransactionId: 'txn-1', updatedAt: 15 } });
  });

  it('a second accepted is refused', () => {
    const result = transitionPayment(at('pending'), events.accepted);
    expect(result.ok ? undefined : result.error.code).toBe('ERR_ILLEGAL_TRANSITION');
  });

  it('succeed notifies payment.succeeded', () => {
    const result = transitionPayment(at('pending'), events.succeed);
    expect(result).toEqual({
      ok: true,
      payment: { ...at('pending'), status: 'succeeded', updatedAt: 20 },
      effects: [{ type: 'payment.succeeded', paymentId: 'pay-1', bookingId: 'bk-1', amount: 1_000 }],
    });
  });

  it('a wallet payment succeeds without a provider transaction', () => {
    const wallet = createPayment({ ...pending, method: 'wallet', at: 0 });
    expect(apply(wallet, { type: 'succeed', at: 5 })).toMatchObject({ status: 'succeeded', providerTransactionId: undefined });
  });

  it('fail keeps the reason', () => {
    expect(apply(at('pending'), events.fail)).toMatchObject({ status: 'failed', failureReason: 'card_declined' });
  });

  it('an outcome naming another transaction is refused', () => {
    const result = transitionPayment(at('pending'), { type: 'succeed', providerTransactionId: 'txn-2', at: 1 });
    expect(result.ok ? undefined : result.error.code).toBe('ERR_TRANSACTION_MISMATCH');
  });

  it('succeed twice is refused', () => {
    const once = apply(at('pending'), events.succeed);
    const twice = transitionPayment(once, events.succeed);
    expect(twice.ok ? undefined : twice.error.code).toBe('ERR_ILLEGAL_TRANSITION');
  });

  it('refunding a failed payment is refused', () => {
    const failed = apply(at('pending'), events.fail);
    const result = transitionPayment(failed, events.refund);
    expect(result.ok ? undefined : result.error.code).toBe('ERR_ILLEGAL_TRANSITION');
    expect(refundableAmount(failed)).toBe(0);
  });

  it('partial refunds add up to refunded, each with its own notice', () => {
    let payment = apply(at('pending'), events.succeed);
    const notices: string[] = [];
    for (const amount of [300, 300, 400]) {
      const result = transitionPayment(payment, { type: 'refund', amount, at: 30 });
      if (!result.ok) throw result.error;
      payment = result.payment;
      notices.push(`${result.effects[0]?.type}:${result.effects[0]?.amount}`);
    }
    expect(payment).toMatchObject({ status: 'refunded', refunded: 1_000 });
    expect(notices).toEqual(['payment.partially_refunded:300', 'payment.partially_refunded:300', 'payment.refunded:400']);
    expect(refundableAmount(payment)).toBe(0);
  });

  it('a refund of more than is left is refused and changes nothing', () => {
    const partly = at('partially_refunded');
    expect(refundableAmount(partly)).toBe(600);
    const result = transitionPayment(partly, { type: 'refund', amount: 601, at: 1 });
    expect(result.ok ? undefined : result.error.code).toBe('ERR_REFUND_EXCEEDS_PAID');
    expect(partly.refunded).toBe(400);
  });

  it.each([0, -1, 2.5, Number.NaN])('a refund of %s is refused as an invalid amount', (amount) => {
    const result = transitionPayment(at('succeeded'), { type: 'refund', amount, at: 1 });
    expect(result.ok ? undefined : result.error.code).toBe('ERR_INVALID_AMOUNT');
  });

  it('a refund while pending is refused', () => {
    const result = transitionPayment(at('pending'), events.refund);
    expect(result.ok ? undefined : result.error.code).toBe('ERR_ILLEGAL_TRANSITION');
  });
});
