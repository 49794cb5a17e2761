import { describe, it, expect } from 'vitest';
import { parseProviderEvent, paymentEventOf, type ProviderEvent } from '../../src/payments/provider.ts';
import { PaymentError, type PaymentErrorCode } from '../../src/payments/payment-error.ts';

const succeeded: ProviderEvent = {
  type: 'charge.succeeded', id: 'evt-1', paymentId: 'pay-1', providerTransactionId: 'txn-1', amount: 1_000, createdAt: 5,
};

describe('parseProviderEvent', () => {
  it('reads each event type', () => {
    const failed = { ...succeeded, type: 'charge.failed', reason: 'card_declined' };
    const refunded = { ...succeeded, type: 'refund.succeeded', providerRefundId: 'refund-1', amount: 300 };
    for (const event of [succeeded, failed, refunded]) expect(parseProviderEvent(JSON.stringify(event))).toEqual(event);
  });

  it.each([
    ['not JSON', '{'],
    ['an unknown type', JSON.stringify({ ...succeeded, type: 'charge.disputed' })],
    ['an unknown field', JSON.stringify({ ...succeeded, extra: 1 })],
    ['a fractional amount', JSON.stringify({ ...succeeded, amount: 1.5 })],
    ['a zero amount', JSON.stringify({ ...succeeded, amount: 0 })],
    ['a failure without reason', JSON.stringify({ ...succeeded, type: 'charge.failed' })],
    ['a refund without its id', JSON.stringify({ ...succeeded, type: 'refund.succeeded' })],
    ['an array', '[]'],
  ])('refuses %s', (_, body) => {
    expect(parseProviderEvent(body)).toBeUndefined();
  });
});

describe('paymentEventOf', () => {
  it('maps each provider event to the payment transition it asks for', () => {
    expect(paymentEventOf(succeeded, 9)).toEqual({ type: 'succeed', providerTransactionId: 'txn-1', at: 9 });
    expect(paymentEventOf({ ...succeeded, type: 'charge.failed', reason: 'card_declined' }, 9))
      .toEqual({ type: 'fail', reason: 'card_declined', providerTransactionId: 'txn-1', at: 9 });
    expect(paymentEventOf({ ...succeeded, type: 'refund.succeeded', providerRefundId: 'refund-1', amount: 300 }, 9))
      .toEqual({ type: 'refund', amount: 300, at: 9 });
  });
});

describe('PaymentError', () => {
  const codes: PaymentErrorCode[] = [
    'ERR_ILLEGAL_TRANSITION', 'ERR_REFUND_EXCEEDS_PAID', 'ERR_INVALID_AMOUNT', 'ERR_TRANSACTION_MISMATCH',
    'ERR_INVALID_OPTION', 'ERR_PROVIDER_BUSY', 'ERR_IDEMPOTENCY_CONFLICT', 'ERR_UNKNOWN_TRANSACTION', 'ERR_NOT_REFUNDABLE',
  ];
  it.each(codes)('%s keeps its code and name', (code) => {
    const error = new PaymentError(code, 'why');
    expect(error).toBeInstanceOf(Error);
    expect({ code: error.code, name: error.name, message: error.message }).toEqual({ code, name: 'PaymentError', message: 'why' });
  });
});
