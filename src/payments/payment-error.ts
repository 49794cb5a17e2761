/**
 * The one error class of payments. Code and tests match on `code`, never on the message text. Illegal payment
 * transitions come back as values of this class (a refusal the HTTP layer maps to 409); the simulated provider
 * throws it for a bad option, a full pending set, an unknown transaction or a reused idempotency key.
 */

export type PaymentErrorCode =
  /** The event is not allowed from the payment's status (succeed twice, refund a failed payment, …). */
  | 'ERR_ILLEGAL_TRANSITION'
  /** A refund would bring the refunded total above the amount paid. */
  | 'ERR_REFUND_EXCEEDS_PAID'
  /** An amount that is not a positive safe integer of cents, or a currency that is not three capital letters. */
  | 'ERR_INVALID_AMOUNT'
  /** The event names a provider transaction other than the payment's own. */
  | 'ERR_TRANSACTION_MISMATCH'
  /** A constructor option out of range; the message names it. */
  | 'ERR_INVALID_OPTION'
  /** The provider already has its maximum of charges and refunds waiting for their outcome. */
  | 'ERR_PROVIDER_BUSY'
  /** The same idempotency key came with a different request. */
  | 'ERR_IDEMPOTENCY_CONFLICT'
  /** A refund for a transaction the provider does not know (or no longer remembers). */
  | 'ERR_UNKNOWN_TRANSACTION'
  /** A refund for a transaction that has not succeeded (still pending, or failed). */
  | 'ERR_NOT_REFUNDABLE';

/**
 * A refused payment operation.
 *
 * @example
 * const err = new PaymentError('ERR_REFUND_EXCEEDS_PAID', 'refund of 600 exceeds the 500 left');
 * err.code; // 'ERR_REFUND_EXCEEDS_PAID'
 */
export class PaymentError extends Error {
  override readonly name = 'PaymentError';
  readonly code: PaymentErrorCode;

  constructor(code: PaymentErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Checks that `value` is an integer in `[min, max]` (or a number in it when `integer` is false), naming the option.
 *
 * @example
 * checkRange('delayMs', options.delayMs, 0, 60_000, true); // throws ERR_INVALID_OPTION when outside
 */
export function checkRange(option: string, value: number, min: number, max: number, integer: boolean): number {
  const ok = Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const kind = integer ? 'an integer' : 'a number';
    throw new PaymentError('ERR_INVALID_OPTION', `${option} must be ${kind} in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}
